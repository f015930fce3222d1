#include "alerts/status_json.h"

#include <cmath>
#include <ctime>

namespace sd::alerts {
namespace {

using json = nlohmann::json;

json number_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

std::string rfc3339(std::int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms % 1000));
  return out;
}

json recent_json(const std::vector<alert_change>& recent) {
  json out = json::array();
  for (const auto& c : recent)
    out.push_back({{"from", state_name(c.from)},
                   {"to", state_name(c.to)},
                   {"at_ms", c.at_ms},
                   {"at", rfc3339(c.at_ms)},
                   {"value", number_or_null(c.value)}});
  return out;
}

}  // namespace

json status_json(const alert_engine& engine) {
  json out = json::array();
  for (const auto& s : engine.status()) {
    json filters = json::object();
    if (s.rule.group) filters["group"] = *s.rule.group;
    if (s.rule.topic) filters["topic"] = *s.rule.topic;
    if (s.rule.partition) filters["partition"] = *s.rule.partition;
    json labels = json::array();
    for (const auto& set : s.offending) {
      json l = json::object();
      for (const auto& [k, v] : set) l[k] = v;
      labels.push_back(std::move(l));
    }
    out.push_back({{"rule", s.rule.name},
                   {"kind", kind_name(s.rule.kind)},
                   {"state", state_name(s.state)},
                   {"value", number_or_null(s.value)},
                   {"threshold", s.rule.threshold},
                   {"for_seconds", static_cast<double>(s.rule.for_ms) / 1000.0},
                   {"since", s.since_ms > 0 ? json(rfc3339(s.since_ms)) : json(nullptr)},
                   {"since_ms", s.since_ms},
                   {"filters", filters},
                   {"labels", labels},
                   {"offending_count", s.offending_count},
                   {"recent_transitions", recent_json(s.recent)}});
  }
  return out;
}

}  // namespace sd::alerts
