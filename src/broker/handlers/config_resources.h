#pragma once
// Kafka config resource types (DescribeConfigs, AlterConfigs, IncrementalAlterConfigs) and config sources.

#include <cstdint>

namespace sd::broker::handlers {

/// The config resource type of DescribeConfigs/AlterConfigs (Kafka's ConfigResource.Type), not the ACL
/// resource type (security::resource_type) that authorisation checks use.
enum class config_resource_type : std::int8_t {
  unknown = 0, any = 1, topic = 2, group = 3, broker = 4, broker_logger = 8
};

enum class config_source : std::int8_t {
  unknown = 0,
  dynamic_topic_config = 1,
  dynamic_broker_config = 2,
  dynamic_default_broker_config = 3,
  static_broker_config = 4,
  default_config = 5,
};

}  // namespace sd::broker::handlers
