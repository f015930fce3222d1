#pragma once
// storage_probe: the storage module's metrics (streamdown_storage_*). One per log_manager; every partition
// log it opens records its fdatasync calls here (through sync_state, on the flusher thread or the caller of
// flush/close). Recording is relaxed atomics only. Per-partition sizes are published by the broker's owner
// shard (broker/partition_state.h), not here.

#include "metrics/counter.h"
#include "metrics/histogram.h"
#include "metrics/text_writer.h"
#include "storage/file_cache.h"

namespace sd::storage {

struct flusher_counts;  // storage/flusher.h

struct storage_probe {
  /// Duration of each fdatasync of a log file, fsync of a partition directory, or syncfs serving several
  /// partitions at once (storage/filesystem_sync.h).
  metrics::histogram fsync_seconds;
  metrics::counter fsyncs_total;
  metrics::counter fsync_errors_total;
  /// The successful syncfs calls among fsyncs_total.
  metrics::counter filesystem_syncs_total;
  /// Batches trusted at open (storage/recovery_point.h) and CRC-checked on their first read; and those of
  /// them that failed (reported to the reader as corrupt_log, never served).
  metrics::counter read_verified_bytes_total;
  metrics::counter read_corrupt_batches_total;

  /// Writes the module-wide families; `flusher` is the flusher's counters (flusher::counts()), `files` the
  /// log manager's descriptor cache counters.
  void collect(metrics::text_writer& w, const flusher_counts& flusher, const file_cache_stats& files,
               std::uint64_t cache_budget_advised_bytes = 0) const;
};

}  // namespace sd::storage
