// DescribeConfigs (key 32), v0-4 (flexible from v4). TOPIC resources list every topic config with its
// effective value and where it comes from (the topic's override, else the broker key it inherits, in that
// key's layer); BROKER resources (name "" or this node's id) list the broker settings with their layer:
// DYNAMIC_BROKER_CONFIG, DYNAMIC_DEFAULT_BROKER_CONFIG, STATIC_BROKER_CONFIG or DEFAULT_CONFIG; only dynamic
// keys are writable (read_only false). include_synonyms (v1+) lists every layer's value, highest first;
// include_documentation (v3+) the broker keys' documentation. configuration_keys filters (null: all) and
// orders the answer (the requested order).
// Authorisation (Kafka's): DESCRIBE_CONFIGS on the topic (else TOPIC_AUTHORIZATION_FAILED), or for BROKER and
// BROKER_LOGGER resources on the cluster (else CLUSTER_AUTHORIZATION_FAILED), before the resource is looked
// up.
#include "protocol/generated/describe_configs.h"

#include "broker/authorize.h"
#include "broker/dynamic_broker_config.h"
#include "broker/handlers/config_resources.h"
#include "broker/handlers/handlers.h"

namespace sd::broker::handlers {
namespace {

using result_t = protocol::describe_configs_response::describe_configs_result;
using entry_t = result_t::describe_configs_resource_result;

bool wanted(const std::optional<std::vector<std::string>>& keys, const std::string& name) {
  if (!keys) return true;
  for (auto& k : *keys)
    if (k == name) return true;
  return false;
}

/// With configuration_keys, the entries follow the order of the requested keys (clients index the answer by
/// the request); each key once, unknown keys left out, as Kafka answers. Without them, the broker's order.
void order_as_requested(std::vector<entry_t>& configs, const std::optional<std::vector<std::string>>& keys) {
  if (!keys) return;
  std::vector<entry_t> ordered;
  ordered.reserve(configs.size());
  std::vector<bool> taken(configs.size(), false);  // a repeated key does not add its entry twice
  for (const auto& k : *keys) {
    for (std::size_t i = 0; i < configs.size(); ++i) {
      if (taken[i] || configs[i].name != k) continue;
      taken[i] = true;
      ordered.push_back(std::move(configs[i]));
      break;
    }
  }
  configs = std::move(ordered);
}

config_source source_of(broker_config_source s) {
  switch (s) {
    case broker_config_source::dynamic_broker: return config_source::dynamic_broker_config;
    case broker_config_source::dynamic_default: return config_source::dynamic_default_broker_config;
    case broker_config_source::static_config: return config_source::static_broker_config;
    case broker_config_source::default_config: break;
  }
  return config_source::default_config;
}

using synonym_t = entry_t::describe_configs_synonym;

void add_synonyms(std::vector<synonym_t>& out, const std::vector<broker_config_synonym>& layers) {
  for (const auto& l : layers) {
    auto& s = out.emplace_back();
    s.name = l.name;
    s.value = l.value;
    s.source = static_cast<std::int8_t>(source_of(l.source));
  }
}

}  // namespace

net::awaitable<net::response_task> describe_configs(request_context& ctx) {
  protocol::describe_configs_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  auto& core = ctx.broker;
  protocol::describe_configs_response resp;
  // One view of the layers for the whole request.
  const auto broker_cfg = core.topics.config();
  const broker_config& static_cfg = core.topics.static_config();
  const dynamic_broker_values dynamic = core.topics.dynamic_values();
  for (auto& res : req.resources) {
    auto& out = resp.results.emplace_back();
    out.resource_type = res.resource_type;
    out.resource_name = res.resource_name;
    auto type = static_cast<config_resource_type>(res.resource_type);
    if (type == config_resource_type::topic &&
        !authorized(ctx, security::resource_type::topic, res.resource_name, acl_operation::describe_configs)) {
      out.error_code = code(kafka_error::topic_authorization_failed);
      out.error_message = "Topic authorization failed.";
      continue;
    }
    if ((type == config_resource_type::broker || type == config_resource_type::broker_logger) &&
        !authorized_cluster(ctx, acl_operation::describe_configs)) {
      out.error_code = code(kafka_error::cluster_authorization_failed);
      out.error_message = "Cluster authorization failed.";
      continue;
    }
    if (type == config_resource_type::topic) {
      auto topic = core.topics.find_topic(res.resource_name);
      if (!topic) {
        out.error_code = code(kafka_error::unknown_topic_or_partition);
        out.error_message = "topic '" + res.resource_name + "' does not exist";
        continue;
      }
      for (auto& e : describe_topic_config(*broker_cfg, topic->overrides)) {
        if (!wanted(res.configuration_keys, e.name)) continue;
        entry_t c;
        c.name = e.name;
        c.value = e.value;
        c.read_only = e.read_only;
        std::vector<broker_config_synonym> inherited;
        if (!e.broker_key.empty()) inherited = broker_config_synonyms(static_cfg, dynamic, e.broker_key);
        if (!e.is_default) {
          c.config_source = static_cast<std::int8_t>(config_source::dynamic_topic_config);
        } else if (!inherited.empty()) {
          c.config_source = static_cast<std::int8_t>(source_of(inherited.front().source));
        } else {
          c.config_source = static_cast<std::int8_t>(config_source::default_config);
        }
        c.is_default = c.config_source == static_cast<std::int8_t>(config_source::default_config);
        if (req.include_synonyms) {
          if (!e.is_default)
            c.synonyms.push_back({e.name, e.value, static_cast<std::int8_t>(config_source::dynamic_topic_config)});
          add_synonyms(c.synonyms, inherited);
        }
        out.configs.push_back(std::move(c));
      }
    } else if (type == config_resource_type::broker) {
      if (!res.resource_name.empty() && res.resource_name != std::to_string(core.config.node_id)) {
        out.error_code = code(kafka_error::invalid_request);
        out.error_message = "unknown broker '" + res.resource_name + "'";
        continue;
      }
      for (auto& e : broker_cfg->entries()) {
        if (!wanted(res.configuration_keys, e.name)) continue;
        entry_t c;
        c.name = e.name;
        if (e.sensitive) {
          c.value = std::nullopt;  // passwords are never shown, as Kafka answers for sensitive keys
          c.is_sensitive = true;
        } else {
          c.value = e.value;
        }
        c.read_only = !is_dynamic_broker_key(e.name);
        auto layers = broker_config_synonyms(static_cfg, dynamic, e.name);
        c.config_source = static_cast<std::int8_t>(source_of(layers.front().source));
        c.is_default = layers.front().source == broker_config_source::default_config;
        if (req.include_synonyms && !e.sensitive) add_synonyms(c.synonyms, layers);
        if (req.include_documentation) c.documentation = e.doc;
        out.configs.push_back(std::move(c));
      }
    } else {
      out.error_code = code(kafka_error::invalid_request);
      out.error_message = "unsupported resource type " + std::to_string(res.resource_type);
    }
    order_as_requested(out.configs, res.configuration_keys);
  }
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
