#pragma once
// Ordering and commit bookkeeping for `consume --exec`, kept free of librdkafka so it is unit-tested alone.
//
// key_scheduler: records of one partition arrive in offset order; records with the same key (a "lane"; all
// null-key records share one lane) must be processed one at a time in that order, while different keys run
// in parallel. submit() queues a record in its lane; ready() hands out lane heads that have not started;
// complete() ends the head (success or final failure handled) and makes the next record of that lane ready.
// A record that is being retried stays the head of its lane, so later records of the same key wait for it.
//
// offset_tracker: which offset of a partition may be committed. Records finish out of order across lanes;
// the committable offset is the lowest offset still pending, or one past the highest seen when none is
// pending. Committing it never skips a record that has not finished.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

namespace sd::client {

class key_scheduler {
 public:
  /// Queues record `id` (unique among queued records) in the lane of `key` (nullopt: the null-key lane).
  void submit(std::uint64_t id, const std::optional<std::string>& key);
  /// The next record whose lane has no earlier record unfinished, or nullopt. Each id is returned once.
  std::optional<std::uint64_t> ready();
  /// Ends record `id`, which must be the head of its lane and have been returned by ready().
  void complete(std::uint64_t id);
  /// Records submitted and not completed.
  std::size_t size() const { return _lane_of.size(); }

 private:
  std::string lane_name(const std::optional<std::string>& key) const;
  std::unordered_map<std::string, std::deque<std::uint64_t>> _lanes;  // lane -> queued ids, head first
  std::unordered_map<std::uint64_t, std::string> _lane_of;            // id -> lane
  std::deque<std::uint64_t> _ready;                                   // heads not yet handed out
};

class offset_tracker {
 public:
  /// A record at `offset` was received (offsets arrive increasing).
  void received(std::int64_t offset);
  /// The record at `offset` is finished (processed, or dead-lettered and acknowledged).
  void finished(std::int64_t offset);
  /// The offset to commit (next record to read after a restart), or nullopt before any record.
  std::optional<std::int64_t> committable() const;
  std::size_t pending() const { return _pending.size(); }
  /// The highest offset received, or nullopt before any record.
  std::optional<std::int64_t> highest() const { return _highest; }

 private:
  std::set<std::int64_t> _pending;
  std::optional<std::int64_t> _highest;
};

}  // namespace sd::client
