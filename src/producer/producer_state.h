#pragma once
// producer_state_table: the idempotent-producer state of ONE partition, and the rules that decide whether an
// incoming batch is appended, answered as a duplicate, or refused (Kafka's ProducerStateManager semantics,
// see /work/shared/kafka-protocol/NOTES.md section 2).
//
// For each producer id the table keeps the epoch and the last `max_batches` (5) batches it appended:
// (first seq, last seq, base offset, last offset, timestamp). The check, in this order:
//   1. no producer id (-1) in the batch: append, no state is touched;
//   2. no state for the id (new, or expired): append at any sequence;
//   3. epoch lower than the stored one: errc::invalid_producer_epoch;
//   4. same epoch and (first seq, last seq) equal to one of the cached batches: duplicate; the caller answers
//      success with that batch's ORIGINAL base offset and appends nothing;
//   5. higher epoch: the first sequence must be 0;
//   6. same epoch: the first sequence must be last seq + 1, INT32_MAX wrapping to 0;
//   otherwise errc::out_of_order_sequence. (DUPLICATE_SEQUENCE_NUMBER is never produced.)
//
// Threading: none. The table belongs to its partition's owner shard; check() and record() must run in the
// same step as the append (check, append, record, with no other batch of the partition in between), so two
// in-flight batches of one producer are checked in order.
//
// Bound: an entry whose last append is older than expiration_ms is dropped (lazily by check(), and by
// expire(), which record() calls every sweep interval and the broker calls from its retention timer), unless
// it has a transaction open on this partition (that one waits for its marker). So the table holds at most
// the producers active within the last expiration_ms plus those with open transactions.
//
// Transactions (KIP-98) on this partition: a transactional batch opens the producer's transaction here (its
// first offset is kept in the entry) until the coordinator's marker (record_marker) closes it. The first
// open transaction's first offset is the partition's first unstable offset (the last stable offset is it,
// or the log end when none is open). An ABORT marker adds (producer id, first offset, marker offset) to the
// aborted list that read_committed fetches return; that list is trimmed as the log start moves past it.

#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>
#include <vector>

#include "base/record_batch_header.h"
#include "base/result.h"
#include "producer/errc.h"
#include "producer/probe.h"

namespace sd::producer {

constexpr std::size_t max_batches = 5;  // batches remembered per producer (librdkafka's max in flight)

/// One appended batch of a producer.
struct batch_meta {
  std::int32_t first_seq = 0;
  std::int32_t last_seq = 0;
  std::int64_t base_offset = 0;
  std::int64_t last_offset = 0;
  std::int64_t timestamp = -1;  // the batch's MaxTimestamp
  bool operator==(const batch_meta&) const = default;
};

/// What the table knows about one producer id on this partition.
struct producer_entry {
  std::int64_t producer_id = -1;
  std::int16_t epoch = 0;
  std::int64_t last_update_ms = 0;  // broker wall clock of the last append (expiry counts from here)
  std::deque<batch_meta> batches;   // oldest first; 0..max_batches entries (0 after a marker bumped the epoch)
  std::int64_t txn_first_offset = -1;  // first offset of the transaction open on this partition, -1: none
  bool operator==(const producer_entry&) const = default;
};

/// `seq` advanced by `delta` (>= 0) in Kafka's sequence space: INT32_MAX is followed by 0.
std::int32_t increment_sequence(std::int32_t seq, std::int32_t delta) noexcept;

/// A transaction aborted on this partition: its data lies in [first_offset, last_offset] (the marker's
/// offset), interleaved with other producers' records.
struct aborted_txn {
  std::int64_t producer_id = -1;
  std::int64_t first_offset = 0;
  std::int64_t last_offset = 0;
  bool operator==(const aborted_txn&) const = default;
};

/// What a control batch says (its one record's key: version 0, type 0 ABORT / 1 COMMIT).
enum class marker_kind : std::int16_t { abort = 0, commit = 1 };

enum class verdict {
  append,     // append the batch, then call record()
  duplicate,  // do not append; answer with `original`
};

struct check_result {
  verdict kind = verdict::append;
  batch_meta original;  // verdict::duplicate only: the batch already in the log
};

class producer_state_table {
 public:
  /// `probe` (optional; must outlive the table) counts duplicates, refusals and expiries.
  explicit producer_state_table(std::int64_t expiration_ms, producer_probe* probe = nullptr)
      : _expiration_ms(expiration_ms), _probe(probe) {}

  /// Applies the rules above to a batch header (its BaseOffset is ignored). Drops the producer's entry first
  /// if it has expired at now_ms.
  result<check_result> check(const batch::header& h, std::int64_t now_ms);

  /// Records a batch the log just appended (h.base_offset is the assigned offset). Batches without a
  /// producer id are ignored. Precondition: check() returned verdict::append for it.
  void record(const batch::header& h, std::int64_t now_ms);

  /// Replays a batch read back from the log during recovery: like record(), but unconditional (a lower epoch
  /// than the stored one is ignored). `now_ms` becomes the entry's last update.
  void replay(const batch::header& h, std::int64_t now_ms);

  /// Applies a transaction marker the log just appended at `marker_offset` (also used when replaying one):
  /// closes the producer's open transaction here (ABORT: adds it to the aborted list). A marker carries the
  /// coordinator's current epoch: a higher one than the entry's fences the older epoch (its batches are
  /// forgotten, so the new epoch starts its sequences at 0). A marker for a producer with nothing open is
  /// recorded as its epoch only.
  void record_marker(std::int64_t producer_id, std::int16_t epoch, marker_kind kind, std::int64_t marker_offset,
                     std::int64_t now_ms);
  /// The first offset of the oldest transaction open on this partition (nullopt when none is).
  std::optional<std::int64_t> first_unstable_offset() const;
  /// Number of transactions open on this partition.
  std::size_t open_transactions() const;
  /// Aborted transactions whose records may lie in [from, to): last_offset >= from and first_offset < to.
  std::vector<aborted_txn> aborted_between(std::int64_t from, std::int64_t to) const;
  /// Drops aborted transactions that end below `log_start` (their records are gone).
  void trim_aborted(std::int64_t log_start);
  const std::vector<aborted_txn>& aborted() const { return _aborted; }
  void assign_aborted(std::vector<aborted_txn> a) { _aborted = std::move(a); }

  /// Drops every entry idle for expiration_ms or more; returns how many.
  std::size_t expire(std::int64_t now_ms);

  void set_expiration_ms(std::int64_t ms) { _expiration_ms = ms; }
  std::int64_t expiration_ms() const { return _expiration_ms; }

  std::size_t size() const { return _entries.size(); }
  /// nullptr when the table has no entry for the id.
  const producer_entry* find(std::int64_t producer_id) const;
  /// Every entry, sorted by producer id (snapshots, DescribeProducers).
  std::vector<producer_entry> entries() const;
  /// Replaces the whole table (loading a snapshot).
  void assign(std::vector<producer_entry> entries);

 private:
  bool expired(const producer_entry& e, std::int64_t now_ms) const {
    return e.txn_first_offset < 0 && now_ms - e.last_update_ms >= _expiration_ms;
  }
  void maybe_sweep(std::int64_t now_ms);

  result<check_result> decide(const batch::header& h, std::int64_t now_ms);

  std::int64_t _expiration_ms;
  producer_probe* _probe;
  std::int64_t _last_sweep_ms = 0;
  std::unordered_map<std::int64_t, producer_entry> _entries;
  std::vector<aborted_txn> _aborted;  // in marker-offset order
  std::size_t _open_txns = 0;         // entries with txn_first_offset >= 0
};

}  // namespace sd::producer
