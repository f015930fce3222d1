// AlterConfigs (key 33), v0-1, and IncrementalAlterConfigs (key 44), v0. Topic resources only: the broker's
// settings are static (config file and --set), so BROKER resources get INVALID_CONFIG with a message saying so.
// AlterConfigs replaces the topic's whole override set; the incremental form applies SET and DELETE per key
// (APPEND and SUBTRACT apply to list-valued configs, which no topic config here is).
#include "broker/handlers/config_resources.h"
#include "broker/handlers/handlers.h"
#include "protocol/generated/alter_configs.h"
#include "protocol/generated/incremental_alter_configs.h"

namespace sd::broker::handlers {
namespace {

enum class op : std::int8_t { set = 0, remove = 1, append = 2, subtract = 3 };

admin_result check_resource(std::int8_t type) {
  switch (static_cast<resource_type>(type)) {
    case resource_type::topic:
      return {};
    case resource_type::broker:
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
    auto r = check_resource(res.resource_type);
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
    auto r = check_resource(res.resource_type);
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
