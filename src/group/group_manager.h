#pragma once
// group_manager: every consumer group of the broker and their committed offsets: the classic rebalance
// protocol (Empty -> PreparingRebalance -> CompletingRebalance -> Stable, Dead when removed) as Kafka's
// GroupCoordinator runs it, plus OffsetCommit/Fetch/Delete, DescribeGroups, ListGroups, DeleteGroups.
//
// Threading: not thread-safe. One owner thread (the coordinator shard) calls everything. No timers inside:
// time comes from the injected clocks. Deadlines (each member's session, rebalance and sync timeouts) fire
// for a group whenever a call touches it (join, sync, heartbeat, leave, commit, delete, and fire_due before
// describe), so what a client sees expires on time; tick() fires them for groups nobody touches and returns
// the next deadline, and the coordinator wakes exactly then (and at least every tick_interval_ms), so a member
// whose process died is removed at its session timeout, not a tick later.
//
// Delayed answers: join() and sync() keep their callback until the rebalance step completes; callbacks are
// called on the owner thread, from inside a later call (join/sync/leave/heartbeat/tick), exactly once.
// commit() calls its callback when the store reports the records durable (the store decides the thread).
//
// Durability: every change that must survive a restart goes to the group_store as records (records.h).
// Offsets are applied in memory when appended (so a snapshot taken meanwhile includes them) and the commit is
// answered once they are durable. Group metadata is written when a generation's assignment is complete
// (Stable), when a group becomes Empty, and when a static member's id is replaced.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "group/errc.h"
#include "group/probe.h"
#include "group/records.h"
#include "group/types.h"

namespace sd::group {

class group_store {
 public:
  virtual ~group_store() = default;
  /// Appends `records` in order; `durable` (may be empty) is called once they are on disk, or with the error.
  virtual void append(std::vector<store_record> records, commit_callback durable) = 0;
};

struct clocks {
  std::function<time_point()> steady = [] { return clock::now(); };
  std::function<std::int64_t()> wall_ms;  // default: system clock (set in the constructor)
};

class group_manager {
 public:
  group_manager(coordinator_config config, group_store& store, clocks c = {});
  ~group_manager();
  group_manager(const group_manager&) = delete;
  group_manager& operator=(const group_manager&) = delete;

  /// Restore: apply the log's records in order, then finish_restore() once (before any request).
  void apply_replayed(const store_record& r);
  void finish_restore();

  void join(join_request req, join_callback done);
  void sync(sync_request req, sync_callback done);
  std::error_code heartbeat(const heartbeat_request& req);
  leave_result leave(const std::string& group_id, const std::vector<member_identity>& members);

  /// Validates against the group (generation, member, state), then stores; done(error) once durable.
  void commit(commit_request req, commit_callback done);
  /// TxnOffsetCommit's membership check (the same rules as commit(), nothing stored): {} when the request
  /// may commit for the group.
  std::error_code check_transactional_committer(const commit_request& req);
  /// Stores offsets a transaction committed (its EndTxn): no membership check (it was done when the
  /// transaction's TxnOffsetCommit arrived); creates the group if needed; done(error) once durable.
  void commit_transactional(const std::string& group_id, std::vector<std::pair<topic_partition, committed_offset>> offsets,
                            commit_callback done);
  /// which == nullopt: every committed partition of the group. Unknown group or partition: offset -1.
  std::vector<fetched_offset> fetch(const std::string& group_id,
                                    const std::optional<std::vector<topic_partition>>& which) const;

  group_description describe(const std::string& group_id) const;
  std::vector<group_listing> list() const;
  std::error_code delete_group(const std::string& group_id);
  /// Per-partition result in request order; a request-level error (unknown group) is returned in `error`.
  std::vector<std::error_code> delete_offsets(const std::string& group_id, const std::vector<topic_partition>& tps,
                                              const subscription_check& subscribed, std::error_code& error);

  /// The topic was deleted: every group's committed offsets for it are removed (durably, like
  /// delete_offsets), as Kafka does, so lag reports and OffsetFetch stop showing a partition that is gone.
  /// Returns how many offsets were removed.
  std::size_t remove_topic_offsets(const std::string& topic);

  /// Fires due deadlines of every group: session expiry, rebalance and initial-delay ends, sync timeouts,
  /// pending members; drops groups left with nothing; refreshes the gauges. Returns the earliest deadline
  /// still ahead (time_point::max() when none): the coordinator sleeps until then, so a deadline nobody's
  /// call fires is fired at its time, not a tick later.
  time_point tick();
  /// Fires due deadlines of one group (callers of the const describe() and list() call it first).
  void fire_due(const std::string& group_id);
  /// Removes offsets of Empty groups older than offsets.retention; drops groups left with nothing.
  void expire_offsets();

  /// Committed offsets per group (all groups when filter is nullopt), for lag reports.
  std::vector<std::pair<std::string, std::vector<std::pair<topic_partition, committed_offset>>>> offsets(
      const std::optional<std::string>& filter) const;

  std::size_t group_count() const { return _groups.size(); }
  /// Metrics (group/probe.h); any thread may read them.
  const group_probe& probe() const { return _probe; }
  const coordinator_config& config() const { return _config; }

 private:
  struct member;
  struct group;

  group* find(const std::string& id) const;
  /// commit()'s checks; `create` makes an unknown group for a membership-free commit.
  std::error_code check_committer(const commit_request& req, bool create);
  void store_offsets(const std::string& group_id, std::vector<std::pair<topic_partition, committed_offset>> offsets,
                     commit_callback done);
  group& get_or_create(const std::string& id);
  std::string new_member_id(const std::string& client_id);

  void join_new_member(group& g, join_request&& req, join_callback&& done, const std::string& id);
  void join_existing_member(group& g, member& m, join_request&& req, join_callback&& done);
  void join_static_rejoin(group& g, const std::string& old_id, join_request&& req, join_callback&& done);
  void update_member(member& m, join_request&& req, join_callback&& done);
  join_result current_generation(const group& g, const std::string& member_id) const;

  void prepare_rebalance(group& g);
  void try_complete_join(group& g);
  void complete_join(group& g);
  void remove_member(group& g, const std::string& id, errc why);
  void fire_deadlines(group& g, time_point t);
  /// The earliest deadline of `g` after `t` that fire_deadlines would act on (time_point::max() when none).
  static time_point next_deadline(const group& g, time_point t);
  std::optional<std::string> select_protocol(const group& g) const;
  bool supports(const group& g, const join_request& req) const;
  void persist(const group& g);
  void drop_if_unused(const std::string& id);
  time_point now() const { return _clocks.steady(); }

  coordinator_config _config;
  group_store& _store;
  clocks _clocks;
  std::map<std::string, std::unique_ptr<group>> _groups;
  std::mt19937_64 _rng;
  group_probe _probe;
};

}  // namespace sd::group
