#pragma once
// log_config: per-partition settings, named after Kafka's topic configs (segment.bytes, segment.ms,
// retention.bytes, retention.ms, index.interval.bytes, max.message.bytes, flush.messages, flush.ms,
// cleanup.policy, min.cleanable.dirty.ratio, min/max.compaction.lag.ms, delete.retention.ms).
// Not stored on disk: the owner (broker) passes it at create time and after start-up via update_config.

#include <cstdint>
#include <limits>

#include "base/result.h"

namespace sd::storage {

struct log_config {
  std::int64_t segment_bytes = 1LL << 30;                // roll when the active segment would exceed this
  std::int64_t segment_ms = 7LL * 24 * 3600 * 1000;      // roll when the active segment is older than this
  std::int64_t retention_bytes = -1;                     // -1 = no size limit
  std::int64_t retention_ms = 7LL * 24 * 3600 * 1000;    // -1 = no time limit
  std::int64_t index_interval_bytes = 4096;              // bytes of log between sparse index entries
  std::int64_t max_batch_bytes = 1048588;                // largest accepted batch (Kafka message.max.bytes)
  std::int64_t flush_interval_messages = -1;             // background flush after N records; -1 = never
  std::int64_t flush_interval_ms = -1;                   // background flush every M ms; -1 = never
  // Sync if needed and persist the recovery point this often (storage/recovery_point.h): bounds what an
  // unclean start scans to about this much of writes. -1 = never (an unclean start scans everything).
  std::int64_t recovery_point_interval_ms = 1000;
  std::int64_t cache_window_bytes = -1;                  // page_cache_window: tail kept cached; -1 = kernel decides
  // cleanup.policy: `delete` (retention removes old segments), `compact` (the log cleaner keeps the latest
  // record per key), or both. Retention runs only with delete_by_retention.
  bool delete_by_retention = true;
  bool compact = false;
  double min_cleanable_dirty_ratio = 0.5;                // clean once dirty bytes / cleanable bytes reach this
  std::int64_t min_compaction_lag_ms = 0;                // records younger than this are never cleaned
  std::int64_t max_compaction_lag_ms = std::numeric_limits<std::int64_t>::max();  // records older than this are cleaned whatever the ratio
  std::int64_t delete_retention_ms = 86400000;           // tombstones outlive their batch timestamp by this

  /// The age at which the active segment rolls: segment_ms, shortened on a compacted log to
  /// max_compaction_lag_ms so that old records leave the (never cleaned) active segment in time.
  std::int64_t effective_roll_ms() const {
    return compact && max_compaction_lag_ms < segment_ms ? max_compaction_lag_ms : segment_ms;
  }

  /// errc::invalid_config when a value is out of range.
  status validate() const;
};

}  // namespace sd::storage
