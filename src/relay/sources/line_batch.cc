#include "relay/sources/line_batch.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <variant>

#include "base/log_limiter.h"
#include "record_json/record_json.h"
#include "spool/errc.h"
#include "spool/format.h"

namespace sd::relay::line_batch {

namespace {
constexpr auto space_recheck_interval = std::chrono::milliseconds(250);
constexpr auto error_retry_interval = std::chrono::seconds(1);
constexpr auto too_large_retry_interval = std::chrono::seconds(30);
}  // namespace

split_result split_lines(std::string_view data, std::size_t max_line_bytes, std::size_t max_lines,
                         std::size_t max_bytes, bool at_eof, std::size_t line_overhead) {
  split_result out;
  std::size_t pos = 0;
  while (pos < data.size() && out.lines.size() < max_lines && (out.lines.empty() || out.bytes < max_bytes)) {
    const std::size_t window = std::min(data.size() - pos, max_line_bytes + 1);
    const void* nl = std::memchr(data.data() + pos, '\n', window);
    line_piece piece;
    std::size_t advance = 0;
    if (nl != nullptr) {
      piece = {pos, static_cast<std::size_t>(static_cast<const char*>(nl) - (data.data() + pos))};
      advance = piece.size + 1;
    } else if (window > max_line_bytes) {  // max_line_bytes + 1 bytes and no newline: cut
      piece = {pos, max_line_bytes};
      advance = max_line_bytes;
    } else if (at_eof) {  // the last line of the input, without its newline
      piece = {pos, data.size() - pos};
      advance = piece.size;
    } else {
      break;  // a partial line: wait for its newline (or for max_line_bytes + 1 bytes)
    }
    if (!out.lines.empty() && out.bytes + piece.size + line_overhead > max_bytes) break;
    out.lines.push_back(piece);
    out.bytes += piece.size + line_overhead;
    pos += advance;
    out.consumed = pos;
  }
  return out;
}

std::size_t record_cost(const spool::record& r) {
  return spool::format::frame_bytes(r);
}

std::size_t line_overhead_for(const std::string& topic) {
  spool::record r;
  r.topic = topic;
  r.value = std::string();
  return record_cost(r);
}

line_decoder::line_decoder(const source_config& cfg, source_stats& stats)
    : _json(cfg.format == "json"), _topic(cfg.topic), _source_name(cfg.name), _stats(stats) {}

std::optional<spool::record> line_decoder::decode(std::string_view line) {
  spool::record r;
  r.topic = _topic;
  if (!_json) {
    r.value = std::string(line);
    return r;
  }
  if (line.find_first_not_of(" \t\r") == std::string_view::npos) return std::nullopt;
  auto item = record_json::parse_record_text(line);
  if (auto* err = std::get_if<record_json::item_error>(&item)) {
    _stats.rejected_total.fetch_add(1, std::memory_order_relaxed);
    static log_limiter limiter;
    if (auto skipped = limiter.admit())
      spdlog::warn("relay source {}: a line is not a JSON record ({}); skipped ({} more not logged)",
                   _source_name, err->message, *skipped);
    return std::nullopt;
  }
  auto& j = std::get<record_json::record>(item);
  r.key = std::move(j.key);
  r.value = std::move(j.value);
  r.headers = std::move(j.headers);
  r.partition = j.partition;
  r.timestamp_ms = j.timestamp_ms.value_or(0);
  return r;
}

batch_caps caps_for(const spool::spool& s) {
  batch_caps c;
  const auto max = s.get_stats().max_bytes;
  if (max > 0) c.max_bytes = std::clamp<std::size_t>(max / 4, 1, c.max_bytes);
  return c;
}

// Shared between the appender and the spool's callbacks (which may fire after the appender is gone).
struct batch_appender::waiter {
  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;
  std::uint64_t space_events = 0;             // notify_on_space fired this many times
  std::optional<result<std::uint64_t>> done;  // the outcome of the append in flight
};

batch_appender::batch_appender(spool::spool& s, source_stats& stats, std::string source_name)
    : _spool(s), _stats(stats), _source_name(std::move(source_name)), _w(std::make_shared<waiter>()) {}

batch_appender::~batch_appender() = default;

void batch_appender::stop() {
  std::lock_guard lk(_w->mu);
  _w->stop = true;
  _w->cv.notify_all();
}

bool batch_appender::stopping() const {
  std::lock_guard lk(_w->mu);
  return _w->stop;
}

batch_appender::outcome batch_appender::append(std::vector<spool::record>& batch) {
  std::uint64_t cost = 0, payload = 0;
  for (const auto& r : batch) {
    cost += record_cost(r);
    payload += (r.key ? r.key->size() : 0) + (r.value ? r.value->size() : 0);
  }
  bool in_backpressure = false;
  _stats.in_flight.store(static_cast<std::int64_t>(batch.size()), std::memory_order_relaxed);
  for (;;) {
    std::uint64_t space_seen = 0;
    {
      std::lock_guard lk(_w->mu);
      _w->done.reset();
      space_seen = _w->space_events;
    }
    // The spool moves the records in; keep a copy to retry with when it refuses (full, errors).
    std::vector<spool::record> attempt = batch;
    _spool.append(std::move(attempt), [w = _w](result<std::uint64_t> r) {
      std::lock_guard lk(w->mu);
      w->done = std::move(r);
      w->cv.notify_all();
    });
    result<std::uint64_t> r = std::uint64_t{0};
    {
      std::unique_lock lk(_w->mu);
      _w->cv.wait(lk, [&] { return _w->done.has_value(); });  // an append handed over is always waited for
      r = std::move(*_w->done);
      _w->done.reset();
    }
    if (r) {
      _stats.appended_total.fetch_add(batch.size(), std::memory_order_relaxed);
      _stats.bytes_total.fetch_add(payload, std::memory_order_relaxed);
      _stats.in_flight.store(0, std::memory_order_relaxed);
      batch.clear();
      return outcome::appended;
    }
    std::chrono::milliseconds pause{};
    std::function<bool()> resume;  // called under the waiter's lock
    if (r.error() == spool::errc::full) {
      if (!in_backpressure) _stats.backpressure_total.fetch_add(1, std::memory_order_relaxed);
      in_backpressure = true;
      _spool.notify_on_space([w = _w] {
        std::lock_guard lk(w->mu);
        ++w->space_events;
        w->cv.notify_all();
      });
      pause = space_recheck_interval;
      resume = [&] { return _w->space_events != space_seen; };
    } else {
      _stats.errors_total.fetch_add(1, std::memory_order_relaxed);
      const bool too_large = r.error() == spool::errc::record_too_large;
      static log_limiter limiter;
      if (auto skipped = limiter.admit())
        spdlog::error(
            "relay source {}: spool append of {} records failed: {}; retrying{} ({} more not logged)",
            _source_name, batch.size(), r.error().message(),
            too_large ? " (a line larger than the spool can hold stalls the source: lower max_line_bytes)"
                      : "",
            *skipped);
      pause = too_large ? std::chrono::milliseconds(too_large_retry_interval)
                        : std::chrono::milliseconds(error_retry_interval);
      resume = [] { return false; };
    }
    // Wait for space (or the pause), then retry; a has_space check covers a notification that raced with the
    // refusal. stop() ends the wait: the batch is not in the spool and the caller must not acknowledge it.
    for (;;) {
      {
        std::unique_lock lk(_w->mu);
        _w->cv.wait_for(lk, pause, [&] { return _w->stop || resume(); });
        if (_w->stop) {
          _stats.in_flight.store(0, std::memory_order_relaxed);
          return outcome::stopped;
        }
        if (resume()) break;
      }
      if (r.error() != spool::errc::full || _spool.has_space(cost)) break;
      if (_wait_hook) _wait_hook();
    }
  }
}

}  // namespace sd::relay::line_batch
