// Metadata (key 3), v0-6. Null topics (v1+) means all topics; an empty array means brokers only; v0's empty
// array means all topics. Unknown topics are created when auto.create.topics.enable is on and the request
// allows it (v4+ carries allow_auto_topic_creation). The controller is this node, so admin requests that
// clients route to the controller reach us. The broker is advertised with the address of the listener the
// request came in on.
// Authorisation (Kafka's): the all-topics answer leaves out topics the principal may not DESCRIBE (no error,
// no denial counted). A named topic that may not be described is answered TOPIC_AUTHORIZATION_FAILED without
// looking it up (nor creating it). Auto-creating a missing topic needs CREATE on the cluster or on the topic,
// else TOPIC_AUTHORIZATION_FAILED.
#include <spdlog/spdlog.h>

#include "broker/authorize.h"
#include "broker/handlers/handlers.h"
#include "protocol/generated/metadata.h"
#include "storage/topic_name.h"

namespace sd::broker::handlers {
namespace {

using metadata_resp_t = protocol::metadata_response;

metadata_resp_t::metadata_response_topic describe(const broker_core& core, const topic_state& t) {
  metadata_resp_t::metadata_response_topic out;
  out.name = t.name;
  out.topic_id = t.id;
  for (const auto& p : t.partitions) {
    metadata_resp_t::metadata_response_topic::metadata_response_partition mp;
    mp.partition_index = p->id;
    mp.leader_id = core.config.node_id;
    mp.leader_epoch = 0;
    mp.replica_nodes = {core.config.node_id};
    mp.isr_nodes = {core.config.node_id};
    out.partitions.push_back(std::move(mp));
  }
  return out;
}

}  // namespace

net::awaitable<net::response_task> metadata(request_context& ctx) {
  protocol::metadata_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  auto& core = ctx.broker;

  metadata_resp_t resp;
  metadata_resp_t::metadata_response_broker self;
  self.node_id = core.config.node_id;
  const auto& advertised = core.advertised_for(ctx.conn.listener);
  self.host = advertised.host;
  self.port = advertised.port;
  resp.brokers.push_back(self);
  resp.cluster_id = core.topics.cluster_id();
  resp.controller_id = core.config.node_id;

  bool all_topics = !req.topics.has_value() || (ctx.version == 0 && req.topics->empty());
  if (all_topics) {
    for (const auto& [name, t] : *core.topics.snapshot())
      if (may(ctx, resource_type::topic, name, acl_operation::describe)) resp.topics.push_back(describe(core, *t));
    co_return respond(ctx, resp);
  }
  bool may_create = core.config.auto_create_topics && (ctx.version < 4 || req.allow_auto_topic_creation);
  std::optional<bool> cluster_create;  // CREATE on the cluster, asked once and only if a topic is missing
  for (const auto& rt : *req.topics) {
    std::string name = rt.name.value_or("");
    if (!authorized(ctx, resource_type::topic, name, acl_operation::describe)) {
      // Existence is not revealed: the topic is not even looked up.
      auto& denied = resp.topics.emplace_back();
      denied.name = std::move(name);
      denied.error_code = code(kafka_error::topic_authorization_failed);
      continue;
    }
    auto t = core.topics.find_topic(name);
    if (!t && may_create) {
      if (!cluster_create) cluster_create = may(ctx, resource_type::cluster, security::cluster_resource_name,
                                                acl_operation::create);
      if (!*cluster_create && !authorized(ctx, resource_type::topic, name, acl_operation::create)) {
        auto& denied = resp.topics.emplace_back();
        denied.name = std::move(name);
        denied.error_code = code(kafka_error::topic_authorization_failed);
        continue;
      }
      if (storage::is_valid_topic_name(name)) {
        auto r = core.topics.create_topic(name, core.config.num_partitions, {}, false);
        if (!r.ok() && r.error != kafka_error::topic_already_exists)
          spdlog::warn("auto-create of topic '{}' failed: {}", name, r.message);
        t = core.topics.find_topic(name);
      }
    }
    if (t) {
      resp.topics.push_back(describe(core, *t));
      continue;
    }
    metadata_resp_t::metadata_response_topic missing;
    missing.name = name;
    missing.error_code = code(storage::is_valid_topic_name(name) ? kafka_error::unknown_topic_or_partition
                                                                 : kafka_error::invalid_topic_exception);
    resp.topics.push_back(std::move(missing));
  }
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
