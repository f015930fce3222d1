#pragma once
// alert_engine: evaluates alert rules against observed values and runs each rule's state machine.
//
//   inactive --condition true--> pending --held for for_seconds--> firing --condition false--> inactive
//                                   `--condition false--> inactive            ("resolved")
//
// A rule with for_seconds = 0 goes from inactive to firing in one evaluation (two transitions counted).
// A lag rule looks at every series (group/topic/partition) its filters match: the condition holds when any
// of them breaches, the value is the worst one, and the breaching series' labels are kept (at most
// max_offending). No data (no matching series, no disk reading, fewer than two error samples) means the
// condition is false and the value is NaN (null in JSON).
//
// Firing is logged at warn, resolving at info (spdlog). Time is passed in (evaluate's `now`), so unit tests
// drive the state machine with a fake clock.
//
// Threading: evaluate() from one thread (the alert thread); status() and the counters from any thread
// (a mutex guards the state; evaluation work is small).

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "alerts/rule.h"

namespace sd::alerts {

using steady_time = std::chrono::steady_clock::time_point;

enum class alert_state { inactive, pending, firing };
const char* state_name(alert_state s) noexcept;

struct lag_sample {
  std::string group;
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t records = 0;
  std::optional<double> seconds;  // nullopt when it could not be read
};

struct disk_sample {
  std::uint64_t free_bytes = 0;   // available to unprivileged users (f_bavail)
  std::uint64_t total_bytes = 0;
};

/// The relay's readings for the relay_* kinds.
struct relay_sample {
  double spool_full_ratio = 0;
  double oldest_record_age_seconds = 0;
  double upstream_down_seconds = 0;
};

/// What one evaluation sees. Fields the rules do not need may stay empty (see alert_engine::needs_*).
struct alert_inputs {
  std::vector<lag_sample> lag;
  std::optional<std::uint64_t> errors_total;
  std::optional<disk_sample> disk;
  std::optional<relay_sample> relay;
};

using label_set = std::vector<std::pair<std::string, std::string>>;

/// One state change of a rule, as alert_status keeps it.
struct alert_change {
  alert_state from = alert_state::inactive;
  alert_state to = alert_state::inactive;
  std::int64_t at_ms = 0;  // wall clock
  double value = 0;        // the value that caused it (NaN when there was no data)
};

struct alert_status {
  alert_rule rule;
  alert_state state = alert_state::inactive;
  double value = 0;                 // last evaluated value; NaN when there was no data
  std::vector<label_set> offending; // breaching series (at most max_offending)
  std::size_t offending_count = 0;  // all breaching series
  std::int64_t since_ms = 0;        // wall clock when the current state began (0: never changed)
  std::uint64_t to_pending = 0, to_firing = 0, to_inactive = 0;  // transitions into each state
  std::vector<alert_change> recent;  // the latest changes, oldest first (at most alert_engine::max_recent)
};

struct alert_transition {
  std::string alert;
  alert_state from = alert_state::inactive;
  alert_state to = alert_state::inactive;
  double value = 0;
};

class alert_engine {
 public:
  static constexpr std::size_t max_offending = 10;
  static constexpr std::size_t max_recent = 20;

  explicit alert_engine(std::vector<alert_rule> rules, std::int64_t start_wall_ms = 0);

  bool empty() const { return _rules.empty(); }
  bool needs_lag() const;
  bool needs_lag_seconds() const;
  bool needs_errors() const;
  bool needs_disk() const;

  /// One evaluation at `now`; returns the transitions it made (in rule order).
  std::vector<alert_transition> evaluate(const alert_inputs& in, steady_time now, std::int64_t wall_ms);

  /// Snapshot of every rule's state, in config order.
  std::vector<alert_status> status() const;

 private:
  struct rule_state {
    alert_status st;
    steady_time pending_since{};
  };
  struct observed {
    double value;
    bool breach;
    std::vector<label_set> offending;
    std::size_t offending_count = 0;
  };
  observed observe(const alert_rule& r, const alert_inputs& in, steady_time now) const;
  void record_errors(const alert_inputs& in, steady_time now);
  void move(rule_state& rs, alert_state to, double value, std::int64_t wall_ms, std::vector<alert_transition>& out);

  std::vector<alert_rule> _rules;
  mutable std::mutex _mu;
  std::vector<rule_state> _state;  // guarded by _mu
  std::deque<std::pair<steady_time, std::uint64_t>> _errors;  // evaluation thread only
  std::int64_t _max_window_ms = 0;
};

}  // namespace sd::alerts
