#pragma once
// Dynamic broker configs (Kafka's DynamicBrokerConfig): the broker keys AlterConfigs and
// IncrementalAlterConfigs may change at run time on the BROKER resource, and how the effective config is
// layered: built-in default < static (config file, --set) < cluster-wide dynamic default (resource name "")
// < this broker's dynamic value (resource name "<node.id>"). The dynamic layers are persisted with the
// broker metadata (metadata_store) and applied again at start-up; topic_table publishes the layered config.
//
// Only keys whose change takes effect without a restart are dynamic: the defaults topics inherit (log.*,
// message.max.bytes, compression, timestamp checks) and num.partitions for new topics.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "broker/broker_config.h"

namespace sd::broker {

struct dynamic_broker_values {
  std::map<std::string, std::string> cluster_default;  // resource name ""
  std::map<std::string, std::string> per_broker;       // resource name "<node.id>"
  bool operator==(const dynamic_broker_values&) const = default;
};

bool is_dynamic_broker_key(std::string_view key);
/// Every dynamic key, in the order broker_config lists them.
std::vector<std::string> dynamic_broker_keys();

/// `static_config` with the dynamic layers applied, validated as a whole (cross-key checks included).
/// On failure `error` names the key and what is wrong.
result<broker_config> layered_broker_config(const broker_config& static_config, const dynamic_broker_values& dyn,
                                            std::string& error);

/// Where a broker key's effective value comes from (Kafka's ConfigSource, highest layer first).
enum class broker_config_source { dynamic_broker, dynamic_default, static_config, default_config };

/// One layer's value of a key, highest first: DescribeConfigs' synonyms. The last is always the built-in
/// default.
struct broker_config_synonym {
  std::string name;
  std::string value;
  broker_config_source source;
};
std::vector<broker_config_synonym> broker_config_synonyms(const broker_config& static_config,
                                                          const dynamic_broker_values& dyn, const std::string& key);

}  // namespace sd::broker
