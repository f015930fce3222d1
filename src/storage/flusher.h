#pragma once
// flusher: group commit on its own thread. Callers ask "tell me when every record below `end` is durable";
// each round takes every request waiting at that moment, runs ONE sync_state::sync() per partition involved
// (snapshot written, fdatasync, publish flushed; several partitions in parallel on a sync_pool, or all of
// them with one syncfs when little else is dirty: storage/filesystem_sync.h), then
// completes every request whose end <= flushed.
// Requests that arrive during a sync wait for the next round, so one fdatasync covers all of them.
//
// It also runs the background flush policy: a watched partition whose flush_interval_ms elapsed since its
// last sync and that has unsynced data is synced (log_config::flush_interval_ms); partition_log asks for a
// background round after flush_interval_messages records (request_background).
//
// Gathering: one fdatasync costs about the same for 1 or 16 batches, so a round gathers for the appenders
// seen around the previous round: expected = that round's waiters + the requests that arrived during its
// sync (those cannot be the same appenders: a waiter is blocked until its callback runs). When a round
// starts with fewer pending requests than expected (the others are still writing their next batch), the
// flusher waits for them, at most the previous sync's duration (waiting longer costs more than the extra
// fdatasync it saves) and never more than max_gather. A lone appender never waits (expected is 1).
// Cost and back-off: when requests arrive independently of completions (many clients, steady rate) the
// estimate can exceed what comes, and such a round waits the whole bound: up to one sync duration more
// latency for nothing. So gathering backs off: after two gathers in a row that time out short of their
// target, the flusher stops gathering for 16 rounds, doubling up to 1024 rounds while the timeouts go on;
// a gather that reaches its target resets the back-off. Closed-loop appenders (each waits for its own
// batch) keep gathering; open-loop traffic pays the wait in well under 1% of rounds.
// request() wakes the flusher thread only when that wait can end (or it is idle), not on every request,
// and the thread allocates nothing per round once its vectors have grown.
//
// Callbacks run on the flusher thread and must be quick and must not throw (the broker posts the result to
// its event loop). They receive ok(), errc::io_error (sync failed; sticky), errc::log_closed (the log was
// closed before its data was durable), or errc::offset_out_of_range (end was past the written end).
// Thread-safe: any thread may call request*, watch and unwatch. After stop(), request() completes at once,
// on the caller's thread, with errc::log_closed.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "base/ids.h"
#include "base/result.h"
#include "storage/filesystem_sync.h"
#include "storage/sync_state.h"

namespace sd::storage {

class partition_log;
class sync_pool;

/// The flusher's counters (storage_probe::collect writes them as metrics).
struct flusher_counts {
  std::uint64_t rounds = 0;   // group-commit rounds
  std::uint64_t gathers = 0;  // rounds that waited to gather before syncing
};

class flusher {
 public:
  using callback = std::function<void(status)>;
  /// Threads (besides the flusher's own) that sync the partitions of one round in parallel.
  static constexpr std::size_t sync_threads = 3;

  explicit flusher(std::chrono::microseconds max_gather = std::chrono::microseconds(2000));
  ~flusher();  // stop()
  flusher(const flusher&) = delete;
  flusher& operator=(const flusher&) = delete;

  /// Calls cb once every record of `log` with offset < end is durable (or on failure). `end` is usually
  /// append_info::next_offset. Call from the log's owning thread (it reads the log's sync_state pointer).
  void request(partition_log& log, offset end, callback cb);
  void request(std::shared_ptr<sync_state> state, offset end, callback cb);
  /// A sync without a waiter (flush policy).
  void request_background(std::shared_ptr<sync_state> state);

  /// Background flush by time for this partition (reads state->flush_interval_ms on every round).
  void watch(std::shared_ptr<sync_state> state);
  /// `state` must be closed already (sync_state::close): the next walk drops every closed state at once.
  void unwatch(const sync_state* state);
  /// Re-reads the flush intervals of every watched state (after a config change).
  void wake();
  /// One watched state's intervals changed: wakes the thread only if its deadline is now the earliest.
  void reschedule(const sync_state& state);

  /// Completes every pending request (syncing first), then stops the thread. Idempotent.
  void stop();

  std::uint64_t rounds_total() const;
  flusher_counts counts() const;

  /// The most dirty page cache (bytes, system-wide) under which a round of several partitions syncs them
  /// with one syncfs (storage/filesystem_sync.h); -1: always one fdatasync per file. Any thread.
  void set_filesystem_sync_limit(std::int64_t bytes) { _fs_sync_limit.store(bytes, std::memory_order_relaxed); }

 private:
  struct waiter {
    std::shared_ptr<sync_state> state;
    offset end;
    callback cb;
  };
  void run();
  void round();

  mutable std::mutex _mu;
  std::condition_variable _cv;
  std::vector<waiter> _pending;
  std::vector<std::shared_ptr<sync_state>> _background;
  std::vector<std::shared_ptr<sync_state>> _watched;
  bool _stop = false;
  std::uint64_t _rounds = 0;
  std::uint64_t _gathers = 0;
  // request() wakes the flusher thread only once _pending.size() reaches _wake_at: 1 while the thread
  // sleeps with nothing to do, the gather target while it gathers, SIZE_MAX while it runs a round (it
  // looks at _pending when the round ends, so a notify would only cost a futex call and a context switch).
  std::size_t _wake_at = 1;
  bool _drop_closed = false;       // unwatch() ran: the next walk removes closed states
  std::int64_t _next_walk_ms = 0;  // steady ms: the earliest background deadline the last walk found
  const std::chrono::microseconds _max_gather;

  // Flusher thread only.
  std::size_t _expected = 0;  // waiters the next round gathers for (see the header comment)
  std::chrono::nanoseconds _last_sync_duration{0};
  int _gather_timeouts = 0;             // consecutive gathers that ended short of their target
  std::uint32_t _gather_skip = 0;       // rounds left without gathering
  std::uint32_t _gather_backoff = 16;   // the next skip length (16 .. 1024)
  std::vector<waiter> _batch;  // kept between rounds with _pending: no allocation per round
  std::vector<std::shared_ptr<sync_state>> _due;
  std::vector<sync_state*> _states;
  std::atomic<std::int64_t> _fs_sync_limit{filesystem_sync::default_limit_bytes};
  filesystem_sync _fs_sync;  // flusher thread; its limit is copied from _fs_sync_limit each round
  std::unique_ptr<sync_pool> _pool;  // syncs the partitions of a round in parallel; before _thread (init order)
  std::thread _thread;
};

}  // namespace sd::storage
