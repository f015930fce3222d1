#pragma once
// Rebuilding a partition's producer state at start-up, and keeping its snapshots in step with the log.
//
// recover(): picks the newest snapshot whose covered end is <= the log's next offset (newer ones describe
// batches a crash took from the log tail: they are removed; damaged ones too), loads it, then replays the
// header of every batch from the snapshot's covered end (or the log start) to the log end. With no usable
// snapshot the whole stored log is replayed. Replayed producers get last_update_ms = now_ms, so a restart
// never expires a producer earlier than its last append would. If anything was replayed, a fresh snapshot
// at the log end is written (the log is durable to its end after open()), so the next start is quick.
//
// attach(): recover(), then installs the log's checkpoint hook: a snapshot at every segment roll and at
// close(). A snapshot that fails to write is logged and skipped (recovery falls back to an older one).
// The table is shared with the hook (the log may outlive the broker's partition object).

#include <cstdint>
#include <memory>
#include <optional>

#include "base/ids.h"
#include "base/result.h"
#include "producer/producer_state.h"
#include "storage/partition_log.h"

namespace sd::producer {

struct recovery_stats {
  std::optional<offset> snapshot_used;  // covered end of the snapshot loaded, if any
  std::size_t snapshots_discarded = 0;  // beyond the log end or damaged
  std::size_t batches_replayed = 0;     // headers with a producer id replayed from the log
  offset replayed_from;                 // where the header scan started
};

result<recovery_stats> recover(storage::partition_log& log, producer_state_table& table, std::int64_t now_ms);

result<recovery_stats> attach(storage::partition_log& log, std::shared_ptr<producer_state_table> table,
                              std::int64_t now_ms);

/// Writes a snapshot of `table` covering the log below `covered_end` into the log's directory, unless one
/// covering that end exists already (it holds the same state) or there is nothing to remember (an empty log).
status checkpoint(storage::partition_log& log, const producer_state_table& table, offset covered_end,
                  std::int64_t now_ms);

}  // namespace sd::producer
