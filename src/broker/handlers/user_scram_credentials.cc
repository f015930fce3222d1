// DescribeUserScramCredentials (key 50) and AlterUserScramCredentials (key 51), v0 (flexible). The user store
// (security/user_store.h) keeps only salted hashes: AlterUserScramCredentials carries the client-side salted
// password (Hi(password, salt, iterations)), from which StoredKey and ServerKey are derived here; nothing
// reversible is stored or logged. DESCRIBE / ALTER on the cluster is required (CLUSTER_AUTHORIZATION_FAILED).
// Errors as Kafka answers them: RESOURCE_NOT_FOUND (no such user or credential), DUPLICATE_RESOURCE (a user
// named twice in one Describe, or the same user and mechanism twice in one Alter), UNSUPPORTED_SASL_MECHANISM,
// UNACCEPTABLE_CREDENTIAL (empty name, iterations outside [4096, 16384], empty salt or salted password).
#include <map>
#include <set>

#include "broker/authorize.h"
#include "broker/handlers/handlers.h"
#include "broker/session.h"
#include "protocol/generated/alter_user_scram_credentials.h"
#include "protocol/generated/describe_user_scram_credentials.h"

namespace sd::broker::handlers {
namespace {

std::optional<security::scram_algorithm> algorithm_of(std::int8_t mechanism) {
  if (mechanism == static_cast<std::int8_t>(security::scram_algorithm::sha256)) return security::scram_algorithm::sha256;
  if (mechanism == static_cast<std::int8_t>(security::scram_algorithm::sha512)) return security::scram_algorithm::sha512;
  return std::nullopt;
}

}  // namespace

net::awaitable<net::response_task> describe_user_scram_credentials(request_context& ctx) {
  protocol::describe_user_scram_credentials_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  protocol::describe_user_scram_credentials_response resp;
  auto* sec = ctx.broker.security;
  if (!authorized_cluster(ctx, acl_operation::describe)) {
    resp.error_code = code(kafka_error::cluster_authorization_failed);
    co_return respond(ctx, resp);
  }
  auto users = sec && sec->users ? sec->users->list() : std::vector<security::user_info>{};
  auto fill = [](auto& r, const security::user_info& u) {
    for (const auto& c : u.credentials) {
      auto& ci = r.credential_infos.emplace_back();
      ci.mechanism = static_cast<std::int8_t>(c.algorithm);
      ci.iterations = c.iterations;
    }
  };
  if (!req.users || req.users->empty()) {
    for (const auto& u : users) {
      auto& r = resp.results.emplace_back();
      r.user = u.name;
      fill(r, u);
    }
    co_return respond(ctx, resp);
  }
  std::map<std::string, int> seen;
  for (const auto& n : *req.users) ++seen[n.name];
  std::set<std::string> answered;
  for (const auto& n : *req.users) {
    if (!answered.insert(n.name).second) continue;
    auto& r = resp.results.emplace_back();
    r.user = n.name;
    if (seen[n.name] > 1) {
      r.error_code = code(kafka_error::duplicate_resource);
      r.error_message = "cannot describe the same user twice in one request";
      continue;
    }
    auto it = std::find_if(users.begin(), users.end(), [&](const auto& u) { return u.name == n.name; });
    if (it == users.end()) {
      r.error_code = code(kafka_error::resource_not_found);
      r.error_message = "attempt to describe a user credential that does not exist";
      continue;
    }
    fill(r, *it);
  }
  co_return respond(ctx, resp);
}

net::awaitable<net::response_task> alter_user_scram_credentials(request_context& ctx) {
  protocol::alter_user_scram_credentials_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  protocol::alter_user_scram_credentials_response resp;
  auto* sec = ctx.broker.security;
  const bool allowed = authorized_cluster(ctx, acl_operation::alter);

  // One result per user, in first-mention order; the first error of a user wins and nothing of it is applied.
  std::vector<std::string> order;
  std::map<std::string, std::pair<kafka_error, std::string>> errors;
  std::map<std::pair<std::string, std::int8_t>, int> mentions;
  auto note = [&](const std::string& user) {
    if (std::find(order.begin(), order.end(), user) == order.end()) order.push_back(user);
  };
  auto set_error = [&](const std::string& user, kafka_error e, std::string m) {
    errors.try_emplace(user, e, std::move(m));
  };
  for (const auto& d : req.deletions) {
    note(d.name);
    ++mentions[{d.name, d.mechanism}];
  }
  for (const auto& u : req.upsertions) {
    note(u.name);
    ++mentions[{u.name, u.mechanism}];
  }
  for (const auto& user : order) {
    if (!allowed) set_error(user, kafka_error::cluster_authorization_failed, {});
    else if (!sec || !sec->users) set_error(user, kafka_error::unknown_server_error, "no user store");
    else if (user.empty() || !security::user_store::valid_user_name(user))
      set_error(user, kafka_error::unacceptable_credential, "user name is empty or invalid");
  }
  for (const auto& [key, n] : mentions)
    if (n > 1) set_error(key.first, kafka_error::duplicate_resource, "a user credential cannot be altered twice in one request");
  for (const auto& d : req.deletions) {
    auto alg = algorithm_of(d.mechanism);
    if (!alg) set_error(d.name, kafka_error::unsupported_sasl_mechanism, "unknown SCRAM mechanism");
    else if (!errors.count(d.name) && !sec->users->find(d.name, *alg))
      set_error(d.name, kafka_error::resource_not_found, "attempt to delete a user credential that does not exist");
  }
  for (const auto& u : req.upsertions) {
    if (!algorithm_of(u.mechanism)) set_error(u.name, kafka_error::unsupported_sasl_mechanism, "unknown SCRAM mechanism");
    else if (u.iterations < security::min_scram_iterations || u.iterations > security::max_scram_iterations)
      set_error(u.name, kafka_error::unacceptable_credential,
                "iterations must be in [" + std::to_string(security::min_scram_iterations) + ", " +
                    std::to_string(security::max_scram_iterations) + "]");
    else if (u.salt.empty() || u.salted_password.empty())
      set_error(u.name, kafka_error::unacceptable_credential, "salt and salted password must not be empty");
  }
  // Apply what passed: deletions first, then upsertions (each durable before the answer).
  for (const auto& d : req.deletions) {
    if (errors.count(d.name)) continue;
    if (auto st = sec->users->remove(d.name, *algorithm_of(d.mechanism)); !st)
      set_error(d.name, kafka_error::unknown_server_error, "cannot store users: " + st.error().message());
  }
  for (const auto& u : req.upsertions) {
    if (errors.count(u.name)) continue;
    auto alg = *algorithm_of(u.mechanism);
    std::string salted(u.salted_password.begin(), u.salted_password.end());
    std::string salt(u.salt.begin(), u.salt.end());
    auto cred = security::credential_from_salted_password(alg, salted, std::move(salt), u.iterations);
    if (auto st = sec->users->upsert(u.name, std::move(cred)); !st)
      set_error(u.name, kafka_error::unknown_server_error, "cannot store users: " + st.error().message());
  }
  for (const auto& user : order) {
    auto& r = resp.results.emplace_back();
    r.user = user;
    if (auto it = errors.find(user); it != errors.end()) {
      r.error_code = code(it->second.first);
      if (!it->second.second.empty()) r.error_message = it->second.second;
    }
  }
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
