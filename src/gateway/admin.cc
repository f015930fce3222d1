// The admin routes of the HTTP API (docs/HTTP_API.md, "Admin"): what the console's buttons do, for scripts too.
//
//   POST   /v1/topics                   {"name", "partitions", "configs"}: CreateTopics
//   DELETE /v1/topics/{topic}           DeleteTopics (and every group's committed offsets for it)
//   PATCH  /v1/topics/{topic}/configs   {"key": "value" | null}: IncrementalAlterConfigs SET / DELETE
//   POST   /v1/groups/{group}/offsets   {"to", "topic"?, "partition"?}: reset committed offsets of an empty group
//
// Each one does what its Kafka request does, through the same topic_table and group_manager calls, with the
// same authorisation: CREATE on the cluster or the topic; DELETE on the cluster or the topic; ALTER_CONFIGS on
// the topic; READ on the group and on each topic for an offset reset (Kafka's AlterConsumerGroupOffsets).
// Errors are {"error", "code"} with Kafka's error name in lower case as the code.
#include <charconv>
#include <set>

#include <spdlog/spdlog.h>

#include "base/clock.h"
#include "gateway/coordinator_call.h"
#include "gateway/gateway_impl.h"
#include "group/errc.h"

namespace sd::gateway {
namespace {

using security::acl_operation;
using security::resource_type;

/// The request body as a JSON object, or the 400 that says why not.
std::optional<json> object_body(const http::request& req, std::optional<http::response>& error) {
  auto body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    error = json_error(400, "invalid_request", "the body must be a JSON object");
    return std::nullopt;
  }
  return body;
}

http::response admin_error(const broker::admin_result& r) {
  const int status = r.error == broker::kafka_error::topic_already_exists        ? 409
                     : r.error == broker::kafka_error::unknown_topic_or_partition ? 404
                     : r.error == broker::kafka_error::topic_authorization_failed ? 403
                                                                                   : 400;
  return json_error(status, error_code_name(r.error), r.message.empty() ? error_code_name(r.error) : r.message);
}

/// A config value as Kafka takes it: strings as they are, numbers and booleans as their text.
std::optional<std::string> config_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  return std::nullopt;
}

net::awaitable<std::optional<http::response>> handle_create_topic(gateway::impl& g, const http::request& req,
                                                                  http::stream_io&) {
  std::optional<http::response> error;
  auto body = object_body(req, error);
  if (!body) co_return error;
  if (!body->contains("name") || !(*body)["name"].is_string())
    co_return json_error(400, "invalid_request", "name (a string) is required");
  const std::string name = (*body)["name"].get<std::string>();
  std::int32_t partitions = g.core.topics.config()->num_partitions;
  if (body->contains("partitions")) {
    const auto& p = (*body)["partitions"];
    if (!p.is_number_integer() || p.get<std::int64_t>() < 1 || p.get<std::int64_t>() > 1000000)
      co_return json_error(400, "invalid_partitions", "partitions must be a number from 1");
    partitions = static_cast<std::int32_t>(p.get<std::int64_t>());
  }
  broker::topic_overrides overrides;
  if (body->contains("configs")) {
    const auto& c = (*body)["configs"];
    if (!c.is_object()) co_return json_error(400, "invalid_request", "configs must be an object of key: value");
    for (const auto& [k, v] : c.items()) {
      auto text = config_text(v);
      if (!text) co_return json_error(400, "invalid_config", "config " + k + " must be a string, number or boolean");
      overrides[k] = *text;
    }
  }
  if (!g.may(req, resource_type::cluster, security::cluster_resource_name, acl_operation::create) &&
      !g.allowed(req, resource_type::topic, name, acl_operation::create))
    co_return forbidden("CREATE", "TOPIC", name);
  const bool validate_only = req.query.count("validate_only") && req.query.at("validate_only") == "true";
  auto r = g.core.topics.create_topic(name, partitions, overrides, validate_only);
  if (!r.ok()) co_return admin_error(r);
  if (!validate_only) spdlog::info("topic {} created over HTTP ({} partition(s)) by {}", name, partitions, req.principal);
  co_return http::response{validate_only ? 200 : 201, "application/json",
                           json{{"name", name}, {"partitions", partitions}, {"validate_only", validate_only}}.dump()};
}

net::awaitable<std::optional<http::response>> handle_delete_topic(gateway::impl& g, const http::request& req,
                                                                  http::stream_io&) {
  const std::string& name = req.params.at(0);
  if (!g.may(req, resource_type::cluster, security::cluster_resource_name, acl_operation::remove) &&
      !g.allowed(req, resource_type::topic, name, acl_operation::remove)) {
    // Without DESCRIBE the answer does not reveal whether the topic exists (as DeleteTopics).
    if (g.may(req, resource_type::topic, name, acl_operation::describe) && !g.core.topics.find_topic(name))
      co_return json_error(404, "unknown_topic_or_partition", "no such topic: " + name);
    co_return forbidden("DELETE", "TOPIC", name);
  }
  auto r = co_await g.core.topics.delete_topic(name);
  if (!r.ok()) co_return admin_error(r);
  if (auto* coord = g.core.groups) {
    auto forget = [coord, topic = name] { return coord->manager().remove_topic_offsets(topic); };
    std::size_t removed = co_await net::run_on(coord->executor(), std::move(forget));
    if (removed > 0) spdlog::info("topic {} deleted: removed {} committed offset(s)", name, removed);
  }
  spdlog::info("topic {} deleted over HTTP by {}", name, req.principal);
  co_return http::response{200, "application/json", json{{"deleted", name}}.dump()};
}

net::awaitable<std::optional<http::response>> handle_alter_topic_configs(gateway::impl& g, const http::request& req,
                                                                         http::stream_io&) {
  const std::string& name = req.params.at(0);
  std::optional<http::response> error;
  auto body = object_body(req, error);
  if (!body) co_return error;
  if (!g.allowed(req, resource_type::topic, name, acl_operation::alter_configs))
    co_return forbidden("ALTER_CONFIGS", "TOPIC", name);
  broker::topic_overrides set;
  std::vector<std::string> remove;
  for (const auto& [k, v] : body->items()) {
    if (v.is_null()) {
      remove.push_back(k);
      continue;
    }
    auto text = config_text(v);
    if (!text) co_return json_error(400, "invalid_config", "config " + k + " must be a string, number, boolean or null");
    set[k] = *text;
  }
  if (set.empty() && remove.empty()) co_return json_error(400, "invalid_request", "no config to change");
  const bool validate_only = req.query.count("validate_only") && req.query.at("validate_only") == "true";
  auto r = co_await g.core.topics.alter_config(name, set, remove, /*replace_all=*/false, validate_only);
  if (!r.ok()) co_return admin_error(r);
  auto t = g.core.topics.find_topic(name);
  co_return http::response{200, "application/json",
                           json{{"name", name}, {"configs", t ? json(t->overrides) : json::object()},
                                {"validate_only", validate_only}}.dump()};
}

/// One partition whose committed offset a reset moves, and where to.
struct reset_target {
  group::topic_partition tp;
  broker::partition_ptr partition;
  std::int64_t offset = -1;
};

net::awaitable<std::optional<http::response>> handle_reset_offsets(gateway::impl& g, const http::request& req,
                                                                   http::stream_io&) {
  const std::string& group_id = req.params.at(0);
  auto* coord = g.core.groups;
  if (!coord) co_return json_error(503, "coordinator_not_available", "no group coordinator");
  std::optional<http::response> error;
  auto body = object_body(req, error);
  if (!body) co_return error;
  if (!body->contains("to") || !(*body)["to"].is_string())
    co_return json_error(400, "invalid_request", "to (earliest, latest, an offset or @<epoch ms>) is required");
  auto sp = parse_start_point((*body)["to"].get<std::string>());
  if (!sp) co_return json_error(400, "invalid_request", "to must be earliest, latest, an offset or @<epoch ms>");
  std::optional<std::string> only_topic;
  std::optional<std::int32_t> only_partition;
  if (body->contains("topic")) {
    if (!(*body)["topic"].is_string()) co_return json_error(400, "invalid_request", "topic must be a string");
    only_topic = (*body)["topic"].get<std::string>();
  }
  if (body->contains("partition")) {
    const auto& p = (*body)["partition"];
    if (!only_topic || !p.is_number_integer() || p.get<std::int64_t>() < 0)
      co_return json_error(400, "invalid_request", "partition must be a number >= 0, with topic");
    only_partition = static_cast<std::int32_t>(p.get<std::int64_t>());
  }
  if (!g.allowed(req, resource_type::group, group_id, acl_operation::read))
    co_return forbidden("READ", "GROUP", group_id);

  // Which partitions: the named topic (or one partition of it), else every partition the group has committed.
  std::vector<group::topic_partition> tps;
  if (only_topic) {
    auto t = g.core.topics.find_topic(*only_topic);
    if (!t) co_return json_error(404, "unknown_topic_or_partition", "no such topic: " + *only_topic);
    for (std::int32_t p = 0; p < static_cast<std::int32_t>(t->partitions.size()); ++p)
      if (!only_partition || *only_partition == p) tps.push_back({*only_topic, p});
    if (tps.empty())
      co_return json_error(404, "unknown_topic_or_partition",
                           "topic " + *only_topic + " has no partition " + std::to_string(*only_partition));
  } else {
    auto committed = [coord, group_id] {
      std::vector<group::topic_partition> out;
      for (const auto& [_, offsets] : coord->manager().offsets(group_id))
        for (const auto& [tp, _c] : offsets) out.push_back(tp);
      return out;
    };
    tps = co_await net::run_on(coord->executor(), std::move(committed));
    if (tps.empty()) co_return json_error(404, "group_id_not_found", "group " + group_id + " has no committed offsets; name a topic");
  }
  std::set<std::string> topics;
  for (const auto& tp : tps) topics.insert(tp.topic);
  for (const auto& t : topics)
    if (!g.allowed(req, resource_type::topic, t, acl_operation::read)) co_return forbidden("READ", "TOPIC", t);

  // As Kafka: only a group without members (a running consumer would overwrite the reset on its next commit).
  auto state_of = [coord, group_id] {
    coord->manager().fire_due(group_id);
    auto d = coord->manager().describe(group_id);
    return std::pair{d.state, d.members.size()};
  };
  auto [state, members] = co_await net::run_on(coord->executor(), std::move(state_of));
  if (members > 0 || (state != group::group_state::empty && state != group::group_state::dead))
    co_return json_error(409, "group_not_empty",
                         "group " + group_id + " has " + std::to_string(members) +
                             " member(s): stop its consumers before resetting offsets");

  std::vector<reset_target> targets;
  for (const auto& tp : tps) {
    auto p = g.core.topics.find(tp.topic, tp.partition);
    if (!p) continue;  // deleted meanwhile
    auto offset = co_await resolve(g.core, p, *sp);
    if (offset < 0) continue;
    targets.push_back({tp, std::move(p), offset});
  }
  group::commit_request creq;
  creq.group_id = group_id;
  const auto now = wall_ms_now();
  for (const auto& t : targets) creq.offsets.push_back({t.tp, group::committed_offset{t.offset, -1, std::nullopt, now}});
  auto start_commit = [creq = std::move(creq)](group::group_manager& m, group::commit_callback done) mutable {
    m.commit(std::move(creq), std::move(done));
  };
  auto ec = co_await call_with_callback<std::error_code>(*coord, std::move(start_commit));
  if (ec == group::errc::rebalance_in_progress || ec == group::errc::unknown_member_id)
    co_return json_error(409, "group_not_empty", "group " + group_id + " gained a member during the reset; try again");
  if (ec) co_return json_error(500, "commit_failed", "committing the new offsets failed: " + ec.message());
  json out = json::array();
  for (const auto& t : targets) out.push_back({{"topic", t.tp.topic}, {"partition", t.tp.partition}, {"offset", t.offset}});
  spdlog::info("group {}: {} committed offset(s) reset over HTTP by {}", group_id, targets.size(), req.principal);
  co_return http::response{200, "application/json", json{{"group", group_id}, {"offsets", std::move(out)}}.dump()};
}

}  // namespace

void register_admin_routes(gateway::impl& g, http::http_server& http) {
  http.route_stream("POST", "/v1/topics",
                    [&g](const http::request& r, http::stream_io& io) { return handle_create_topic(g, r, io); });
  http.route_stream("DELETE", "/v1/topics/{}",
                    [&g](const http::request& r, http::stream_io& io) { return handle_delete_topic(g, r, io); });
  http.route_stream("PATCH", "/v1/topics/{}/configs",
                    [&g](const http::request& r, http::stream_io& io) { return handle_alter_topic_configs(g, r, io); });
  http.route_stream("POST", "/v1/groups/{}/offsets",
                    [&g](const http::request& r, http::stream_io& io) { return handle_reset_offsets(g, r, io); });
}

}  // namespace sd::gateway
