#include "broker/topic_config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace sd::broker {
namespace {

TEST(TopicConfig, ValidatesKeysAndValues) {
  EXPECT_TRUE(validate_topic_config("retention.ms", "1000").empty());
  EXPECT_TRUE(validate_topic_config("retention.ms", "-1").empty());
  EXPECT_FALSE(validate_topic_config("retention.ms", "-2").empty());
  EXPECT_FALSE(validate_topic_config("retention.ms", "soon").empty());
  EXPECT_FALSE(validate_topic_config("no.such.key", "1").empty());
  EXPECT_TRUE(validate_topic_config("cleanup.policy", "delete").empty());
  for (auto p : {"compact", "compact,delete", "delete,compact", "compact, delete"})
    EXPECT_TRUE(validate_topic_config("cleanup.policy", p).empty()) << p;
  for (auto p : {"", "shred", "compact,compact", "compact,", ",delete", "Compact"})
    EXPECT_FALSE(validate_topic_config("cleanup.policy", p).empty()) << p;
  EXPECT_TRUE(validate_topic_config("streamdown.delivery.delay.ms", "2000").empty());
  EXPECT_FALSE(validate_topic_config("streamdown.delivery.delay.ms", "-1").empty());
}

TEST(TopicConfig, CompactionKeysReachTheLogConfig) {
  broker_config b;
  auto c = effective_log_config(b, {{"cleanup.policy", "compact"},
                                    {"min.cleanable.dirty.ratio", "0.25"},
                                    {"min.compaction.lag.ms", "100"},
                                    {"max.compaction.lag.ms", "5000"},
                                    {"delete.retention.ms", "42"}});
  EXPECT_TRUE(c.compact);
  EXPECT_FALSE(c.delete_by_retention);
  EXPECT_DOUBLE_EQ(c.min_cleanable_dirty_ratio, 0.25);
  EXPECT_EQ(c.min_compaction_lag_ms, 100);
  EXPECT_EQ(c.max_compaction_lag_ms, 5000);
  EXPECT_EQ(c.delete_retention_ms, 42);
  EXPECT_EQ(c.effective_roll_ms(), 5000) << "a compacted log rolls by max.compaction.lag.ms";
  auto both = effective_log_config(b, {{"cleanup.policy", "compact,delete"}});
  EXPECT_TRUE(both.compact && both.delete_by_retention);
  auto plain = effective_log_config(b, {});
  EXPECT_FALSE(plain.compact);
  EXPECT_TRUE(plain.delete_by_retention);
  EXPECT_EQ(effective_delivery_delay_ms({{"streamdown.delivery.delay.ms", "1500"}}), 1500);
  EXPECT_EQ(effective_delivery_delay_ms({}), 0);
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

TEST(TopicConfig, AcceptsEveryKafkaKeyWithKafkasValidation) {
  // Keys real tools set that once failed with "unknown topic config".
  EXPECT_TRUE(validate_topic_config("delete.retention.ms", "3600000").empty());
  EXPECT_TRUE(validate_topic_config("message.timestamp.difference.max.ms", "60000").empty());
  EXPECT_TRUE(validate_topic_config("message.format.version", "0.10.0.0").empty());
  EXPECT_TRUE(validate_topic_config("message.format.version", "2.8-IV1").empty());
  EXPECT_TRUE(validate_topic_config("min.cleanable.dirty.ratio", "0.25").empty());
  EXPECT_TRUE(validate_topic_config("leader.replication.throttled.replicas", "0:0,1:0").empty());
  EXPECT_TRUE(validate_topic_config("leader.replication.throttled.replicas", "*").empty());
  EXPECT_TRUE(validate_topic_config("preallocate", "true").empty());
  // Kafka's validation still applies.
  EXPECT_FALSE(validate_topic_config("delete.retention.ms", "-1").empty());
  EXPECT_FALSE(validate_topic_config("message.format.version", "banana").empty());
  EXPECT_FALSE(validate_topic_config("message.format.version", "3.").empty());
  EXPECT_FALSE(validate_topic_config("message.format.version", "3.0-IV").empty());
  EXPECT_FALSE(validate_topic_config("min.cleanable.dirty.ratio", "1.5").empty());
  EXPECT_FALSE(validate_topic_config("min.cleanable.dirty.ratio", "0.5x").empty());
  EXPECT_FALSE(validate_topic_config("leader.replication.throttled.replicas", "0:").empty());
  EXPECT_FALSE(validate_topic_config("preallocate", "yes").empty());
  EXPECT_FALSE(validate_topic_config("max.compaction.lag.ms", "0").empty());
  // What would be accepted and ignored is refused instead.
  EXPECT_FALSE(validate_topic_config("remote.storage.enable", "true").empty());
  // Every codec, and the levels with Kafka's ranges.
  for (auto c : {"producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"})
    EXPECT_TRUE(validate_topic_config("compression.type", c).empty()) << c;
  EXPECT_FALSE(validate_topic_config("compression.type", "brotli").empty());
  EXPECT_TRUE(validate_topic_config("compression.gzip.level", "-1").empty());
  EXPECT_FALSE(validate_topic_config("compression.gzip.level", "0").empty());
  EXPECT_FALSE(validate_topic_config("compression.lz4.level", "18").empty());
  EXPECT_TRUE(validate_topic_config("compression.zstd.level", "-5").empty());
  EXPECT_TRUE(validate_topic_config("message.timestamp.type", "LogAppendTime").empty());
  EXPECT_FALSE(validate_topic_config("message.timestamp.type", "logappendtime").empty());
}

TEST(TopicConfig, ProducePolicyFollowsTheTopicThenTheBroker) {
  broker_config b;
  auto none = effective_produce_policy(b, {});
  EXPECT_FALSE(none.changes_batches()) << "producer and CreateTime by default";
  auto z = effective_produce_policy(b, {{"compression.type", "zstd"}, {"compression.zstd.level", "7"}});
  ASSERT_TRUE(z.codec);
  EXPECT_EQ(*z.codec, batch::compression::zstd);
  EXPECT_EQ(z.level, 7);
  auto g = effective_produce_policy(b, {{"compression.type", "gzip"}});
  EXPECT_EQ(g.level, 0) << "-1 means the codec's default";
  auto u = effective_produce_policy(b, {{"compression.type", "uncompressed"}});
  ASSERT_TRUE(u.codec);
  EXPECT_EQ(*u.codec, batch::compression::none);
  b.compression_type = "lz4";
  b.log_message_timestamp_type = "LogAppendTime";
  auto from_broker = effective_produce_policy(b, {});
  ASSERT_TRUE(from_broker.codec);
  EXPECT_EQ(*from_broker.codec, batch::compression::lz4);
  EXPECT_EQ(from_broker.level, 9);
  EXPECT_TRUE(from_broker.log_append_time);
  auto kept = effective_produce_policy(b, {{"compression.type", "producer"}, {"message.timestamp.type", "CreateTime"}});
  EXPECT_FALSE(kept.changes_batches()) << "the topic's keys win over the broker's";
}

TEST(TopicConfig, TimestampBoundsTakeTheTighterKey) {
  broker_config b;
  EXPECT_TRUE(effective_timestamp_bounds(b, {}).unbounded());
  auto t = effective_timestamp_bounds(b, {{"message.timestamp.difference.max.ms", "60000"}});
  EXPECT_EQ(t.before_max_ms, 60000);
  EXPECT_EQ(t.after_max_ms, 60000);
  t = effective_timestamp_bounds(b, {{"message.timestamp.difference.max.ms", "60000"},
                                     {"message.timestamp.after.max.ms", "1000"}});
  EXPECT_EQ(t.before_max_ms, 60000);
  EXPECT_EQ(t.after_max_ms, 1000);
  const std::int64_t now = 1'700'000'000'000;
  EXPECT_TRUE(t.allows(now - 60000, now));
  EXPECT_FALSE(t.allows(now - 60001, now));
  EXPECT_TRUE(t.allows(now + 1000, now));
  EXPECT_FALSE(t.allows(now + 1001, now));
  EXPECT_TRUE(t.allows(-1, now));  // no timestamp
  b.log_message_timestamp_before_max_ms = 5000;  // broker default, tighter than the topic's difference
  t = effective_timestamp_bounds(b, {{"message.timestamp.difference.max.ms", "60000"}});
  EXPECT_EQ(t.before_max_ms, 5000);
}

/// The rows of docs/CONFIGURATION.md's table: key, default, effect.
struct doc_row {
  std::string key, default_value, broker_key, effect;
};

std::vector<doc_row> documented_rows() {
  std::ifstream in(SD_SOURCE_DIR "/docs/CONFIGURATION.md");
  std::vector<doc_row> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("| `", 0) != 0) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line.substr(1));
    std::string cell;
    while (std::getline(ss, cell, '|')) {
      auto b = cell.find_first_not_of(' '), e = cell.find_last_not_of(' ');
      cells.push_back(b == std::string::npos ? std::string() : cell.substr(b, e - b + 1));
    }
    if (cells.size() < 4) continue;
    auto key = cells[0].substr(1, cells[0].size() - 2);  // strip the backquotes
    auto broker_key = cells[2].size() >= 2 ? cells[2].substr(1, cells[2].size() - 2) : std::string();
    rows.push_back({key, cells[1] == "(empty)" ? std::string() : cells[1], broker_key, cells[3]});
  }
  return rows;
}

TEST(TopicConfig, DocumentedTableMatchesTheKeys) {
  const auto rows = documented_rows();
  const auto keys = topic_config_keys();
  ASSERT_EQ(rows.size(), keys.size()) << "docs/CONFIGURATION.md and topic_config.cc list different keys";
  broker_config defaults;
  const auto described = describe_topic_config(defaults, {});
  ASSERT_EQ(described.size(), keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const char* effect = keys[i].second == topic_config_effect::honoured  ? "honoured"
                         : keys[i].second == topic_config_effect::ignored ? "ignored"
                                                                          : "single node";
    EXPECT_EQ(rows[i].key, keys[i].first) << "row " << i;
    EXPECT_EQ(rows[i].effect, effect) << keys[i].first;
    EXPECT_EQ(rows[i].default_value, described[i].value) << keys[i].first;
    EXPECT_EQ(rows[i].broker_key, described[i].broker_key) << keys[i].first << ": the broker default key";
    EXPECT_TRUE(validate_topic_config(keys[i].first, described[i].value).empty())
        << keys[i].first << ": its own default does not validate";
  }
}

}  // namespace
}  // namespace sd::broker
