#pragma once
// Topic-level configuration: the keys a topic may override (Kafka's topic config names), their defaults
// (taken from the broker's log.* settings) and their validation. Overrides are what CreateTopics and
// AlterConfigs set; the effective storage::log_config is the broker default with overrides applied.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/record_batch_header.h"
#include "broker/broker_config.h"
#include "storage/log_config.h"

namespace sd::broker {

using topic_overrides = std::map<std::string, std::string>;

struct topic_config_entry {
  std::string name;
  std::string value;
  bool is_default = true;  // not overridden on the topic
  bool read_only = false;
  std::string broker_key;  // the broker key its default comes from (a synonym), or empty
};

bool is_topic_config_key(const std::string& key);

/// What a key does on this broker (docs/CONFIGURATION.md lists every key with it).
enum class topic_config_effect {
  honoured,     // the broker acts on it (a key with one accepted value does what that value says)
  ignored,      // accepted with Kafka's validation, changes nothing here (compaction, tiered storage, ...)
  single_node,  // replication only: one node holds the only replica
};

/// Every topic config key in the order DescribeConfigs lists them, with its effect.
std::vector<std::pair<std::string, topic_config_effect>> topic_config_keys();

/// How far a produced batch's timestamps may be from the broker's clock (message.timestamp.difference.max.ms,
/// .before.max.ms, .after.max.ms; the tightest applies). A batch outside is refused with INVALID_TIMESTAMP.
struct timestamp_bounds {
  std::int64_t before_max_ms = INT64_MAX;  // timestamp >= now - before_max_ms
  std::int64_t after_max_ms = INT64_MAX;   // timestamp <= now + after_max_ms
  bool unbounded() const { return before_max_ms == INT64_MAX && after_max_ms == INT64_MAX; }
  /// True when `ts` (ms since the epoch) is allowed at `now_ms`. Negative timestamps (none) are allowed.
  bool allows(std::int64_t ts, std::int64_t now_ms) const {
    if (ts < 0) return true;
    if (now_ms - ts > before_max_ms) return false;
    if (ts - now_ms > after_max_ms) return false;
    return true;
  }
};
timestamp_bounds effective_timestamp_bounds(const broker_config& broker, const topic_overrides& overrides);

/// What Produce does to a topic's batches before appending them (compression.type, compression.*.level,
/// message.timestamp.type). With `codec`, a batch in another codec is decoded and rebuilt in this one (same
/// records, timestamps, producer id, epoch and sequence, so idempotence and offsets stay right); with
/// `log_append_time`, each batch is marked LogAppendTime and its MaxTimestamp set to the broker's clock
/// (records keep their own deltas; readers take MaxTimestamp for every record, as Kafka's do).
struct produce_policy {
  std::optional<batch::compression> codec;  // nullopt: compression.type=producer
  int level = 0;                            // 0: the codec's default
  bool log_append_time = false;
  bool changes_batches() const { return codec.has_value() || log_append_time; }
};
produce_policy effective_produce_policy(const broker_config& broker, const topic_overrides& overrides);

/// streamdown.delivery.delay.ms of a topic (0: none).
std::int64_t effective_delivery_delay_ms(const topic_overrides& overrides);

/// Checks one key and value. Returns an empty string when valid, else what is wrong.
std::string validate_topic_config(const std::string& key, const std::string& value);

/// Broker defaults with the overrides applied.
storage::log_config effective_log_config(const broker_config& broker, const topic_overrides& overrides);

/// Every topic config key with its effective value, for DescribeConfigs.
std::vector<topic_config_entry> describe_topic_config(const broker_config& broker, const topic_overrides& overrides);

}  // namespace sd::broker
