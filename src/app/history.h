#pragma once
// history: the broker's recent past for the console and scripts (GET /v1/history): a bounded in-memory ring of
// samples per series, one sample per interval (1 s) for `retention` (15 min), so a page can draw the last
// 15 minutes without Prometheus.
//
// history_store: the rings. Counters arrive as running totals and are stored as per-second rates (the first
// sample of a counter only primes it); gauges are stored as read. Memory is bounded: at most `max_series`
// series (a new series past that is dropped and counted) of `capacity` points each, preallocated when the
// series appears. A series not sampled for a whole retention (a deleted group, say) is removed.
// Thread-safety: every method locks one mutex; the sampler writes once per interval, readers copy out.
//
// history_recorder: the thread that calls a `gather` function every interval and feeds the store. gather()
// may block (the lag reporter hops onto the event loops); the thread is not one of those loops.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "metrics/text_writer.h"

namespace sd::app {

using history_labels = std::vector<std::pair<std::string, std::string>>;

/// One reading of one series at one instant.
struct history_reading {
  std::string name;
  history_labels labels;
  double value = 0;
  bool counter = false;  // a running total: stored as its per-second rate
};

struct history_point {
  std::int64_t t_ms = 0;  // wall clock, ms since the epoch
  double value = 0;
};

struct history_series {
  std::string name;
  history_labels labels;
  std::vector<history_point> points;  // oldest first
};

struct history_config {
  std::chrono::milliseconds interval{1000};
  std::size_t capacity = 900;       // points per series: 15 minutes at 1 s
  std::size_t max_series = 2000;    // beyond this, new series are dropped (counted)
};

class history_store {
 public:
  explicit history_store(history_config cfg) : _cfg(cfg) {}

  /// Records one round of readings taken at `t_ms`.
  void record(std::int64_t t_ms, const std::vector<history_reading>& readings);
  /// Every series whose name is in `names` (all series when `names` is empty) and whose labels include every
  /// pair of `label_filter` (a series without that label does not match), with only the points newer than
  /// `since_ms`, oldest point first.
  std::vector<history_series> read(const std::vector<std::string>& names, std::int64_t since_ms = INT64_MIN,
                                   const history_labels& label_filter = {}) const;

  std::size_t series_count() const;
  std::size_t point_count() const;
  std::uint64_t dropped_series_total() const;
  const history_config& config() const { return _cfg; }
  /// streamdown_history_series, _points, _series_dropped_total.
  void collect(metrics::text_writer& w) const;

 private:
  struct ring {
    std::string name;
    history_labels labels;
    std::vector<history_point> buf;  // capacity slots
    std::size_t head = 0;            // next slot to write
    std::size_t size = 0;
    std::optional<std::pair<std::int64_t, double>> last_total;  // counters: previous (t_ms, total)
    std::int64_t last_seen_ms = 0;
  };
  static std::string key_of(const std::string& name, const history_labels& labels);

  history_config _cfg;
  mutable std::mutex _mu;
  std::map<std::string, ring> _series;  // by name + labels
  std::uint64_t _dropped = 0;
};

/// Per-topic produce rates (records per second over the last sampling interval), updated by the history
/// sampler and read by GET /v1/topics. Bounded by the number of topics: a topic missing from an update is
/// forgotten. Thread-safe (one mutex).
class topic_rates {
 public:
  /// `totals`: every topic's running total of records produced, read at `t_ms`.
  void update(std::int64_t t_ms, const std::map<std::string, double>& totals);
  /// Records per second, or 0 before two updates have seen the topic.
  double rate(const std::string& topic) const;

 private:
  struct entry {
    double total = 0;
    double rate = 0;
  };
  mutable std::mutex _mu;
  std::map<std::string, entry> _topics;
  std::int64_t _last_ms = 0;
};

class history_recorder {
 public:
  history_recorder(history_store& store, std::function<std::vector<history_reading>()> gather)
      : _store(store), _gather(std::move(gather)) {}
  ~history_recorder() { stop(); }
  history_recorder(const history_recorder&) = delete;
  history_recorder& operator=(const history_recorder&) = delete;

  void start();
  void stop();

 private:
  void loop();

  history_store& _store;
  std::function<std::vector<history_reading>()> _gather;
  std::thread _thread;
  std::mutex _mu;
  std::condition_variable _cv;
  bool _stop = false;
};

}  // namespace sd::app
