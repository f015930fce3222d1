// AlterConfigs (key 33), v0-1, and IncrementalAlterConfigs (key 44), v0-1 (flexible from v1). Topic resources
// only: the broker's settings are static (config file and --set), so BROKER resources get INVALID_CONFIG with
// a message saying so. AlterConfigs replaces the topic's whole override set; the incremental form applies SET
// and DELETE per key (APPEND and SUBTRACT apply to list-valued configs, which no topic config here is).
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

admin_result check_resource(std::int8_t type) {
  switch (static_cast<config_resource_type>(type)) {
    case config_resource_type::topic:
      return {};
    case config_resource_type::broker:
      return {kafka_error::invalid_config,
              "broker settings are static: change the config file or --set and restart the broker"};
    default:
      return {kafka_error::invalid_request, "unsupported resource type " + std::to_string(type)};
  }
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
    if (r.ok()) r = check_resource(res.resource_type);
    if (r.ok()) {
      topic_overrides set;
      for (auto& c : res.configs)
        if (c.value) set[c.name] = *c.value;
      r = co_await ctx.broker.topics.alter_config(res.resource_name, set, {}, /*replace_all=*/true, req.validate_only);
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
    if (r.ok()) r = check_resource(res.resource_type);
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
      r = co_await ctx.broker.topics.alter_config(res.resource_name, set, remove, /*replace_all=*/false,
                                                  req.validate_only);
    out.error_code = code(r.error);
    if (!r.ok()) out.error_message = r.message;
  }
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
