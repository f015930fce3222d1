// Metadata (key 3), v0-12 (flexible from v9). Null topics (v1+) means all topics; an empty array means
// brokers only; v0's empty array means all topics. Topic ids are answered from v10; from v12 a requested
// topic may be named by id alone (null name): an id no topic has is answered UNKNOWN_TOPIC_ID with a null
// name; before v12 a request carrying an id is INVALID_REQUEST for that topic, as Kafka. v8+ answers the
// authorized operations bitfields when asked (topics from v8, the cluster in v8-10). Unknown topics are
// created when auto.create.topics.enable is on and the request allows it (v4+ carries
// allow_auto_topic_creation). The controller is this node, so admin requests that clients route to the
// controller reach us. The broker is advertised with the address of the listener the request came in on.
// Authorisation (Kafka's): the all-topics answer leaves out topics the principal may not DESCRIBE (no error,
// no denial counted). A named topic that may not be described is answered TOPIC_AUTHORIZATION_FAILED without
// looking it up (nor creating it). Auto-creating a missing topic needs CREATE on the cluster or on the topic,
// else TOPIC_AUTHORIZATION_FAILED.
#include "protocol/generated/metadata.h"

#include <spdlog/spdlog.h>

#include "broker/authorize.h"
#include "broker/handlers/handlers.h"
#include "storage/topic_name.h"

namespace sd::broker::handlers {
namespace {

using metadata_resp_t = protocol::metadata_response;

constexpr std::int16_t first_version_with_ids_in_request = 12;

metadata_resp_t::metadata_response_topic describe(const request_context& ctx, const broker_core& core,
                                                  const topic_state& t, bool with_operations) {
  metadata_resp_t::metadata_response_topic out;
  out.name = t.name;
  if (with_operations)
    out.topic_authorized_operations = authorized_operations(ctx, resource_type::topic, t.name);
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
  if (req.include_cluster_authorized_operations)
    resp.cluster_authorized_operations =
        authorized_operations(ctx, resource_type::cluster, security::cluster_resource_name);

  bool all_topics = !req.topics.has_value() || (ctx.version == 0 && req.topics->empty());
  if (all_topics) {
    const auto snap = core.topics.snapshot();  // held: a temporary would die before the loop ends
    for (const auto& [name, t] : *snap)
      if (may(ctx, resource_type::topic, name, acl_operation::describe))
        resp.topics.push_back(describe(ctx, core, *t, req.include_topic_authorized_operations));
    co_return respond(ctx, resp);
  }
  bool may_create = core.config.auto_create_topics && (ctx.version < 4 || req.allow_auto_topic_creation);
  std::optional<bool> cluster_create;  // CREATE on the cluster, asked once and only if a topic is missing
  for (const auto& rt : *req.topics) {
    if (rt.topic_id != topic_uuid{}) {
      auto& out = resp.topics.emplace_back();
      out.topic_id = rt.topic_id;
      if (ctx.version < first_version_with_ids_in_request) {
        out.name = rt.name.value_or("");
        out.error_code = code(kafka_error::invalid_request);
        continue;
      }
      out.name = std::nullopt;
      auto t = core.topics.find_topic_by_id(rt.topic_id);
      if (!t || (rt.name && *rt.name != t->name)) {
        out.error_code = code(kafka_error::unknown_topic_id);
        continue;
      }
      if (!authorized(ctx, resource_type::topic, t->name, acl_operation::describe)) {
        out.error_code = code(kafka_error::topic_authorization_failed);
        continue;
      }
      out = describe(ctx, core, *t, req.include_topic_authorized_operations);
      continue;
    }
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
        auto r = core.topics.create_topic(name, core.topics.config()->num_partitions, {}, false);
        if (!r.ok() && r.error != kafka_error::topic_already_exists)
          spdlog::warn("auto-create of topic '{}' failed: {}", name, r.message);
        t = core.topics.find_topic(name);
      }
    }
    if (t) {
      resp.topics.push_back(describe(ctx, core, *t, req.include_topic_authorized_operations));
      continue;
    }
    metadata_resp_t::metadata_response_topic missing;
    missing.name = name;  // and a zero id
    missing.error_code = code(storage::is_valid_topic_name(name) ? kafka_error::unknown_topic_or_partition
                                                                 : kafka_error::invalid_topic_exception);
    resp.topics.push_back(std::move(missing));
  }
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
