#include "alerts/rule.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <set>

namespace sd::alerts {
namespace {

constexpr const char* prefix = "alert.";

struct kind_entry {
  alert_kind kind;
  const char* name;
};
constexpr kind_entry kinds[] = {
    {alert_kind::consumer_lag_records, "consumer_lag_records"},
    {alert_kind::consumer_lag_seconds, "consumer_lag_seconds"},
    {alert_kind::error_rate, "error_rate"},
    {alert_kind::disk_free_bytes, "disk_free_bytes"},
    {alert_kind::disk_free_ratio, "disk_free_ratio"},
    {alert_kind::relay_spool_full_ratio, "relay_spool_full_ratio"},
    {alert_kind::relay_oldest_record_age_seconds, "relay_oldest_record_age_seconds"},
    {alert_kind::relay_upstream_down_seconds, "relay_upstream_down_seconds"},
};

bool parse_double(const std::string& s, double& out) {
  if (s.empty()) return false;
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && std::isfinite(out);
}

bool parse_int(const std::string& s, std::int64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size();
}

}  // namespace

const char* kind_name(alert_kind k) noexcept {
  for (const auto& e : kinds)
    if (e.kind == k) return e.name;
  return "?";
}

std::optional<alert_kind> parse_kind(const std::string& s) noexcept {
  for (const auto& e : kinds)
    if (s == e.name) return e.kind;
  return std::nullopt;
}

bool breaches_below(alert_kind k) noexcept { return k == alert_kind::disk_free_bytes || k == alert_kind::disk_free_ratio; }
bool is_relay_kind(alert_kind k) noexcept {
  return k == alert_kind::relay_spool_full_ratio || k == alert_kind::relay_oldest_record_age_seconds ||
         k == alert_kind::relay_upstream_down_seconds;
}
bool is_lag_kind(alert_kind k) noexcept {
  return k == alert_kind::consumer_lag_records || k == alert_kind::consumer_lag_seconds;
}

std::map<std::string, std::string> take_alert_keys(std::map<std::string, std::string>& values) {
  std::map<std::string, std::string> out;
  for (auto it = values.begin(); it != values.end();) {
    if (it->first.starts_with(prefix)) {
      out.insert(*it);
      it = values.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

std::optional<std::vector<alert_rule>> parse_alert_rules(const std::map<std::string, std::string>& keys,
                                                         std::string& error) {
  // index -> field -> (full key, value)
  std::map<std::int64_t, std::map<std::string, std::pair<std::string, std::string>>> tables;
  for (const auto& [key, value] : keys) {
    if (!key.starts_with(prefix)) continue;
    auto rest = key.substr(std::string(prefix).size());
    auto dot = rest.find('.');
    std::int64_t index = -1;
    if (dot == std::string::npos || !parse_int(rest.substr(0, dot), index) || index < 0 || index > 10000) {
      error = "config key '" + key + "': alert rules are [[alert]] tables (keys alert.<index>.<field>)";
      return std::nullopt;
    }
    tables[index][rest.substr(dot + 1)] = {key, value};
  }

  std::vector<alert_rule> rules;
  std::set<std::string> names;
  for (auto& [index, fields] : tables) {
    alert_rule r;
    const std::string base = std::string(prefix) + std::to_string(index) + ".";
    auto fail = [&](const std::string& key, const std::string& what) {
      error = "config key '" + key + "': expected " + what;
      return std::nullopt;
    };
    bool has_kind = false, has_threshold = false;
    for (const auto& [field, kv] : fields) {
      const auto& [key, value] = kv;
      if (field == "name") {
        if (value.empty()) return fail(key, "a non-empty name");
        r.name = value;
      } else if (field == "kind") {
        auto k = parse_kind(value);
        if (!k)
          return fail(key, "one of consumer_lag_records, consumer_lag_seconds, error_rate, disk_free_bytes, "
                           "disk_free_ratio, relay_spool_full_ratio, relay_oldest_record_age_seconds, "
                           "relay_upstream_down_seconds; got '" + value + "'");
        r.kind = *k;
        has_kind = true;
      } else if (field == "group") {
        r.group = value;
      } else if (field == "topic") {
        r.topic = value;
      } else if (field == "partition") {
        std::int64_t p = -1;
        if (!parse_int(value, p) || p < 0 || p > INT32_MAX) return fail(key, "a partition index >= 0, got '" + value + "'");
        r.partition = static_cast<std::int32_t>(p);
      } else if (field == "threshold") {
        if (!parse_double(value, r.threshold)) return fail(key, "a number, got '" + value + "'");
        has_threshold = true;
      } else if (field == "for_seconds") {
        double s = 0;
        if (!parse_double(value, s) || s < 0 || s > 86400 * 365) return fail(key, "seconds >= 0, got '" + value + "'");
        r.for_ms = static_cast<std::int64_t>(std::llround(s * 1000));
      } else if (field == "window_seconds") {
        double s = 0;
        if (!parse_double(value, s) || s <= 0 || s > 86400) return fail(key, "seconds in (0, 86400], got '" + value + "'");
        r.window_ms = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::llround(s * 1000)));
      } else {
        error = "unknown config key '" + key +
                "' (alert fields: name, kind, group, topic, partition, threshold, for_seconds, window_seconds)";
        return std::nullopt;
      }
    }
    if (r.name.empty()) return fail(base + "name", "a name for every [[alert]]");
    if (!has_kind) return fail(base + "kind", "a kind for alert '" + r.name + "'");
    if (!has_threshold) return fail(base + "threshold", "a threshold for alert '" + r.name + "'");
    if (!is_lag_kind(r.kind)) {
      for (const char* f : {"group", "topic", "partition"})
        if (fields.contains(f)) return fail(base + f, std::string("no ") + f + " filter for kind " + kind_name(r.kind));
    }
    if (r.kind != alert_kind::error_rate && fields.contains("window_seconds"))
      return fail(base + "window_seconds", "window_seconds only with kind error_rate");
    if ((r.kind == alert_kind::disk_free_ratio || r.kind == alert_kind::relay_spool_full_ratio) &&
        (r.threshold < 0 || r.threshold > 1))
      return fail(base + "threshold", std::string("a ratio in [0, 1] for ") + kind_name(r.kind));
    if (!names.insert(r.name).second) return fail(base + "name", "a unique name, '" + r.name + "' is used twice");
    rules.push_back(std::move(r));
  }
  return rules;
}

}  // namespace sd::alerts
