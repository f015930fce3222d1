#include "alerts/engine.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace sd::alerts {
namespace {

constexpr double no_data = std::numeric_limits<double>::quiet_NaN();

std::string describe(const std::vector<label_set>& offending, std::size_t count) {
  std::string s;
  for (const auto& labels : offending) {
    if (!s.empty()) s += ", ";
    s += "{";
    for (std::size_t i = 0; i < labels.size(); ++i)
      s += (i ? "," : "") + labels[i].first + "=" + labels[i].second;
    s += "}";
  }
  if (count > offending.size()) s += " and " + std::to_string(count - offending.size()) + " more";
  return s;
}

}  // namespace

const char* state_name(alert_state s) noexcept {
  switch (s) {
    case alert_state::inactive: return "inactive";
    case alert_state::pending: return "pending";
    case alert_state::firing: return "firing";
  }
  return "?";
}

alert_engine::alert_engine(std::vector<alert_rule> rules, std::int64_t start_wall_ms) : _rules(std::move(rules)) {
  for (const auto& r : _rules) {
    rule_state rs;
    rs.st.rule = r;
    rs.st.value = no_data;
    rs.st.since_ms = start_wall_ms;
    _state.push_back(std::move(rs));
    if (r.kind == alert_kind::error_rate) _max_window_ms = std::max(_max_window_ms, r.window_ms);
  }
}

bool alert_engine::needs_lag() const {
  return std::any_of(_rules.begin(), _rules.end(), [](const alert_rule& r) { return is_lag_kind(r.kind); });
}
bool alert_engine::needs_lag_seconds() const {
  return std::any_of(_rules.begin(), _rules.end(),
                     [](const alert_rule& r) { return r.kind == alert_kind::consumer_lag_seconds; });
}
bool alert_engine::needs_errors() const { return _max_window_ms > 0; }
bool alert_engine::needs_disk() const {
  return std::any_of(_rules.begin(), _rules.end(), [](const alert_rule& r) { return breaches_below(r.kind); });
}

void alert_engine::record_errors(const alert_inputs& in, steady_time now) {
  if (!needs_errors() || !in.errors_total) return;
  if (!_errors.empty() && *in.errors_total < _errors.back().second) _errors.clear();  // counter reset
  _errors.emplace_back(now, *in.errors_total);
  // Keep one sample at or before the oldest window start, so a full window is always measurable.
  const auto horizon = now - std::chrono::milliseconds(_max_window_ms);
  while (_errors.size() > 2 && _errors[1].first <= horizon) _errors.pop_front();
}

alert_engine::observed alert_engine::observe(const alert_rule& r, const alert_inputs& in, steady_time now) const {
  observed o{no_data, false, {}, 0};
  auto breaches = [&r](double v) { return breaches_below(r.kind) ? v < r.threshold : v > r.threshold; };
  switch (r.kind) {
    case alert_kind::consumer_lag_records:
    case alert_kind::consumer_lag_seconds: {
      for (const auto& s : in.lag) {
        if ((r.group && *r.group != s.group) || (r.topic && *r.topic != s.topic) ||
            (r.partition && *r.partition != s.partition))
          continue;
        double v = 0;
        if (r.kind == alert_kind::consumer_lag_records) {
          if (s.records < 0) continue;  // partition gone
          v = static_cast<double>(s.records);
        } else {
          if (!s.seconds) continue;
          v = *s.seconds;
        }
        if (std::isnan(o.value) || v > o.value) o.value = v;
        if (breaches(v)) {
          o.breach = true;
          if (o.offending.size() < max_offending)
            o.offending.push_back({{"group", s.group}, {"topic", s.topic}, {"partition", std::to_string(s.partition)}});
          ++o.offending_count;
        }
      }
      return o;
    }
    case alert_kind::error_rate: {
      if (_errors.size() < 2) return o;
      // The oldest sample inside (or just before) this rule's window.
      const auto start = now - std::chrono::milliseconds(r.window_ms);
      std::size_t i = 0;
      while (i + 2 < _errors.size() && _errors[i + 1].first <= start) ++i;
      const auto& first = _errors[i];
      const auto& last = _errors.back();
      const double secs = std::chrono::duration<double>(last.first - first.first).count();
      if (secs <= 0) return o;
      o.value = static_cast<double>(last.second - first.second) / secs;
      break;
    }
    case alert_kind::disk_free_bytes:
      if (!in.disk) return o;
      o.value = static_cast<double>(in.disk->free_bytes);
      break;
    case alert_kind::disk_free_ratio:
      if (!in.disk || in.disk->total_bytes == 0) return o;
      o.value = static_cast<double>(in.disk->free_bytes) / static_cast<double>(in.disk->total_bytes);
      break;
    case alert_kind::relay_spool_full_ratio:
      if (!in.relay) return o;
      o.value = in.relay->spool_full_ratio;
      break;
    case alert_kind::relay_oldest_record_age_seconds:
      if (!in.relay) return o;
      o.value = in.relay->oldest_record_age_seconds;
      break;
    case alert_kind::relay_upstream_down_seconds:
      if (!in.relay) return o;
      o.value = in.relay->upstream_down_seconds;
      break;
  }
  o.breach = breaches(o.value);
  if (o.breach) o.offending_count = 1;
  return o;
}

void alert_engine::move(rule_state& rs, alert_state to, double value, std::int64_t wall_ms,
                        std::vector<alert_transition>& out) {
  auto& st = rs.st;
  out.push_back({st.rule.name, st.state, to, value});
  const auto from = st.state;
  st.state = to;
  st.since_ms = wall_ms;
  st.recent.push_back({from, to, wall_ms, value});
  if (st.recent.size() > max_recent) st.recent.erase(st.recent.begin());
  switch (to) {
    case alert_state::pending: ++st.to_pending; break;
    case alert_state::firing: ++st.to_firing; break;
    case alert_state::inactive: ++st.to_inactive; break;
  }
  if (to == alert_state::firing) {
    spdlog::warn("alert '{}' firing: {} = {} (threshold {}, held {} ms){}{}", st.rule.name, kind_name(st.rule.kind),
                 value, st.rule.threshold, st.rule.for_ms, st.offending.empty() ? "" : " on ",
                 st.offending.empty() ? std::string() : describe(st.offending, st.offending_count));
  } else if (from == alert_state::firing) {
    spdlog::info("alert '{}' resolved: {} = {} (threshold {})", st.rule.name, kind_name(st.rule.kind), value,
                 st.rule.threshold);
  } else {
    spdlog::debug("alert '{}' {} -> {}", st.rule.name, state_name(from), state_name(to));
  }
}

std::vector<alert_transition> alert_engine::evaluate(const alert_inputs& in, steady_time now, std::int64_t wall_ms) {
  record_errors(in, now);
  std::vector<alert_transition> out;
  std::lock_guard lk(_mu);
  for (auto& rs : _state) {
    auto o = observe(rs.st.rule, in, now);
    rs.st.value = o.value;
    rs.st.offending = std::move(o.offending);
    rs.st.offending_count = o.offending_count;
    if (o.breach) {
      if (rs.st.state == alert_state::inactive) {
        rs.pending_since = now;
        move(rs, alert_state::pending, o.value, wall_ms, out);
      }
      if (rs.st.state == alert_state::pending && now - rs.pending_since >= std::chrono::milliseconds(rs.st.rule.for_ms))
        move(rs, alert_state::firing, o.value, wall_ms, out);
    } else if (rs.st.state != alert_state::inactive) {
      move(rs, alert_state::inactive, o.value, wall_ms, out);
    }
  }
  return out;
}

std::vector<alert_status> alert_engine::status() const {
  std::lock_guard lk(_mu);
  std::vector<alert_status> out;
  out.reserve(_state.size());
  for (const auto& rs : _state) out.push_back(rs.st);
  return out;
}

}  // namespace sd::alerts
