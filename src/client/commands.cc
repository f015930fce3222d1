#include "client/commands.h"

#include <iostream>

#include "client/command_parts.h"
#include "client/settings.h"

namespace sd::client {

void add_connection_flags(CLI::App* cmd, connection_options& o) {
  cmd->add_option("-b,--bootstrap", o.bootstrap, "broker HOST:PORT (default 127.0.0.1:9092)");
  cmd->add_option("-X", o.settings, "librdkafka setting key=value (repeatable)")->allow_extra_args(false);
  cmd->add_option("--timeout", o.timeout, "request and connection timeout, e.g. 5s (default 30s)");
  cmd->add_option("--password-file", o.password_file,
                  "sasl.password from this file's first line (or set STREAMDOWN_SASL_PASSWORD)");
}

void run_command(const std::string& name, const std::function<int()>& fn) {
  int rc = 0;
  try {
    rc = fn();
  } catch (const usage_error& e) {
    std::cerr << "streamdown " << name << ": " << e.what() << "\n";
    rc = 2;
  } catch (const std::exception& e) {
    std::cerr << "streamdown " << name << ": " << e.what() << "\n";
    rc = 1;
  }
  std::cout.flush();
  if (rc != 0) throw CLI::RuntimeError(rc);
}

std::map<std::string, std::string> parse_settings(const std::vector<std::string>& args, const std::string& flag) {
  std::map<std::string, std::string> out;
  for (const auto& a : args) {
    auto kv = parse_setting(a);
    if (!kv) throw usage_error("malformed " + flag + " '" + a + "': " + kv.error().message());
    out[kv->first] = kv->second;
  }
  return out;
}

void add_commands(CLI::App& app) {
  add_topic_command(app);
  add_group_command(app);
  add_produce_command(app);
  add_consume_command(app);
  add_user_command(app);
  add_acl_command(app);
  add_transaction_command(app);
  add_verify_command(app);
}

}  // namespace sd::client
