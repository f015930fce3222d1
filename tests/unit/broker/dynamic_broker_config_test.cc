// Dynamic broker configs: which keys may change at run time, the layer order (default < static < cluster
// default < this broker), whole-config validation, and the synonyms DescribeConfigs lists.
#include "broker/dynamic_broker_config.h"

#include <gtest/gtest.h>

namespace sd::broker {
namespace {

broker_config static_with(std::map<std::string, std::string> values) {
  std::string error;
  auto c = broker_config::from(values, error);
  EXPECT_TRUE(c) << error;
  return *c;
}

TEST(DynamicBrokerConfig, OnlyKeysThatTakeEffectWithoutARestartAreDynamic) {
  EXPECT_TRUE(is_dynamic_broker_key("log.retention.ms"));
  EXPECT_TRUE(is_dynamic_broker_key("message.max.bytes"));
  EXPECT_TRUE(is_dynamic_broker_key("num.partitions"));
  EXPECT_TRUE(is_dynamic_broker_key("compression.type"));
  EXPECT_FALSE(is_dynamic_broker_key("node.id"));
  EXPECT_FALSE(is_dynamic_broker_key("listeners"));
  EXPECT_FALSE(is_dynamic_broker_key("log.dirs"));
  EXPECT_FALSE(is_dynamic_broker_key("no.such.key"));
  // Every listed key is a real broker key (dynamic_broker_keys() lists those broker_config knows), and a
  // dynamic layer may set it to its own default value.
  const auto keys = dynamic_broker_keys();
  EXPECT_EQ(keys.size(), 18u);
  const broker_config defaults;
  for (const auto& k : keys) {
    std::string value;
    for (const auto& e : defaults.entries())
      if (e.name == k) value = e.value;
    dynamic_broker_values dyn;
    dyn.per_broker = {{k, value}};
    std::string error;
    EXPECT_TRUE(layered_broker_config(defaults, dyn, error)) << k << ": " << error;
  }
}

TEST(DynamicBrokerConfig, LayersApplyInKafkasOrder) {
  auto st = static_with({{"log.retention.ms", "1000"}, {"num.partitions", "2"}});
  dynamic_broker_values dyn;
  std::string error;
  auto only_static = layered_broker_config(st, dyn, error);
  ASSERT_TRUE(only_static) << error;
  EXPECT_EQ(only_static->log_retention_ms, 1000);
  dyn.cluster_default = {{"log.retention.ms", "2000"}, {"num.partitions", "5"}};
  dyn.per_broker = {{"log.retention.ms", "3000"}};
  auto layered = layered_broker_config(st, dyn, error);
  ASSERT_TRUE(layered) << error;
  EXPECT_EQ(layered->log_retention_ms, 3000) << "this broker's layer wins";
  EXPECT_EQ(layered->num_partitions, 5) << "the cluster default beats the static value";
  EXPECT_EQ(layered->explicitly_set, st.explicitly_set) << "is_default keeps meaning 'not set statically'";

  auto syn = broker_config_synonyms(st, dyn, "log.retention.ms");
  ASSERT_EQ(syn.size(), 4u);
  EXPECT_EQ(syn[0].value, "3000");
  EXPECT_EQ(syn[0].source, broker_config_source::dynamic_broker);
  EXPECT_EQ(syn[1].value, "2000");
  EXPECT_EQ(syn[1].source, broker_config_source::dynamic_default);
  EXPECT_EQ(syn[2].value, "1000");
  EXPECT_EQ(syn[2].source, broker_config_source::static_config);
  EXPECT_EQ(syn[3].value, "604800000");
  EXPECT_EQ(syn[3].source, broker_config_source::default_config);
  auto plain = broker_config_synonyms(st, dyn, "log.segment.bytes");
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_EQ(plain[0].source, broker_config_source::default_config);
}

TEST(DynamicBrokerConfig, BadValuesAndStaticKeysAreRefusedWithTheKeyNamed) {
  auto st = static_with({});
  std::string error;
  dynamic_broker_values bad_value;
  bad_value.per_broker = {{"log.retention.ms", "soon"}};
  EXPECT_FALSE(layered_broker_config(st, bad_value, error));
  EXPECT_NE(error.find("log.retention.ms"), std::string::npos) << error;
  dynamic_broker_values static_key;
  static_key.cluster_default = {{"node.id", "3"}};
  EXPECT_FALSE(layered_broker_config(st, static_key, error));
  EXPECT_NE(error.find("node.id"), std::string::npos) << error;
  // Cross-key checks still hold: message.max.bytes may not exceed socket.request.max.bytes.
  dynamic_broker_values too_big;
  too_big.per_broker = {{"message.max.bytes", "2147483647"}};
  EXPECT_FALSE(layered_broker_config(st, too_big, error));
  EXPECT_NE(error.find("message.max.bytes"), std::string::npos) << error;
}

}  // namespace
}  // namespace sd::broker
