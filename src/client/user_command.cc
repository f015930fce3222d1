// `streamdown user create|delete|list`: SCRAM users of a broker, through DescribeUserScramCredentials and
// AlterUserScramCredentials (Kafka's APIs; librdkafka 2.0.2 has no call for them, so client/wire_client.h
// speaks them). The new user's password is read from stdin (first line) or, on a terminal, from a prompt with
// echo off, never from argv. The salt and the salted password are computed here; the broker stores only
// StoredKey and ServerKey.
#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "client/command_parts.h"
#include "client/wire_client.h"
#include "protocol/generated/alter_user_scram_credentials.h"
#include "protocol/generated/describe_user_scram_credentials.h"
#include "security/scram.h"

namespace sd::client {
namespace {

struct user_flags {
  connection_options conn;
  std::string name;
  std::vector<std::string> mechanisms;  // default: both
  int iterations = 8192;
  bool json = false;
};

std::vector<security::scram_algorithm> algorithms_of(const user_flags& f) {
  if (f.mechanisms.empty()) return {security::scram_algorithm::sha256, security::scram_algorithm::sha512};
  std::vector<security::scram_algorithm> out;
  for (const auto& m : f.mechanisms) {
    auto a = security::scram_from_mechanism(m);
    if (!a) throw usage_error("--mechanism '" + m + "': expected SCRAM-SHA-256 or SCRAM-SHA-512");
    out.push_back(*a);
  }
  return out;
}

std::string read_line_no_echo(const char* prompt) {
  std::cerr << prompt << std::flush;
  termios old{};
  const bool tty = ::tcgetattr(STDIN_FILENO, &old) == 0;
  if (tty) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    std::cerr << "\n";
  }
  return line;
}

/// The new user's password: a prompt (twice) on a terminal, else the first line of stdin.
std::string read_new_password(const std::string& user) {
  std::string pw;
  if (::isatty(STDIN_FILENO)) {
    pw = read_line_no_echo(("password for " + user + ": ").c_str());
    if (read_line_no_echo("again: ") != pw) throw usage_error("the passwords differ");
  } else if (!std::getline(std::cin, pw)) {
    throw usage_error("no password on stdin (give it as the first line)");
  }
  if (!pw.empty() && pw.back() == '\r') pw.pop_back();
  if (pw.empty()) throw usage_error("the password is empty");
  return pw;
}

int create_user(const user_flags& f) {
  if (f.iterations < security::min_scram_iterations || f.iterations > security::max_scram_iterations)
    throw usage_error("--iterations must be in [4096, 16384]");
  const auto password = read_new_password(f.name);
  wire_client client(f.conn.bootstrap, effective_settings(f.conn), timeout_of(f.conn));
  protocol::alter_user_scram_credentials_request req;
  for (auto alg : algorithms_of(f)) {
    auto& u = req.upsertions.emplace_back();
    u.name = f.name;
    u.mechanism = static_cast<std::int8_t>(alg);
    u.iterations = f.iterations;
    auto salt = security::random_salt();
    auto salted = security::salted_password(alg, password, salt, f.iterations);
    u.salt.assign(salt.begin(), salt.end());
    u.salted_password.assign(salted.begin(), salted.end());
  }
  auto resp = client.call<protocol::alter_user_scram_credentials_response>(req, 0);
  for (const auto& r : resp.results)
    if (r.error_code != 0) throw tool_error("user " + r.user + ": " + broker_error_text(r.error_code, r.error_message));
  std::cout << "user " << f.name << " created or updated\n";
  return 0;
}

int delete_user(const user_flags& f) {
  wire_client client(f.conn.bootstrap, effective_settings(f.conn), timeout_of(f.conn));
  std::vector<security::scram_algorithm> algs;
  if (f.mechanisms.empty()) {
    // Every credential the user has.
    protocol::describe_user_scram_credentials_request d;
    d.users.emplace().push_back({f.name});
    auto dr = client.call<protocol::describe_user_scram_credentials_response>(d, 0);
    if (dr.error_code != 0) throw tool_error(broker_error_text(dr.error_code, dr.error_message));
    for (const auto& r : dr.results) {
      if (r.error_code != 0) throw tool_error("user " + r.user + ": " + broker_error_text(r.error_code, r.error_message));
      for (const auto& c : r.credential_infos) algs.push_back(static_cast<security::scram_algorithm>(c.mechanism));
    }
  } else {
    algs = algorithms_of(f);
  }
  protocol::alter_user_scram_credentials_request req;
  for (auto alg : algs) req.deletions.push_back({f.name, static_cast<std::int8_t>(alg)});
  auto resp = client.call<protocol::alter_user_scram_credentials_response>(req, 0);
  for (const auto& r : resp.results)
    if (r.error_code != 0) throw tool_error("user " + r.user + ": " + broker_error_text(r.error_code, r.error_message));
  std::cout << "user " << f.name << " deleted\n";
  return 0;
}

int list_users(const user_flags& f) {
  wire_client client(f.conn.bootstrap, effective_settings(f.conn), timeout_of(f.conn));
  protocol::describe_user_scram_credentials_request req;  // null users: all
  auto resp = client.call<protocol::describe_user_scram_credentials_response>(req, 0);
  if (resp.error_code != 0) throw tool_error(broker_error_text(resp.error_code, resp.error_message));
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : resp.results) {
    nlohmann::json creds = nlohmann::json::array();
    std::string text;
    for (const auto& c : r.credential_infos) {
      auto name = std::string(security::mechanism_name(static_cast<security::scram_algorithm>(c.mechanism)));
      creds.push_back({{"mechanism", name}, {"iterations", c.iterations}});
      text += (text.empty() ? "" : ", ") + name + " (" + std::to_string(c.iterations) + " iterations)";
    }
    out.push_back({{"user", r.user}, {"credentials", creds}});
    if (!f.json) std::cout << r.user << "\t" << text << "\n";
  }
  if (f.json) std::cout << out.dump() << "\n";
  return 0;
}

}  // namespace

void add_user_command(CLI::App& app) {
  auto* user = app.add_subcommand("user", "SCRAM users of a broker (password from stdin or a prompt)");
  user->require_subcommand(1);
  auto f = std::make_shared<user_flags>();
  auto* create = user->add_subcommand("create", "create a user or replace its credentials");
  create->add_option("name", f->name, "user name")->required();
  create->add_option("--mechanism", f->mechanisms, "SCRAM-SHA-256 or SCRAM-SHA-512 (repeatable; default both)");
  create->add_option("--iterations", f->iterations, "PBKDF2 iterations, 4096-16384 (default 8192)");
  add_connection_flags(create, f->conn);
  create->callback([f] { run_command("user create", [f] { return create_user(*f); }); });
  auto* del = user->add_subcommand("delete", "delete a user's credentials (all of them by default)");
  del->add_option("name", f->name, "user name")->required();
  del->add_option("--mechanism", f->mechanisms, "only this mechanism's credential (repeatable)");
  add_connection_flags(del, f->conn);
  del->callback([f] { run_command("user delete", [f] { return delete_user(*f); }); });
  auto* list = user->add_subcommand("list", "list users and their mechanisms");
  list->add_flag("--json", f->json, "one JSON array");
  add_connection_flags(list, f->conn);
  list->callback([f] { run_command("user list", [f] { return list_users(*f); }); });
}

}  // namespace sd::client
