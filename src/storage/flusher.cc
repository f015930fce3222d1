#include "storage/flusher.h"

#include <algorithm>
#include <chrono>
#include <limits>

#include "base/thread_name.h"
#include "base/clock.h"
#include "storage/errc.h"
#include "storage/partition_log.h"
#include "storage/sync_pool.h"

namespace sd::storage {


flusher::flusher(std::chrono::microseconds max_gather)
    : _max_gather(max_gather), _pool(std::make_unique<sync_pool>(sync_threads)), _thread([this] { run(); }) {}

flusher::~flusher() { stop(); }

void flusher::request(partition_log& log, offset end, callback cb) { request(log.sync(), end, std::move(cb)); }

void flusher::request(std::shared_ptr<sync_state> state, offset end, callback cb) {
  bool wake = false;
  {
    std::unique_lock lk(_mu);
    if (_stop) {
      lk.unlock();
      cb(errc::log_closed);
      return;
    }
    _pending.push_back({std::move(state), end, std::move(cb)});
    wake = _pending.size() >= _wake_at;
  }
  if (wake) _cv.notify_one();
}

void flusher::request_background(std::shared_ptr<sync_state> state) {
  {
    std::lock_guard lk(_mu);
    _background.push_back(std::move(state));
  }
  _cv.notify_one();
}

namespace {

/// The state's next background deadline (steady ms), or max when it has none.
std::int64_t first_deadline(const sync_state& s) {
  std::int64_t first = std::numeric_limits<std::int64_t>::max();
  if (std::int64_t i = s.flush_interval_ms.load(); i > 0) first = std::min(first, s.last_sync_steady_ms() + i);
  if (std::int64_t i = s.recovery_point_interval_ms.load(); i > 0)
    first = std::min(first, s.last_recovery_point_steady_ms() + i);
  return first;
}

}  // namespace

void flusher::watch(std::shared_ptr<sync_state> state) {
  // The new state's first deadline is an interval after its creation: the flusher need only wake then, not
  // walk every watched partition now (opening 50,000 partitions would otherwise cost 50,000 walks).
  const std::int64_t first = first_deadline(*state);
  bool earlier = false;
  {
    std::lock_guard lk(_mu);
    _watched.push_back(std::move(state));
    if (first < _next_walk_ms) {
      _next_walk_ms = first;
      earlier = true;
    }
  }
  if (earlier) _cv.notify_one();
}

void flusher::reschedule(const sync_state& state) {
  const std::int64_t first = first_deadline(state);
  bool earlier = false;
  {
    std::lock_guard lk(_mu);
    if (first < _next_walk_ms) {
      _next_walk_ms = first;
      earlier = true;
    }
  }
  if (earlier) _cv.notify_one();
}

void flusher::unwatch(const sync_state* state) {
  // O(1): the state is closed (partition_log::close / mark_removed) and the next walk drops every closed
  // state in one pass; removing it here would make closing N partitions O(N^2).
  (void)state;
  bool first = false;
  {
    std::lock_guard lk(_mu);
    first = !_drop_closed;
    _drop_closed = true;
    _next_walk_ms = 0;
  }
  if (first) _cv.notify_one();  // also when nothing has a deadline: the closed state's files go now
}

void flusher::wake() {
  {
    std::lock_guard lk(_mu);
    _next_walk_ms = 0;  // intervals may have shrunk
  }
  _cv.notify_one();
}

void flusher::stop() {
  {
    std::lock_guard lk(_mu);
    if (_stop && !_thread.joinable()) return;
    _stop = true;
  }
  _cv.notify_one();
  if (_thread.joinable()) _thread.join();
}

std::uint64_t flusher::rounds_total() const {
  std::lock_guard lk(_mu);
  return _rounds;
}

flusher_counts flusher::counts() const {
  std::lock_guard lk(_mu);
  return {_rounds, _gathers};
}

void flusher::run() {
  set_thread_name("sd-flusher");
  std::unique_lock lk(_mu);
  for (;;) {
    // Next background deadline among watched partitions. The walk is O(watched), so it runs only when the
    // earliest deadline it found last time has come (deadlines only move later as partitions sync), or after
    // watch()/wake() reset it; a round of acks=all requests in between does not walk them. Each walk also
    // takes every deadline within a quarter interval of now (early, never late), so partitions whose
    // deadlines are scattered (opened or written at different moments) are served together: at most about
    // four walks per interval however many partitions there are, instead of one per partition.
    std::int64_t now = steady_ms_now();
    std::int64_t next_due = -1;
    _due.clear();
    if (now >= _next_walk_ms) {
      if (_drop_closed) {
        std::erase_if(_watched, [](const auto& s) { return s->closed(); });
        _drop_closed = false;
      }
      for (const auto& s : _watched) {
        // Two clocks: the flush interval counts from the last sync of any kind; the recovery point's from its
        // last persist (acks=all syncs keep a busy partition's data synced, not its recovery point).
        bool due = false;
        if (std::int64_t interval = s->flush_interval_ms.load(); interval > 0) {
          std::int64_t at = s->last_sync_steady_ms() + interval;
          if (at <= now + interval / 4) {
            due = s->needs_sync();
            at = now + interval;
          }
          if (next_due < 0 || at < next_due) next_due = at;
        }
        if (std::int64_t interval = s->recovery_point_interval_ms.load(); interval > 0) {
          std::int64_t at = s->last_recovery_point_steady_ms() + interval;
          if (at <= now + interval / 4) {
            if (s->recovery_point_stale()) {
              s->request_recovery_point();
              due = true;
              at = now + interval;
            } else {
              // Idle: look again in half an interval (a write right after this check is persisted within
              // interval/2; a busy partition every interval), and not on every round in between.
              s->recovery_point_checked(now, interval);
              at = now + interval / 2;
            }
          }
          if (next_due < 0 || at < next_due) next_due = at;
        }
        if (due) _due.push_back(s);
      }
      _next_walk_ms = next_due < 0 ? std::numeric_limits<std::int64_t>::max() : next_due;
    }
    if (_next_walk_ms != std::numeric_limits<std::int64_t>::max()) next_due = _next_walk_ms;
    if (_pending.empty() && _background.empty() && _due.empty()) {
      if (_stop) return;
      _wake_at = 1;
      if (next_due < 0) {
        _cv.wait(lk);
      } else {
        _cv.wait_for(lk, std::chrono::milliseconds(std::max<std::int64_t>(1, next_due - now)));
      }
      continue;
    }
    if (_gather_skip > 0) {
      --_gather_skip;
    } else if (!_pending.empty() && _pending.size() < _expected && !_stop) {
      auto gather = std::min<std::chrono::nanoseconds>(_last_sync_duration, _max_gather);
      ++_gathers;
      _wake_at = _expected;
      bool reached = _cv.wait_for(lk, gather, [&] { return _stop || _pending.size() >= _expected; });
      if (reached) {
        _gather_timeouts = 0;
        _gather_backoff = 16;
      } else if (++_gather_timeouts >= 2) {
        _gather_skip = _gather_backoff;
        _gather_backoff = std::min<std::uint32_t>(_gather_backoff * 2, 1024);
        _gather_timeouts = 0;
      }
    }
    _wake_at = std::numeric_limits<std::size_t>::max();
    _batch.swap(_pending);  // _batch was cleared after the last round; both keep their capacity
    for (auto& s : _background) _due.push_back(std::move(s));
    _background.clear();
    ++_rounds;
    lk.unlock();
    round();
    lk.lock();
  }
}

void flusher::round() {
  _states.clear();
  for (const auto& w : _batch) _states.push_back(w.state.get());
  for (const auto& s : _due) _states.push_back(s.get());
  std::sort(_states.begin(), _states.end());
  _states.erase(std::unique(_states.begin(), _states.end()), _states.end());
  auto started = std::chrono::steady_clock::now();
  // Several partitions: one syncfs for all of them when little else is dirty (storage/filesystem_sync.h).
  // Otherwise start every file's writeback first so the data writes overlap, then sync them in parallel
  // (sync_pool; concurrent fdatasyncs share the filesystem journal's commit). A failure is sticky in its
  // state; the waiters below read it there.
  _fs_sync.set_limit(_fs_sync_limit.load(std::memory_order_relaxed));
  if (!_fs_sync.try_sync(_states)) {
    if (_states.size() > 1)
      for (auto* s : _states) s->start_writeback();
    _pool->sync_all(_states);
  }
  if (!_batch.empty()) {
    _last_sync_duration = std::chrono::steady_clock::now() - started;
    // Requests that arrived during the sync are not from this round's waiters (they are blocked until
    // their callback runs), so together they estimate how many appenders are active.
    std::size_t arrived = 0;
    {
      std::lock_guard lk(_mu);
      arrived = _pending.size();
    }
    _expected = _batch.size() + arrived;
  }
  for (auto& w : _batch) {
    status result;
    if (w.state->flushed() >= w.end) {
      result = ok();
    } else if (w.state->failed()) {
      result = errc::io_error;
    } else if (w.state->closed()) {
      result = errc::log_closed;
    } else {
      result = errc::offset_out_of_range;  // end > written when the round snapshot was taken
    }
    w.cb(result);
  }
  _batch.clear();
  _due.clear();
}

}  // namespace sd::storage
