#include "broker/topic_config.h"

#include <gtest/gtest.h>

namespace sd::broker {
namespace {

TEST(TopicConfig, ValidatesKeysAndValues) {
  EXPECT_TRUE(validate_topic_config("retention.ms", "1000").empty());
  EXPECT_TRUE(validate_topic_config("retention.ms", "-1").empty());
  EXPECT_FALSE(validate_topic_config("retention.ms", "-2").empty());
  EXPECT_FALSE(validate_topic_config("retention.ms", "soon").empty());
  EXPECT_FALSE(validate_topic_config("no.such.key", "1").empty());
  EXPECT_TRUE(validate_topic_config("cleanup.policy", "delete").empty());
  auto e = validate_topic_config("cleanup.policy", "compact");
  EXPECT_NE(e.find("not supported"), std::string::npos) << e;
}

TEST(TopicConfig, OverridesApplyOverBrokerDefaults) {
  broker_config b;
  b.log_retention_ms = 5000;
  b.log_segment_bytes = 1 << 20;
  auto c = effective_log_config(b, {{"retention.ms", "100"}});
  EXPECT_EQ(c.retention_ms, 100);
  EXPECT_EQ(c.segment_bytes, 1 << 20);
  EXPECT_EQ(c.cache_window_bytes, b.log_page_cache_window_bytes);  // broker default: 256 MiB
  EXPECT_EQ(effective_log_config(b, {{"streamdown.page.cache.window.bytes", "-1"}}).cache_window_bytes, -1);
  EXPECT_FALSE(validate_topic_config("streamdown.page.cache.window.bytes", "-2").empty());
  auto described = describe_topic_config(b, {{"retention.ms", "100"}});
  bool saw_override = false, saw_default = false;
  for (auto& d : described) {
    if (d.name == "retention.ms") {
      saw_override = true;
      EXPECT_EQ(d.value, "100");
      EXPECT_FALSE(d.is_default);
    }
    if (d.name == "segment.bytes") {
      saw_default = true;
      EXPECT_EQ(d.value, std::to_string(1 << 20));
      EXPECT_TRUE(d.is_default);
    }
  }
  EXPECT_TRUE(saw_override && saw_default);
}

}  // namespace
}  // namespace sd::broker
