#include "broker/topic_config.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <functional>
#include <limits>
#include <optional>
#include <string_view>

namespace sd::broker {
namespace {

struct topic_key {
  const char* name;
  topic_config_effect effect;
  // Default as a string, from the broker config.
  std::function<std::string(const broker_config&)> default_value;
  // Validation: empty string when fine.
  std::function<std::string(const std::string&)> check;
  // Applies a (valid) value to a log_config; null when the key does not affect storage.
  std::function<void(storage::log_config&, const std::string&)> apply;
};

std::optional<std::int64_t> to_int(const std::string& s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::function<std::string(const std::string&)> int_range(std::int64_t lo, std::int64_t hi) {
  return [lo, hi](const std::string& s) -> std::string {
    auto v = to_int(s);
    if (!v || *v < lo || *v > hi)
      return "expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got '" + s + "'";
    return {};
  };
}

std::function<std::string(const std::string&)> one_of(std::vector<std::string> allowed, std::string note = {}) {
  return [allowed, note](const std::string& s) -> std::string {
    for (auto& a : allowed)
      if (s == a) return {};
    std::string msg = "expected one of";
    for (auto& a : allowed) msg += " '" + a + "'";
    msg += ", got '" + s + "'";
    if (!note.empty()) msg += " (" + note + ")";
    return msg;
  };
}

std::function<std::string(const std::string&)> boolean() { return one_of({"true", "false"}); }

/// -1 (the codec's default, 6) or 1..9, as Kafka's gzip level validator.
std::string gzip_level(const std::string& s) {
  auto v = to_int(s);
  if (!v || !(*v == -1 || (*v >= 1 && *v <= 9))) return "expected -1 or an integer in [1, 9], got '" + s + "'";
  return {};
}

/// A decimal fraction in [0, 1] (min.cleanable.dirty.ratio).
std::string ratio(const std::string& s) {
  char* end = nullptr;
  const double v = s.empty() ? -1 : std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !(v >= 0.0 && v <= 1.0))
    return "expected a number in [0, 1], got '" + s + "'";
  return {};
}

/// cleanup.policy: a comma-separated list of `delete` and `compact` (each at most once, at least one).
std::string cleanup_policy(const std::string& s) {
  bool del = false, compact = false;
  std::size_t at = 0;
  while (at <= s.size()) {
    auto comma = s.find(',', at);
    std::string item = s.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
    while (!item.empty() && item.front() == ' ') item.erase(item.begin());
    while (!item.empty() && item.back() == ' ') item.pop_back();
    bool& seen = item == "delete" ? del : compact;
    if ((item != "delete" && item != "compact") || seen)
      return "expected 'delete', 'compact' or 'compact,delete', got '" + s + "'";
    seen = true;
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  return {};
}

/// Kafka's message format / inter-broker protocol version strings: 0.8.0 .. 3.9, optionally -IV<n>.
std::string format_version(const std::string& s) {
  std::size_t i = 0, dots = 0;
  bool digit = false;
  for (; i < s.size() && s[i] != '-'; ++i) {
    if (s[i] >= '0' && s[i] <= '9') {
      digit = true;
    } else if (s[i] == '.' && digit) {
      ++dots;
      digit = false;
    } else {
      break;
    }
  }
  bool ok = digit && dots >= 1 && dots <= 3;  // 3.0, 2.8.1, and the 0.x four-part form 0.10.0.0
  if (ok && i < s.size()) {
    ok = s.compare(i, 3, "-IV") == 0 && s.size() > i + 3;
    for (std::size_t j = i + 3; ok && j < s.size(); ++j) ok = s[j] >= '0' && s[j] <= '9';
  }
  return ok ? std::string() : "expected a Kafka version such as '3.0' or '2.8-IV1', got '" + s + "'";
}

/// Throttled-replica lists: empty, "*", or comma-separated partition:broker pairs.
std::string replica_list(const std::string& s) {
  if (s.empty() || s == "*") return {};
  std::size_t start = 0;
  while (start <= s.size()) {
    auto end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    const std::string item = s.substr(start, end - start);
    const auto colon = item.find(':');
    if (colon == std::string::npos || !to_int(item.substr(0, colon)) || !to_int(item.substr(colon + 1)))
      return "expected '*' or partition:broker pairs separated by commas, got '" + s + "'";
    start = end + 1;
  }
  return {};
}

std::function<std::string(const broker_config&)> fixed(const char* v) {
  return [v](const broker_config&) { return std::string(v); };
}

template <class F>
std::function<void(storage::log_config&, const std::string&)> set_int(F field) {
  return [field](storage::log_config& c, const std::string& s) { c.*field = *to_int(s); };
}

constexpr std::int64_t max_i64 = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t max_i32 = std::numeric_limits<std::int32_t>::max();

const std::vector<topic_key>& keys() {
  using enum topic_config_effect;
  static const std::vector<topic_key> k = {
      {"retention.ms", honoured, [](const broker_config& b) { return std::to_string(b.log_retention_ms); },
       int_range(-1, max_i64), set_int(&storage::log_config::retention_ms)},
      {"retention.bytes", honoured, [](const broker_config& b) { return std::to_string(b.log_retention_bytes); },
       int_range(-1, max_i64), set_int(&storage::log_config::retention_bytes)},
      {"segment.bytes", honoured, [](const broker_config& b) { return std::to_string(b.log_segment_bytes); },
       int_range(14, max_i32), set_int(&storage::log_config::segment_bytes)},
      {"segment.ms", honoured, [](const broker_config& b) { return std::to_string(b.log_roll_ms); },
       int_range(1, max_i64), set_int(&storage::log_config::segment_ms)},
      {"segment.index.bytes", ignored, fixed("10485760"), int_range(4, max_i32), nullptr},
      {"segment.jitter.ms", ignored, fixed("0"), int_range(0, max_i64), nullptr},
      {"index.interval.bytes", honoured,
       [](const broker_config& b) { return std::to_string(b.log_index_interval_bytes); }, int_range(0, max_i32),
       set_int(&storage::log_config::index_interval_bytes)},
      {"max.message.bytes", honoured, [](const broker_config& b) { return std::to_string(b.message_max_bytes); },
       int_range(0, max_i32), set_int(&storage::log_config::max_batch_bytes)},
      {"flush.messages", honoured,
       [](const broker_config& b) { return std::to_string(b.log_flush_interval_messages); }, int_range(1, max_i64),
       [](storage::log_config& c, const std::string& s) {
         auto v = *to_int(s);
         c.flush_interval_messages = v == max_i64 ? -1 : v;
       }},
      {"flush.ms", honoured,
       [](const broker_config& b) {
         return std::to_string(b.log_flush_interval_ms < 0 ? max_i64 : b.log_flush_interval_ms);
       },
       int_range(0, max_i64),
       [](storage::log_config& c, const std::string& s) {
         auto v = *to_int(s);
         c.flush_interval_ms = v == max_i64 ? -1 : v;
       }},
      // streamdown's own: the tail of each partition kept in the page cache (storage/page_cache_window.h).
      {"streamdown.page.cache.window.bytes", honoured,
       [](const broker_config& b) { return std::to_string(b.log_page_cache_window_bytes); }, int_range(-1, max_i64),
       set_int(&storage::log_config::cache_window_bytes)},
      {"cleanup.policy", honoured, fixed("delete"), cleanup_policy,
       [](storage::log_config& c, const std::string& s) {
         c.compact = s.find("compact") != std::string::npos;
         c.delete_by_retention = s.find("delete") != std::string::npos;
       }},
      // Log compaction (compaction/README.md); the log cleaner reads these.
      {"delete.retention.ms", honoured, fixed("86400000"), int_range(0, max_i64),
       set_int(&storage::log_config::delete_retention_ms)},
      {"min.compaction.lag.ms", honoured, fixed("0"), int_range(0, max_i64),
       set_int(&storage::log_config::min_compaction_lag_ms)},
      {"max.compaction.lag.ms", honoured, fixed("9223372036854775807"), int_range(1, max_i64),
       set_int(&storage::log_config::max_compaction_lag_ms)},
      {"min.cleanable.dirty.ratio", honoured, fixed("0.5"), ratio,
       [](storage::log_config& c, const std::string& s) { c.min_cleanable_dirty_ratio = std::strtod(s.c_str(), nullptr); }},
      // streamdown's own: records become visible to readers only this long after their append (delayed
      // delivery, broker/delivery_schedule.h); 0 = at once.
      {"streamdown.delivery.delay.ms", honoured, fixed("0"), int_range(0, 7LL * 24 * 3600 * 1000), nullptr},
      // Produce recompresses batches whose codec differs (effective_produce_policy); producer keeps them as sent.
      {"compression.type", honoured, [](const broker_config& b) { return b.compression_type; },
       one_of({"producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"}), nullptr},
      {"compression.gzip.level", honoured,
       [](const broker_config& b) { return std::to_string(b.compression_gzip_level); }, gzip_level, nullptr},
      {"compression.lz4.level", honoured, [](const broker_config& b) { return std::to_string(b.compression_lz4_level); },
       int_range(1, 17), nullptr},
      {"compression.zstd.level", honoured,
       [](const broker_config& b) { return std::to_string(b.compression_zstd_level); }, int_range(-131072, 22),
       nullptr},
      // LogAppendTime: Produce stamps each batch with the broker's clock (effective_produce_policy).
      {"message.timestamp.type", honoured, [](const broker_config& b) { return b.log_message_timestamp_type; },
       one_of({"CreateTime", "LogAppendTime"}), nullptr},
      // Produce refuses a batch whose timestamps are further from the broker's clock than these allow
      // (INVALID_TIMESTAMP); see effective_timestamp_bounds. The first is Kafka's older key, the other two
      // (KIP-937) bound each side; the tighter of the two that apply wins.
      {"message.timestamp.difference.max.ms", honoured,
       [](const broker_config& b) { return std::to_string(b.log_message_timestamp_difference_max_ms); },
       int_range(0, max_i64), nullptr},
      {"message.timestamp.before.max.ms", honoured,
       [](const broker_config& b) { return std::to_string(b.log_message_timestamp_before_max_ms); },
       int_range(0, max_i64), nullptr},
      {"message.timestamp.after.max.ms", honoured,
       [](const broker_config& b) { return std::to_string(b.log_message_timestamp_after_max_ms); },
       int_range(0, max_i64), nullptr},
      // Accepted with Kafka's validation and ignored, as Kafka 3 ignores it (the broker writes v2 batches).
      {"message.format.version", ignored, fixed("3.0-IV1"), format_version, nullptr},
      {"message.downconversion.enable", ignored, fixed("true"), boolean(), nullptr},
      // Files of deleted segments go at once; there is no delayed deletion to configure.
      {"file.delete.delay.ms", ignored, fixed("60000"), int_range(0, max_i64), nullptr},
      {"preallocate", ignored, fixed("false"), boolean(), nullptr},
      // Tiered storage does not exist here: local retention is the retention, remote storage stays off.
      {"local.retention.ms", ignored, fixed("-2"), int_range(-2, max_i64), nullptr},
      {"local.retention.bytes", ignored, fixed("-2"), int_range(-2, max_i64), nullptr},
      {"remote.storage.enable", honoured, fixed("false"), one_of({"false"}, "tiered storage is not supported"),
       nullptr},
      // Replication: one node holds the only replica.
      {"min.insync.replicas", single_node, fixed("1"), int_range(1, 1), nullptr},
      {"unclean.leader.election.enable", single_node, fixed("false"), boolean(), nullptr},
      {"leader.replication.throttled.replicas", single_node, fixed(""), replica_list, nullptr},
      {"follower.replication.throttled.replicas", single_node, fixed(""), replica_list, nullptr},
  };
  return k;
}

const topic_key* find_key(const std::string& name) {
  for (const auto& k : keys())
    if (name == k.name) return &k;
  return nullptr;
}

}  // namespace

bool is_topic_config_key(const std::string& key) { return find_key(key) != nullptr; }

std::vector<std::pair<std::string, topic_config_effect>> topic_config_keys() {
  std::vector<std::pair<std::string, topic_config_effect>> out;
  for (const auto& k : keys()) out.emplace_back(k.name, k.effect);
  return out;
}

timestamp_bounds effective_timestamp_bounds(const broker_config& broker, const topic_overrides& overrides) {
  auto value = [&](const char* key, std::int64_t broker_default) {
    auto it = overrides.find(key);
    if (it == overrides.end() || !find_key(key)->check(it->second).empty()) return broker_default;
    return *to_int(it->second);
  };
  const auto difference =
      value("message.timestamp.difference.max.ms", broker.log_message_timestamp_difference_max_ms);
  timestamp_bounds b;
  b.before_max_ms =
      std::min(difference, value("message.timestamp.before.max.ms", broker.log_message_timestamp_before_max_ms));
  b.after_max_ms =
      std::min(difference, value("message.timestamp.after.max.ms", broker.log_message_timestamp_after_max_ms));
  return b;
}

produce_policy effective_produce_policy(const broker_config& broker, const topic_overrides& overrides) {
  auto value = [&](const char* key, std::string broker_default) {
    auto it = overrides.find(key);
    if (it == overrides.end() || !find_key(key)->check(it->second).empty()) return broker_default;
    return it->second;
  };
  auto level = [&](const char* key, std::int64_t broker_default) {
    return static_cast<int>(*to_int(value(key, std::to_string(broker_default))));
  };
  produce_policy p;
  const std::string codec = value("compression.type", broker.compression_type);
  if (codec == "uncompressed") {
    p.codec = batch::compression::none;
  } else if (codec == "gzip") {
    p.codec = batch::compression::gzip;
    p.level = level("compression.gzip.level", broker.compression_gzip_level);
    if (p.level == -1) p.level = 0;  // the codec's default
  } else if (codec == "snappy") {
    p.codec = batch::compression::snappy;
  } else if (codec == "lz4") {
    p.codec = batch::compression::lz4;
    p.level = level("compression.lz4.level", broker.compression_lz4_level);
  } else if (codec == "zstd") {
    p.codec = batch::compression::zstd;
    p.level = level("compression.zstd.level", broker.compression_zstd_level);
  }
  p.log_append_time = value("message.timestamp.type", broker.log_message_timestamp_type) == "LogAppendTime";
  return p;
}

std::int64_t effective_delivery_delay_ms(const topic_overrides& overrides) {
  auto it = overrides.find("streamdown.delivery.delay.ms");
  if (it == overrides.end() || !find_key(it->first)->check(it->second).empty()) return 0;
  return *to_int(it->second);
}

std::string validate_topic_config(const std::string& key, const std::string& value) {
  const auto* k = find_key(key);
  if (!k) return "unknown topic config '" + key + "'";
  if (auto e = k->check(value); !e.empty()) return "topic config '" + key + "': " + e;
  return {};
}

storage::log_config effective_log_config(const broker_config& broker, const topic_overrides& overrides) {
  storage::log_config c;
  c.segment_bytes = broker.log_segment_bytes;
  c.segment_ms = broker.log_roll_ms;
  c.retention_bytes = broker.log_retention_bytes;
  c.retention_ms = broker.log_retention_ms;
  c.index_interval_bytes = broker.log_index_interval_bytes;
  c.max_batch_bytes = broker.message_max_bytes;
  c.flush_interval_messages = broker.log_flush_interval_messages == max_i64 ? -1 : broker.log_flush_interval_messages;
  c.flush_interval_ms = broker.log_flush_interval_ms;
  c.recovery_point_interval_ms =
      broker.log_flush_offset_checkpoint_interval_ms == 0 ? -1 : broker.log_flush_offset_checkpoint_interval_ms;
  c.cache_window_bytes = broker.log_page_cache_window_bytes;
  for (const auto& [key, value] : overrides) {
    const auto* k = find_key(key);
    if (k && k->apply && k->check(value).empty()) k->apply(c, value);
  }
  return c;
}

/// The broker key a topic key's default comes from (Kafka's synonyms), or null.
static const char* broker_key_of(std::string_view topic_key) {
  static const std::map<std::string_view, const char*> m = {
      {"retention.ms", "log.retention.ms"},
      {"retention.bytes", "log.retention.bytes"},
      {"segment.bytes", "log.segment.bytes"},
      {"segment.ms", "log.roll.ms"},
      {"index.interval.bytes", "log.index.interval.bytes"},
      {"max.message.bytes", "message.max.bytes"},
      {"flush.messages", "log.flush.interval.messages"},
      {"flush.ms", "log.flush.interval.ms"},
      {"streamdown.page.cache.window.bytes", "streamdown.log.page.cache.window.bytes"},
      {"compression.type", "compression.type"},
      {"compression.gzip.level", "compression.gzip.level"},
      {"compression.lz4.level", "compression.lz4.level"},
      {"compression.zstd.level", "compression.zstd.level"},
      {"message.timestamp.type", "log.message.timestamp.type"},
      {"message.timestamp.difference.max.ms", "log.message.timestamp.difference.max.ms"},
      {"message.timestamp.before.max.ms", "log.message.timestamp.before.max.ms"},
      {"message.timestamp.after.max.ms", "log.message.timestamp.after.max.ms"},
  };
  auto it = m.find(topic_key);
  return it == m.end() ? nullptr : it->second;
}

std::vector<topic_config_entry> describe_topic_config(const broker_config& broker, const topic_overrides& overrides) {
  std::vector<topic_config_entry> out;
  for (const auto& k : keys()) {
    topic_config_entry e;
    e.name = k.name;
    if (const char* b = broker_key_of(k.name)) e.broker_key = b;
    if (auto it = overrides.find(k.name); it != overrides.end()) {
      e.value = it->second;
      e.is_default = false;
    } else {
      e.value = k.default_value(broker);
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace sd::broker
