#pragma once
// txn::coordinator: the transaction coordinator (Kafka's KIP-98 TransactionCoordinator) of this node. Every
// transactional id lives here, on the group coordinator's shard (storage loop 0): transactional offset commits
// end in the group manager, which lives there too, so no state is shared across threads.
//
// Durable state: <data_dir>/__transaction_state, a log of the offsets log's format and class
// (group/offset_log.h: same recovery, group-commit fdatasync and key compaction by the log cleaner), holding one upsert
// per transactional id (metadata_codec.h). Every state change is written and synced before it is answered.
//
// Requests are coroutines that run on executor() (handlers co_spawn them there and await the result). A
// request that waits (for the log, for markers) marks its transactional id busy; any other request for that
// id meanwhile is answered CONCURRENT_TRANSACTIONS, which clients retry. Ending a transaction:
//   1. EndTxn (or a timeout, or InitProducerId taking over) writes PrepareCommit/PrepareAbort: the decision.
//   2. A marker is written to every partition of the transaction (partition_gateway, acks=all); a commit
//      then stores its TxnOffsetCommit offsets in the groups (durably).
//   3. CompleteCommit/CompleteAbort is appended (not waited for: steps 1-2 are durable); EndTxn is answered.
// A crash after 1 leaves Prepare*: start() finishes it (markers and offsets are idempotent to repeat). A
// crash before 1 leaves Ongoing: the transaction times out and is aborted (or its producer's next
// InitProducerId aborts it). Either way every transaction ends committed or aborted as a whole.
//
// Fencing: InitProducerId bumps the epoch; markers carry it, so each partition refuses the older epoch from
// then on, and the coordinator answers the older epoch PRODUCER_FENCED. A timed-out transaction is aborted
// under a bumped epoch too, so its producer cannot append to it afterwards.

#include <functional>
#include <optional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "group/coordinator.h"
#include "group/offset_log.h"
#include "net/asio.h"
#include "producer/producer_state.h"
#include "storage/flusher.h"
#include "txn/errc.h"
#include "txn/probe.h"
#include "txn/types.h"

namespace sd::txn {

/// Directory name of the transaction log inside the data directory.
inline constexpr const char* transaction_log_dir = "__transaction_state";

/// What the coordinator needs from the partitions (broker/txn_partitions.h implements it).
class partition_gateway {
 public:
  virtual ~partition_gateway() = default;
  virtual bool exists(const topic_partition& tp) const = 0;
  /// On each partition's owner shard: the producer at this epoch may append transactional batches there
  /// until a marker for it is written (partitions that are gone are skipped).
  virtual net::awaitable<void> open(std::vector<topic_partition> tps, std::int64_t producer_id,
                                    std::int16_t epoch) = 0;
  /// Writes a marker to each partition (gone ones skipped) and waits until they are durable; the first
  /// error, or {}.
  virtual net::awaitable<std::error_code> write_markers(std::vector<topic_partition> tps, std::int64_t producer_id,
                                                        std::int16_t epoch, producer::marker_kind kind) = 0;
};

struct init_result {
  std::error_code error;
  std::int64_t producer_id = -1;
  std::int16_t producer_epoch = -1;
};

class coordinator {
 public:
  using id_allocator = std::function<result<std::int64_t>()>;

  /// Opens the transaction log and restores every transactional id. `groups` must outlive this and run on
  /// `ex` (its executor).
  static result<std::unique_ptr<coordinator>> open(const txn_config& cfg, io::filesystem& fs, const std::string& data_dir,
                                                   storage::flusher& flusher, group::coordinator& groups,
                                                   id_allocator allocate_producer_id, bool clean_shutdown);
  ~coordinator();

  net::asio::any_io_executor executor() const { return _ex; }
  /// Starts the timer loop (timeouts, expiry, compaction) and finishes what a crash interrupted. Call once the
  /// shards run; `partitions` must outlive the coordinator's last request.
  void start(partition_gateway& partitions);
  /// Stops the timer and closes the log. Call after the shard threads stopped.
  status close();

  // Requests: each must be run on executor() (co_spawn) and awaited. Arguments are taken by value.

  /// InitProducerId with a transactional id. producer_id/epoch are -1 unless the client asks for a bump
  /// (KIP-360). An open transaction of the id is aborted first (with a bumped epoch, fencing its producer).
  net::awaitable<init_result> init_producer_id(std::string id, std::int32_t timeout_ms, std::int64_t producer_id,
                                               std::int16_t epoch);
  /// AddPartitionsToTxn: the caller has checked that every partition exists and may be written.
  net::awaitable<std::error_code> add_partitions(std::string id, std::int64_t producer_id, std::int16_t epoch,
                                                 std::vector<topic_partition> tps);
  net::awaitable<std::error_code> add_offsets(std::string id, std::int64_t producer_id, std::int16_t epoch,
                                              std::string group_id);
  /// TxnOffsetCommit: checks the transaction, then the membership (group manager), then keeps the offsets
  /// until the transaction ends.
  net::awaitable<std::error_code> txn_offset_commit(std::string id, std::int64_t producer_id, std::int16_t epoch,
                                                    group::commit_request offsets);
  net::awaitable<std::error_code> end_txn(std::string id, std::int64_t producer_id, std::int16_t epoch, bool commit);

  // Reads (call on executor()).
  const txn_metadata* find(const std::string& id) const;
  /// The transaction log, for the log cleaner (owner thread only).
  const std::shared_ptr<storage::partition_log>& log() const { return _log->log(); }
  std::vector<txn_metadata> list() const;
  /// True when an open transaction holds offsets for the group's partition (OffsetFetch require_stable).
  bool has_pending_offsets(const std::string& group_id, const topic_partition& tp) const;

  const txn_probe& probe() const { return _probe; }
  const txn_config& config() const { return _cfg; }

  /// One round of the timer's work now (on executor()); tests call it.
  net::awaitable<void> on_timer();

 private:
  coordinator(const txn_config& cfg, net::asio::any_io_executor ex, group::coordinator& groups, id_allocator alloc)
      : _cfg(cfg), _ex(std::move(ex)), _groups(groups), _allocate(std::move(alloc)) {}

  /// Marks `id` busy for a request's lifetime (released by the destructor).
  class busy_guard;
  /// The checks every request of a producer starts with: the id is known with this producer id
  /// (INVALID_PRODUCER_ID_MAPPING), at this epoch (PRODUCER_FENCED, counted), and not busy or, unless
  /// `while_completing` (EndTxn retries), being completed (CONCURRENT_TRANSACTIONS).
  std::error_code check_request(const std::string& id, std::int64_t producer_id, std::int16_t epoch,
                                bool while_completing);
  /// Writes m's current value and waits until it is durable.
  net::awaitable<std::error_code> persist(const txn_metadata& m);
  net::awaitable<std::error_code> forget(const std::string& id);
  /// Moves an Ongoing transaction to Prepare*, then completes it (steps 1-3 above). `fence` bumps the
  /// epoch in the same write (the markers then fence the producer's older epoch).
  net::awaitable<std::error_code> end_transaction(txn_metadata& m, bool commit, bool fence);
  /// Steps 2-3 for a transaction in Prepare*.
  net::awaitable<std::error_code> complete(txn_metadata& m);
  /// Aborts id's transaction if it is still the Ongoing one that began at started_ms.
  net::awaitable<void> abort_timed_out(std::string id, std::int64_t started_ms);
  /// Appends id's record (nullopt: forget it) and remembers it as the log's latest value for compaction.
  void append(const std::string& id, std::optional<sd::bytes> value, group::commit_callback durable);
  void refresh_gauges();

  txn_config _cfg;
  net::asio::any_io_executor _ex;
  group::coordinator& _groups;
  id_allocator _allocate;
  partition_gateway* _partitions = nullptr;
  std::unique_ptr<group::offset_log> _log;
  std::map<std::string, txn_metadata> _txns;
  /// Ids with a request in flight (shared: busy_guard holds it weakly, see coordinator.cc).
  std::shared_ptr<std::set<std::string>> _busy = std::make_shared<std::set<std::string>>();
  txn_probe _probe;
  std::int64_t _last_timeout_scan_ms = 0;
  bool _closed = false;
};

}  // namespace sd::txn
