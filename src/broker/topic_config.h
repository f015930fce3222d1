#pragma once
// Topic-level configuration: the keys a topic may override (Kafka's topic config names), their defaults
// (taken from the broker's log.* settings) and their validation. Overrides are what CreateTopics and
// AlterConfigs set; the effective storage::log_config is the broker default with overrides applied.

#include <map>
#include <string>
#include <vector>

#include "broker/broker_config.h"
#include "storage/log_config.h"

namespace sd::broker {

using topic_overrides = std::map<std::string, std::string>;

struct topic_config_entry {
  std::string name;
  std::string value;
  bool is_default = true;  // not overridden on the topic
  bool read_only = false;
};

bool is_topic_config_key(const std::string& key);

/// Checks one key and value. Returns an empty string when valid, else what is wrong.
std::string validate_topic_config(const std::string& key, const std::string& value);

/// Broker defaults with the overrides applied.
storage::log_config effective_log_config(const broker_config& broker, const topic_overrides& overrides);

/// Every topic config key with its effective value, for DescribeConfigs.
std::vector<topic_config_entry> describe_topic_config(const broker_config& broker, const topic_overrides& overrides);

}  // namespace sd::broker
