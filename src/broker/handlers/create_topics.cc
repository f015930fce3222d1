// CreateTopics (key 19), v0-7 (flexible from v5; v5+ answers the partition count, replication factor and
// every config of the topic, also for validate_only; v7 the topic id, stable across restarts and new for a
// topic re-created under an old name). Validates everything before creating anything per topic: name,
// partition count (-1: num.partitions), replication factor (-1: default; above 1 refused with
// INVALID_REPLICATION_FACTOR unless streamdown.replication.factor.accept.above.one), manual assignments (only
// this node), and every config override. validate_only (v1+) checks without creating.
// Authorisation (Kafka's): CREATE on the cluster allows every topic; otherwise each topic needs CREATE on
// itself, else TOPIC_AUTHORIZATION_FAILED (after the duplicate check, before any validation).
#include "protocol/generated/create_topics.h"

#include <spdlog/spdlog.h>

#include <set>

#include "broker/authorize.h"
#include "broker/handlers/config_resources.h"
#include "broker/handlers/handlers.h"

namespace sd::broker::handlers {
namespace {

constexpr std::int16_t first_version_with_configs = 5;

}  // namespace

net::awaitable<net::response_task> create_topics(request_context& ctx) {
  protocol::create_topics_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  auto& core = ctx.broker;
  protocol::create_topics_response resp;
  std::multiset<std::string> names;
  for (auto& t : req.topics) names.insert(t.name);
  // Asked without counting a denial: the per-topic check below is the one reported.
  const bool cluster_create =
      may(ctx, resource_type::cluster, security::cluster_resource_name, acl_operation::create);

  for (auto& t : req.topics) {
    auto& r = resp.topics.emplace_back();
    r.name = t.name;
    auto fail = [&](kafka_error e, std::string msg) {
      r.error_code = code(e);
      r.error_message = std::move(msg);
    };
    if (names.count(t.name) > 1) {
      fail(kafka_error::invalid_request, "topic '" + t.name + "' appears more than once in the request");
      continue;
    }
    if (!cluster_create && !authorized(ctx, resource_type::topic, t.name, acl_operation::create)) {
      fail(kafka_error::topic_authorization_failed, "Authorization failed.");
      continue;
    }
    std::int32_t partitions = t.num_partitions;
    if (!t.assignments.empty()) {
      if (t.num_partitions != -1 || t.replication_factor != -1) {
        fail(kafka_error::invalid_request, "give either assignments or partitions and replication factor");
        continue;
      }
      bool only_self = true;
      for (auto& a : t.assignments)
        only_self &= a.broker_ids.size() == 1 && a.broker_ids[0] == core.config.node_id;
      if (!only_self) {
        fail(kafka_error::invalid_replica_assignment,
             "this broker is the only node: every partition must be assigned to node " +
                 std::to_string(core.config.node_id));
        continue;
      }
      partitions = static_cast<std::int32_t>(t.assignments.size());
    }
    if (partitions == -1) partitions = core.topics.config()->num_partitions;
    std::int16_t rf = t.replication_factor == -1 ? core.config.default_replication_factor : t.replication_factor;
    if (t.assignments.empty() && rf > 1) {
      if (!core.config.accept_replication_factor_above_one) {
        fail(kafka_error::invalid_replication_factor,
             "replication factor " + std::to_string(rf) + " is larger than the number of brokers (1)");
        continue;
      }
      spdlog::warn("topic {}: replication factor {} requested; this single node keeps one copy", t.name, rf);
    } else if (t.assignments.empty() && rf < 1) {
      fail(kafka_error::invalid_replication_factor, "replication factor must be at least 1");
      continue;
    }
    topic_overrides overrides;
    for (auto& c : t.configs)
      if (c.value) overrides[c.name] = *c.value;
    auto res = core.topics.create_topic(t.name, partitions, overrides, req.validate_only);
    if (!res.ok()) {
      fail(res.error, res.message);
      continue;
    }
    if (!req.validate_only)
      if (auto created = core.topics.find_topic(t.name)) r.topic_id = created->id;
    r.num_partitions = partitions;
    r.replication_factor = 1;
    if (ctx.version >= first_version_with_configs) {
      r.configs.emplace();
      for (auto& e : describe_topic_config(*core.topics.config(), overrides)) {
        auto& c = r.configs->emplace_back();
        c.name = e.name;
        c.value = e.value;
        c.read_only = e.read_only;
        c.config_source = static_cast<std::int8_t>(e.is_default ? config_source::default_config
                                                                : config_source::dynamic_topic_config);
      }
    }
  }
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
