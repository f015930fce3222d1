#pragma once
// The log cleaner's algorithm (Kafka's, on streamdown's storage): one pass over one partition.
//
//   1. assess(): from a cleaning_view (storage/cleaning.h) and the partition's config, how dirty the log is
//      and whether a pass is due (dirty ratio >= min.cleanable.dirty.ratio, or the oldest dirty record older
//      than max.compaction.lag.ms). Only sealed segments below the clean limit count: never the active
//      segment, never past the last stable offset (open transactions), never records younger than
//      min.compaction.lag.ms.
//   2. clean(): builds the offset map from the dirty records (from the cleaner checkpoint on), stopping early
//      when the map is full; then rewrites every segment below the map's end, grouped into segments of at
//      most segment.bytes, keeping for each key only its latest record. Each output segment is written to
//      <base>.cleaning.tmp and synced; the caller installs them in order (partition_log::install_cleaned).
//
// What a pass keeps (offsets never change; gaps are fine):
//   - every record at or past the map's end (not yet de-duplicated), and control batches (transaction markers);
//   - a keyed record unless the map holds a later offset for its key;
//   - a tombstone (null value) until delete.retention.ms after the first pass that cleaned it
//     (facts.tombstone_horizon), so a consumer reading the log from its start within that time sees it;
//   - not records without a key (a compacted topic refuses them; older data may hold some), nor batches of
//     aborted transactions, nor batches wholly below the log start;
//   - the last batch of each idempotent producer, emptied if none of its records stays (also when it is
//     aborted data), so that producer state rebuilt from the log still knows the producer's last sequence.
// Only durable data is cleaned: the caller syncs the log up to the clean limit first (a dropped older value
// must never depend on a newer one a power loss could still take away).
// Batches whose records all stay are copied byte for byte; others are rebuilt with the same header fields
// (protocol::rebuild_batch) and compressed with the same codec.
//
// Threads: clean() runs on a cleaner thread and only reads the snapshot's sealed segment files and writes
// its own .tmp files. It is bounded in memory by the offset map plus one batch.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <vector>

#include "base/result.h"
#include "compaction/offset_map.h"
#include "io/filesystem.h"
#include "storage/cleaning.h"
#include "storage/log_config.h"
#include "storage/partition_log.h"

namespace sd::compaction {

/// The parts of a partition's state the pass needs, snapshotted on the owner thread with the view.
struct partition_facts {
  std::int64_t last_stable = 0;  // the first offset of an open transaction, or the log end
  struct aborted_range {
    std::int64_t producer_id;
    std::int64_t first_offset;
    std::int64_t last_offset;
  };
  std::vector<aborted_range> aborted;                       // aborted transactions' data ranges
  std::map<std::int64_t, std::int64_t> last_batch_of_producer;  // producer id -> base offset of its last batch
  /// Tombstones below this offset may go (partition_log::tombstone_horizon(now - delete.retention.ms): they
  /// were cleaned at least delete.retention.ms ago). -1: ask the log (clean_synchronously).
  std::int64_t tombstone_horizon = -1;
};

struct assessment {
  offset clean_limit;     // segments ending at or before this may be cleaned
  std::uint64_t clean_bytes = 0;   // sealed bytes below the checkpoint (already cleaned)
  std::uint64_t dirty_bytes = 0;   // sealed bytes past the checkpoint, below the clean limit
  double dirty_ratio = 0;          // dirty / (clean + dirty); 0 when nothing is cleanable
  bool overdue = false;            // the oldest dirty segment is past max.compaction.lag.ms
  bool due = false;                // a pass should run now
};
assessment assess(const storage::cleaning_view& view, const storage::log_config& cfg, const partition_facts& facts,
                  std::int64_t now_ms);

/// Paces the cleaner's reads and writes to at most `bytes_per_second` (shared by the cleaner threads).
class io_throttle {
 public:
  explicit io_throttle(double bytes_per_second) : _rate(bytes_per_second) {}
  /// Accounts n bytes and sleeps as long as needed to stay under the rate. Any thread.
  void charge(std::uint64_t n);
  void set_rate(double bytes_per_second) { _rate.store(bytes_per_second); }

 private:
  std::atomic<double> _rate;
  std::mutex _mu;
  double _debt_s = 0;                    // seconds of I/O owed, guarded by _mu
  std::int64_t _last_ns = 0;
};

struct pass_stats {
  std::uint64_t bytes_read = 0;
  std::uint64_t bytes_written = 0;
  std::uint64_t records_read = 0;
  std::uint64_t records_removed = 0;
  std::uint64_t map_keys = 0;
  bool map_full = false;  // the pass stopped early: another pass follows
};

struct pass_output {
  std::vector<storage::cleaned_segment> segments;  // install in this order
  offset map_end;                         // the new cleaner checkpoint once all are installed
  pass_stats stats;
};

/// One pass; `map` is cleared first. errc-style errors are I/O errors reading the snapshot or writing the
/// .tmp files (the log is untouched). An empty `segments` means there was nothing to do.
result<pass_output> clean(io::filesystem& fs, const storage::cleaning_view& view, const storage::log_config& cfg,
                          const partition_facts& facts, const assessment& plan, offset_map& map,
                          io_throttle* throttle = nullptr);

/// Runs passes on `log` on the calling (owner) thread until none is due (flushing first, installing each
/// pass's segments, recording each pass for the tombstone horizon); returns the passes installed. For logs without a cleaner thread (tests, tools). `facts.last_stable` of 0
/// means the log end (no open transaction).
result<int> clean_synchronously(storage::partition_log& log, io::filesystem& fs, offset_map& map, std::int64_t now_ms,
                                partition_facts facts = {});

}  // namespace sd::compaction
