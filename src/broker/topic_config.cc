#include "broker/topic_config.h"

#include <charconv>
#include <functional>
#include <limits>
#include <optional>

namespace sd::broker {
namespace {

struct topic_key {
  const char* name;
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

template <class F>
std::function<void(storage::log_config&, const std::string&)> set_int(F field) {
  return [field](storage::log_config& c, const std::string& s) { c.*field = *to_int(s); };
}

constexpr std::int64_t max_i64 = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t max_i32 = std::numeric_limits<std::int32_t>::max();

const std::vector<topic_key>& keys() {
  static const std::vector<topic_key> k = {
      {"retention.ms", [](const broker_config& b) { return std::to_string(b.log_retention_ms); }, int_range(-1, max_i64),
       set_int(&storage::log_config::retention_ms)},
      {"retention.bytes", [](const broker_config& b) { return std::to_string(b.log_retention_bytes); },
       int_range(-1, max_i64), set_int(&storage::log_config::retention_bytes)},
      {"segment.bytes", [](const broker_config& b) { return std::to_string(b.log_segment_bytes); },
       int_range(14, max_i32), set_int(&storage::log_config::segment_bytes)},
      {"segment.ms", [](const broker_config& b) { return std::to_string(b.log_roll_ms); }, int_range(1, max_i64),
       set_int(&storage::log_config::segment_ms)},
      {"segment.index.bytes", [](const broker_config&) { return std::string("10485760"); }, int_range(4, max_i32),
       nullptr},
      {"index.interval.bytes", [](const broker_config& b) { return std::to_string(b.log_index_interval_bytes); },
       int_range(0, max_i32), set_int(&storage::log_config::index_interval_bytes)},
      {"max.message.bytes", [](const broker_config& b) { return std::to_string(b.message_max_bytes); },
       int_range(0, max_i32), set_int(&storage::log_config::max_batch_bytes)},
      {"flush.messages",
       [](const broker_config& b) { return std::to_string(b.log_flush_interval_messages); }, int_range(1, max_i64),
       [](storage::log_config& c, const std::string& s) {
         auto v = *to_int(s);
         c.flush_interval_messages = v == max_i64 ? -1 : v;
       }},
      {"flush.ms",
       [](const broker_config& b) {
         return std::to_string(b.log_flush_interval_ms < 0 ? max_i64 : b.log_flush_interval_ms);
       },
       int_range(0, max_i64),
       [](storage::log_config& c, const std::string& s) {
         auto v = *to_int(s);
         c.flush_interval_ms = v == max_i64 ? -1 : v;
       }},
      // streamdown's own: the tail of each partition kept in the page cache (storage/page_cache_window.h).
      {"streamdown.page.cache.window.bytes",
       [](const broker_config& b) { return std::to_string(b.log_page_cache_window_bytes); }, int_range(-1, max_i64),
       set_int(&storage::log_config::cache_window_bytes)},
      {"cleanup.policy", [](const broker_config&) { return std::string("delete"); },
       one_of({"delete"}, "compaction is not supported yet"), nullptr},
      {"compression.type", [](const broker_config&) { return std::string("producer"); },
       one_of({"producer"}, "batches are stored as the producer compressed them"), nullptr},
      {"message.timestamp.type", [](const broker_config&) { return std::string("CreateTime"); },
       one_of({"CreateTime"}, "LogAppendTime is not supported yet"), nullptr},
      {"min.insync.replicas", [](const broker_config&) { return std::string("1"); }, int_range(1, 1), nullptr},
      {"unclean.leader.election.enable", [](const broker_config&) { return std::string("false"); },
       one_of({"false", "true"}), nullptr},
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
  c.cache_window_bytes = broker.log_page_cache_window_bytes;
  for (const auto& [key, value] : overrides) {
    const auto* k = find_key(key);
    if (k && k->apply && k->check(value).empty()) k->apply(c, value);
  }
  return c;
}

std::vector<topic_config_entry> describe_topic_config(const broker_config& broker, const topic_overrides& overrides) {
  std::vector<topic_config_entry> out;
  for (const auto& k : keys()) {
    topic_config_entry e;
    e.name = k.name;
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
