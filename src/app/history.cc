#include "app/history.h"

#include <algorithm>

#include "base/clock.h"

namespace sd::app {

std::string history_store::key_of(const std::string& name, const history_labels& labels) {
  std::string k = name;
  for (const auto& [l, v] : labels) {
    k += '\x1f';
    k += l;
    k += '=';
    k += v;
  }
  return k;
}

void history_store::record(std::int64_t t_ms, const std::vector<history_reading>& readings) {
  std::lock_guard lk(_mu);
  for (const auto& r : readings) {
    const auto key = key_of(r.name, r.labels);
    auto it = _series.find(key);
    if (it == _series.end()) {
      if (_series.size() >= _cfg.max_series) {
        ++_dropped;
        continue;
      }
      ring fresh;
      fresh.name = r.name;
      fresh.labels = r.labels;
      fresh.buf.resize(_cfg.capacity);
      it = _series.emplace(key, std::move(fresh)).first;
    }
    ring& s = it->second;
    s.last_seen_ms = t_ms;
    double value = r.value;
    if (r.counter) {
      auto prev = s.last_total;
      s.last_total = std::pair{t_ms, r.value};
      if (!prev || t_ms <= prev->first) continue;  // the first total only primes the rate
      // A total that went down (a counter reset) reads as zero rather than a negative rate.
      value = r.value < prev->second ? 0.0 : (r.value - prev->second) * 1000.0 / static_cast<double>(t_ms - prev->first);
    }
    if (_cfg.capacity == 0) continue;
    s.buf[s.head] = {t_ms, value};
    s.head = (s.head + 1) % _cfg.capacity;
    if (s.size < _cfg.capacity) ++s.size;
  }
  // Series nobody sampled for a whole retention (a deleted group's lag) go, so the set stays the live one.
  const auto retention_ms = static_cast<std::int64_t>(_cfg.capacity) * _cfg.interval.count();
  std::erase_if(_series, [&](const auto& kv) { return t_ms - kv.second.last_seen_ms > retention_ms; });
}

std::vector<history_series> history_store::read(const std::vector<std::string>& names, std::int64_t since_ms,
                                                const history_labels& label_filter) const {
  auto has_labels = [&label_filter](const history_labels& labels) {
    for (const auto& want : label_filter)
      if (std::find(labels.begin(), labels.end(), want) == labels.end()) return false;
    return true;
  };
  std::lock_guard lk(_mu);
  std::vector<history_series> out;
  for (const auto& [_, s] : _series) {
    if (!names.empty() && std::find(names.begin(), names.end(), s.name) == names.end()) continue;
    if (!has_labels(s.labels)) continue;
    history_series h;
    h.name = s.name;
    h.labels = s.labels;
    const std::size_t first = (s.head + _cfg.capacity - s.size) % (_cfg.capacity == 0 ? 1 : _cfg.capacity);
    for (std::size_t i = 0; i < s.size; ++i) {
      const auto& p = s.buf[(first + i) % _cfg.capacity];
      if (p.t_ms > since_ms) h.points.push_back(p);
    }
    out.push_back(std::move(h));
  }
  return out;
}

void topic_rates::update(std::int64_t t_ms, const std::map<std::string, double>& totals) {
  std::lock_guard lk(_mu);
  const double seconds = _last_ms > 0 && t_ms > _last_ms ? static_cast<double>(t_ms - _last_ms) / 1000.0 : 0;
  std::map<std::string, entry> next;
  for (const auto& [topic, total] : totals) {
    entry e{total, 0};
    if (auto it = _topics.find(topic); it != _topics.end() && seconds > 0 && total >= it->second.total)
      e.rate = (total - it->second.total) / seconds;
    next.emplace(topic, e);
  }
  _topics = std::move(next);
  _last_ms = t_ms;
}

double topic_rates::rate(const std::string& topic) const {
  std::lock_guard lk(_mu);
  auto it = _topics.find(topic);
  return it == _topics.end() ? 0 : it->second.rate;
}

std::size_t history_store::series_count() const {
  std::lock_guard lk(_mu);
  return _series.size();
}

std::size_t history_store::point_count() const {
  std::lock_guard lk(_mu);
  std::size_t n = 0;
  for (const auto& [_, s] : _series) n += s.size;
  return n;
}

std::uint64_t history_store::dropped_series_total() const {
  std::lock_guard lk(_mu);
  return _dropped;
}

void history_store::collect(metrics::text_writer& w) const {
  using metrics::metric_type;
  std::size_t series = 0, points = 0;
  std::uint64_t dropped = 0;
  {
    std::lock_guard lk(_mu);
    series = _series.size();
    for (const auto& [_, s] : _series) points += s.size;
    dropped = _dropped;
  }
  w.family("streamdown_history_series", metric_type::gauge, "series kept by GET /v1/history");
  w.sample(static_cast<double>(series));
  w.family("streamdown_history_points", metric_type::gauge, "points held by those series (bounded by capacity)");
  w.sample(static_cast<double>(points));
  w.family("streamdown_history_series_dropped_total", metric_type::counter,
           "readings of new series dropped because the series limit was reached");
  w.sample(static_cast<double>(dropped));
}

void history_recorder::start() {
  if (_thread.joinable()) return;
  _thread = std::thread([this] { loop(); });
}

void history_recorder::stop() {
  {
    std::lock_guard lk(_mu);
    _stop = true;
  }
  _cv.notify_all();
  if (_thread.joinable()) _thread.join();
}

void history_recorder::loop() {
  const auto interval = _store.config().interval;
  auto next = std::chrono::steady_clock::now();
  for (;;) {
    {
      std::unique_lock lk(_mu);
      if (_cv.wait_until(lk, next, [this] { return _stop; })) return;
    }
    _store.record(wall_ms_now(), _gather());
    next += interval;
    const auto now = std::chrono::steady_clock::now();
    if (next < now) next = now + interval;  // fell behind (a slow gather): skip rather than burst
  }
}

}  // namespace sd::app
