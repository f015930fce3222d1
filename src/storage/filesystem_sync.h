#pragma once
// filesystem_sync: makes the partitions of one flusher round durable with ONE syncfs instead of one
// fdatasync per file, when that is cheaper.
//
// Why: on ext4 each fdatasync of appended data commits the journal (the file's size changed). A round over
// four partitions ran four fdatasyncs on four threads (sync_pool) and cost about twice one fdatasync in
// latency and four times in CPU, mostly waking threads and committing. One syncfs writes the same data,
// commits once and flushes the device once, on the flusher's own thread. (Measured with a loop of 1 KiB
// appends to four files: p50 282-289 us and 181-195 us CPU per round on four threads, against 149-155 us
// and 47-51 us with syncfs; one file alone 128-131 us.)
//
// The cost: syncfs writes every dirty page of the filesystem, not only the round's. So a round uses it only
// when the system's dirty page cache (storage/dirty_memory.h, all devices counted) is at most `limit`
// bytes; otherwise (acks=1 partitions writing fast, another process's writes) the round syncs its files one
// by one as before.
//
// Contract of try_sync(states): `states` are sorted by address without duplicates (the flusher's round
// order; begin_sync locks are taken in it). It returns false having done nothing when the round does not
// qualify: limit < 0, a kernel older than 5.8 (its syncfs does not report writeback errors), fewer than two states to sync, states on different or unknown filesystems, or too
// much dirty memory (or unknown). Otherwise it returns true and every state that needed a sync has had one:
// flushed advanced, or (syncfs failed) each state's own fdatasyncs ran to find the failing file, whose
// error is sticky in its state as before. A state's recovery point is persisted if it was requested.
// Flusher thread only.

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "storage/dirty_memory.h"
#include "storage/sync_state.h"

namespace sd::storage {

class filesystem_sync {
 public:
  /// Default bound on dirty memory for a syncfs (streamdown.log.sync.filesystem.dirty.max.bytes).
  static constexpr std::int64_t default_limit_bytes = 16ll << 20;

  explicit filesystem_sync(std::int64_t limit_bytes = default_limit_bytes,
                           std::unique_ptr<dirty_memory> dirty = std::make_unique<dirty_memory>());

  void set_limit(std::int64_t limit_bytes) { _limit = limit_bytes; }
  std::int64_t limit() const { return _limit; }

  bool try_sync(std::span<sync_state* const> states);

  std::uint64_t syncs_total() const { return _syncs; }
  /// Linux >= 5.8: syncfs returns writeback errors. Older kernels' syncfs returns 0 even when data was lost,
  /// so try_sync never uses it there.
  static bool kernel_reports_errors();

 private:
  std::int64_t _limit;
  std::unique_ptr<dirty_memory> _dirty;
  std::uint64_t _syncs = 0;
  std::vector<sync_state*> _todo;                // kept between rounds: no allocation per round
  std::vector<sync_state::snapshot> _snapshots;
};

}  // namespace sd::storage
