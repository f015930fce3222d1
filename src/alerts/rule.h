#pragma once
// alert_rule: one alert rule from the config file. In TOML a rule is an `[[alert]]` table; the loader
// (app/config_loader.h) flattens the N-th table to keys `alert.N.<field>` (so `--set alert.0.threshold=5`
// works too), and parse_alert_rules() checks them. Unknown fields and bad values are start-up errors that
// name the key.
//
//   [[alert]]
//   name = "orders-lag"              # required, unique; the `alert` label of the metrics
//   kind = "consumer_lag_records"    # required, see alert_kind
//   group = "g"                      # optional filters (lag kinds only)
//   topic = "t"
//   partition = 0
//   threshold = 1000                 # required
//   for_seconds = 10                 # condition must hold this long before firing (default 0)
//   window_seconds = 60              # error_rate only: the rate's window (default 60)
//
// Conditions: consumer_lag_records / consumer_lag_seconds / error_rate breach when value > threshold;
// disk_free_bytes / disk_free_ratio breach when value < threshold. The relay_* kinds (spool full ratio,
// oldest record age, upstream down seconds) breach above the threshold and apply to `streamdown relay` only;
// the broker refuses them, and the relay refuses the consumer-lag kinds.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sd::alerts {

enum class alert_kind {
  consumer_lag_records,  // records behind (high watermark - committed), per group/topic/partition
  consumer_lag_seconds,  // now - timestamp of the first unconsumed record, per group/topic/partition
  error_rate,            // broker errors per second over window_seconds
  disk_free_bytes,       // free bytes of the data directory's file system (statvfs f_bavail)
  disk_free_ratio,       // free / total of the same (0..1)
  // The relay's kinds (`streamdown relay` only):
  relay_spool_full_ratio,           // spool bytes / spool.max.bytes (0..1)
  relay_oldest_record_age_seconds,  // age of the oldest record not yet forwarded (0 when the spool is empty)
  relay_upstream_down_seconds,      // seconds the upstream has not been up (0 while it is)
};

const char* kind_name(alert_kind k) noexcept;
std::optional<alert_kind> parse_kind(const std::string& s) noexcept;
/// True for kinds whose condition is value < threshold (disk kinds).
bool breaches_below(alert_kind k) noexcept;
bool is_lag_kind(alert_kind k) noexcept;
/// True for the relay_* kinds.
bool is_relay_kind(alert_kind k) noexcept;

struct alert_rule {
  std::string name;
  alert_kind kind = alert_kind::consumer_lag_records;
  std::optional<std::string> group;
  std::optional<std::string> topic;
  std::optional<std::int32_t> partition;
  double threshold = 0;
  std::int64_t for_ms = 0;
  std::int64_t window_ms = 60000;
};

/// Keys starting with "alert." (others are ignored). Returns the rules ordered by index, or nullopt with
/// `error` naming the offending key ("config key 'alert.0.kind': expected ...").
std::optional<std::vector<alert_rule>> parse_alert_rules(const std::map<std::string, std::string>& keys,
                                                         std::string& error);

/// Moves every "alert.*" key out of `values` (so the rest can go to broker_config::from).
std::map<std::string, std::string> take_alert_keys(std::map<std::string, std::string>& values);

}  // namespace sd::alerts
