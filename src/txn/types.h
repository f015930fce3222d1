#pragma once
// The transaction coordinator's model (Kafka's KIP-98 TransactionMetadata): one entry per transactional id.
//
// States and the transitions the coordinator makes (coordinator.h):
//   Empty --AddPartitions/AddOffsets--> Ongoing --EndTxn(commit)--> PrepareCommit --markers, offsets--> CompleteCommit
//                                               --EndTxn(abort), timeout, InitProducerId--> PrepareAbort --markers--> CompleteAbort
//   Complete* --AddPartitions/AddOffsets--> Ongoing (the next transaction); Complete*/Empty --InitProducerId--> Empty (epoch + 1)
// PrepareCommit/PrepareAbort are durable decisions: once written, the transaction ends that way, after a
// crash too (recovery finishes writing its markers and offsets).

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "group/types.h"

namespace sd::txn {

enum class txn_state : std::uint8_t {
  empty = 0,
  ongoing = 1,
  prepare_commit = 2,
  prepare_abort = 3,
  complete_commit = 4,
  complete_abort = 5,
};

/// Kafka's names (DescribeTransactions, ListTransactions filters): "Empty", "Ongoing", "PrepareCommit", ...
std::string_view state_name(txn_state s);
std::optional<txn_state> parse_state_name(std::string_view name);

using topic_partition = group::topic_partition;

struct txn_metadata {
  std::string id;
  std::int64_t producer_id = -1;
  std::int16_t producer_epoch = 0;
  std::int32_t timeout_ms = 60000;
  txn_state state = txn_state::empty;
  std::set<topic_partition> partitions;  // partitions written in the current (or last) transaction
  std::set<std::string> groups;          // groups whose offsets the transaction commits (AddOffsetsToTxn)
  /// TxnOffsetCommit's offsets, per group, stored in the groups only when the transaction commits.
  std::map<std::string, std::map<topic_partition, group::committed_offset>> offsets;
  std::int64_t start_ms = -1;       // wall clock the current transaction began (-1: none)
  std::int64_t last_update_ms = 0;  // wall clock of the last change
  bool operator==(const txn_metadata&) const = default;
};

struct txn_config {
  std::int32_t max_timeout_ms = 900000;                 // transaction.max.timeout.ms
  std::int64_t id_expiration_ms = 604800000;            // transactional.id.expiration.ms
  std::int32_t abort_check_interval_ms = 10000;         // ...abort.timed.out.transaction.cleanup.interval.ms
  std::int64_t log_segment_bytes = 16LL << 20;          // the transaction log (compacted as the offsets log)
  /// Test facility (STREAMDOWN_FAULT_TXN_KILL_AT): the process exits at once, as under kill -9, when a
  /// transaction's completion reaches this point: "prepared" (the decision is durable, no marker written)
  /// or "marked" (markers durable, offsets and the final record not written). Empty: never.
  std::string fault_kill_at;
};

}  // namespace sd::txn
