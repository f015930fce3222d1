// AlterConfigs (key 33), v0-1, and IncrementalAlterConfigs (key 44), v0-1 (flexible from v1). TOPIC resources
// change the topic's overrides; BROKER resources change the dynamic broker configs (dynamic_broker_config.h):
// name "" the cluster-wide default layer, name "<node.id>" this broker's layer; a key that cannot change at
// run time is INVALID_REQUEST, a bad value INVALID_CONFIG, and nothing of the resource changes then.
// AlterConfigs replaces the resource's whole set; the incremental form applies SET and DELETE per key (APPEND
// and SUBTRACT apply to list-valued configs, which no config here is).
// Authorisation (Kafka's), before anything else about the resource: ALTER_CONFIGS on the topic (else
// TOPIC_AUTHORIZATION_FAILED), or for BROKER (and, incrementally, BROKER_LOGGER) resources on the cluster
// (else CLUSTER_AUTHORIZATION_FAILED).
#include "protocol/generated/alter_configs.h"

#include "broker/authorize.h"
#include "broker/handlers/config_resources.h"
#include "broker/handlers/handlers.h"
#include "protocol/generated/incremental_alter_configs.h"

namespace sd::broker::handlers {
namespace {

enum class op : std::int8_t { set = 0, remove = 1, append = 2, subtract = 3 };

/// ALTER_CONFIGS on the resource; for other resource types nothing is asked (check_resource refuses them).
admin_result authorize_alter(const request_context& ctx, std::int8_t type, const std::string& name,
                             bool broker_logger_is_cluster) {
  auto t = static_cast<config_resource_type>(type);
  if (t == config_resource_type::topic) {
    if (!authorized(ctx, security::resource_type::topic, name, acl_operation::alter_configs))
      return {kafka_error::topic_authorization_failed, "Topic authorization failed."};
  } else if (t == config_resource_type::broker ||
             (t == config_resource_type::broker_logger && broker_logger_is_cluster)) {
    if (!authorized_cluster(ctx, acl_operation::alter_configs))
      return {kafka_error::cluster_authorization_failed, "Cluster authorization failed."};
  }
  return {};
}

admin_result check_resource(const request_context& ctx, std::int8_t type, const std::string& name) {
  switch (static_cast<config_resource_type>(type)) {
    case config_resource_type::topic:
      return {};
    case config_resource_type::broker:
      if (name.empty() || name == std::to_string(ctx.broker.config.node_id)) return {};
      return {kafka_error::invalid_request, "unknown broker '" + name + "'"};
    default:
      return {kafka_error::invalid_request, "unsupported resource type " + std::to_string(type)};
  }
}

/// Applies a validated request to the topic or broker resource.
net::awaitable<admin_result> alter(request_context& ctx, std::int8_t type, const std::string& name,
                                   const topic_overrides& set, const std::vector<std::string>& remove,
                                   bool replace_all, bool validate_only) {
  if (static_cast<config_resource_type>(type) == config_resource_type::broker)
    co_return co_await ctx.broker.topics.alter_broker_config(/*cluster_default=*/name.empty(), set, remove,
                                                             replace_all, validate_only);
  co_return co_await ctx.broker.topics.alter_config(name, set, remove, replace_all, validate_only);
}

}  // namespace

net::awaitable<net::response_task> alter_configs(request_context& ctx) {
  protocol::alter_configs_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  protocol::alter_configs_response resp;
  for (auto& res : req.resources) {
    auto& out = resp.responses.emplace_back();
    out.resource_type = res.resource_type;
    out.resource_name = res.resource_name;
    // AlterConfigs refuses BROKER_LOGGER outright in Kafka (no authorisation asked).
    auto r = authorize_alter(ctx, res.resource_type, res.resource_name, /*broker_logger_is_cluster=*/false);
    if (r.ok()) r = check_resource(ctx, res.resource_type, res.resource_name);
    if (r.ok()) {
      topic_overrides set;
      for (auto& c : res.configs)
        if (c.value) set[c.name] = *c.value;
      r = co_await alter(ctx, res.resource_type, res.resource_name, set, {}, /*replace_all=*/true,
                         req.validate_only);
    }
    out.error_code = code(r.error);
    if (!r.ok()) out.error_message = r.message;
  }
  co_return respond(ctx, resp);
}

net::awaitable<net::response_task> incremental_alter_configs(request_context& ctx) {
  protocol::incremental_alter_configs_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  protocol::incremental_alter_configs_response resp;
  for (auto& res : req.resources) {
    auto& out = resp.responses.emplace_back();
    out.resource_type = res.resource_type;
    out.resource_name = res.resource_name;
    auto r = authorize_alter(ctx, res.resource_type, res.resource_name, /*broker_logger_is_cluster=*/true);
    if (r.ok()) r = check_resource(ctx, res.resource_type, res.resource_name);
    topic_overrides set;
    std::vector<std::string> remove;
    for (auto& c : res.configs) {
      if (!r.ok()) break;
      switch (static_cast<op>(c.config_operation)) {
        case op::set:
          if (!c.value) r = {kafka_error::invalid_config, "SET of '" + c.name + "' needs a value"};
          else set[c.name] = *c.value;
          break;
        case op::remove:
          remove.push_back(c.name);
          break;
        case op::append:
        case op::subtract:
          r = {kafka_error::invalid_config, "'" + c.name + "' is not a list config; use SET"};
          break;
        default:
          r = {kafka_error::invalid_request, "unknown config operation " + std::to_string(c.config_operation)};
      }
    }
    if (r.ok())
      r = co_await alter(ctx, res.resource_type, res.resource_name, set, remove, /*replace_all=*/false,
                         req.validate_only);
    out.error_code = code(r.error);
    if (!r.ok()) out.error_message = r.message;
  }
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
