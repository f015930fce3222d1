#include "broker/dynamic_broker_config.h"

#include <algorithm>
#include <array>
#include <map>

namespace sd::broker {
namespace {

// Each takes effect on the next use: topic defaults are pushed to every partition when they change
// (topic_table::alter_broker_config), num.partitions applies to topics created afterwards.
constexpr std::array<std::string_view, 18> dynamic_keys = {
    "log.retention.ms",
    "log.retention.bytes",
    "log.segment.bytes",
    "log.roll.ms",
    "log.index.interval.bytes",
    "log.flush.interval.messages",
    "log.flush.interval.ms",
    "message.max.bytes",
    "num.partitions",
    "compression.type",
    "compression.gzip.level",
    "compression.lz4.level",
    "compression.zstd.level",
    "log.message.timestamp.type",
    "log.message.timestamp.difference.max.ms",
    "log.message.timestamp.before.max.ms",
    "log.message.timestamp.after.max.ms",
    "streamdown.log.page.cache.window.bytes",
};

/// Every key's built-in default as DescribeConfigs shows it, built once (entries() formats every key).
const std::string& default_value(const std::string& key) {
  static const std::map<std::string, std::string> defaults = [] {
    std::map<std::string, std::string> m;
    for (auto& e : broker_config{}.entries()) m.emplace(std::move(e.name), std::move(e.value));
    return m;
  }();
  static const std::string none;
  auto it = defaults.find(key);
  return it == defaults.end() ? none : it->second;
}

}  // namespace

bool is_dynamic_broker_key(std::string_view key) {
  return std::find(dynamic_keys.begin(), dynamic_keys.end(), key) != dynamic_keys.end();
}

std::vector<std::string> dynamic_broker_keys() {
  std::vector<std::string> out;
  for (const auto& e : broker_config{}.entries())
    if (is_dynamic_broker_key(e.name)) out.push_back(e.name);
  return out;
}

result<broker_config> layered_broker_config(const broker_config& static_config, const dynamic_broker_values& dyn,
                                            std::string& error) {
  auto values = static_config.explicitly_set;
  for (const auto& layer : {&dyn.cluster_default, &dyn.per_broker}) {
    for (const auto& [k, v] : *layer) {
      if (!is_dynamic_broker_key(k)) {
        error = "config key '" + k + "' cannot be changed at run time (set it in the config file and restart)";
        return std::make_error_code(std::errc::invalid_argument);
      }
      values[k] = v;
    }
  }
  auto layered = broker_config::from(values, error);
  if (!layered) return layered.error();
  layered->explicitly_set = static_config.explicitly_set;  // "is_default" keeps meaning "not set statically"
  return layered;
}

std::vector<broker_config_synonym> broker_config_synonyms(const broker_config& static_config,
                                                          const dynamic_broker_values& dyn, const std::string& key) {
  std::vector<broker_config_synonym> out;
  if (auto it = dyn.per_broker.find(key); it != dyn.per_broker.end())
    out.push_back({key, it->second, broker_config_source::dynamic_broker});
  if (auto it = dyn.cluster_default.find(key); it != dyn.cluster_default.end())
    out.push_back({key, it->second, broker_config_source::dynamic_default});
  if (auto it = static_config.explicitly_set.find(key); it != static_config.explicitly_set.end())
    out.push_back({key, it->second, broker_config_source::static_config});
  out.push_back({key, default_value(key), broker_config_source::default_config});
  return out;
}

}  // namespace sd::broker
