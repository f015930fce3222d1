#pragma once
// fetch_activity: which consumers fetched which partitions lately, and from which offset. The console's stall
// diagnosis (app/stall_diagnosis.h) compares it with a group's assignment: a member is known to the coordinator
// by client id and host, and its Fetch requests carry the same two.
//
// Reported by the Fetch handler in phase one, for consumer fetches only (replica id < 0), at most once per
// report_interval_ms per connection (the connection keeps the time of its last report), so the hot path pays
// one clock read per Fetch and one short lock per second per connection.
// Bounded: at most max_partition_entries partitions over all reports (the oldest reports are evicted first),
// max_partitions_per_report per report; reports older than max_age_ms are dropped. Thread-safe (one mutex).

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace sd::broker {

struct fetched_partition {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;  // the fetch offset: the consumer's position
};

struct fetch_report {
  std::string client_id;
  std::string host;  // as the coordinator records a member's host: "/<address>"
  std::int64_t at_ms = 0;
  std::vector<fetched_partition> partitions;
};

class fetch_activity {
 public:
  static constexpr std::int64_t report_interval_ms = 1000;
  static constexpr std::int64_t max_age_ms = 10 * 60 * 1000;
  static constexpr std::size_t max_partition_entries = 65536;
  static constexpr std::size_t max_partitions_per_report = 4096;
  static constexpr std::int64_t sweep_interval_ms = 10000;

  /// True when a connection that last reported at `last_ms` should report again at `now_ms`.
  static bool due(std::int64_t last_ms, std::int64_t now_ms) { return now_ms - last_ms >= report_interval_ms; }

  /// Replaces connection `connection_id`'s report.
  void report(std::uint64_t connection_id, fetch_report r);
  /// Every report newer than max_age_ms at `now_ms`.
  std::vector<fetch_report> snapshot(std::int64_t now_ms) const;
  std::size_t partition_entries() const;

 private:
  void evict_locked(std::int64_t now_ms);

  mutable std::mutex _mu;
  std::map<std::uint64_t, fetch_report> _by_connection;
  std::size_t _entries = 0;  // partitions over every report
  std::int64_t _last_sweep_ms = 0;
};

}  // namespace sd::broker
