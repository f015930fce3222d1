#pragma once
// group_member: a consumer-group member for HTTP sessions, speaking to the broker's own coordinator
// (group/coordinator.h) with the same JoinGroup/SyncGroup/Heartbeat/OffsetCommit/LeaveGroup steps and the same
// embedded "consumer" protocol as Kafka clients, so HTTP members and Kafka members share a group and its
// partitions. Offered assignors, in order: "range", "roundrobin" (Java, librdkafka) and "RoundRobinAssigner"
// (kafkajs); the coordinator picks one every member supports. When this member leads it assigns with that
// strategy (roundrobin for both round-robin names) over every member's subscription.
//
// Every call is awaited on the HTTP event loop and hops to the coordinator shard; one call at a time.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <system_error>
#include <vector>

#include "group/coordinator.h"
#include "group/types.h"
#include "net/asio.h"
#include "net/event.h"

namespace sd::gateway {

/// Partition count of a topic as the broker knows it now (0: unknown), for a leader's assignment.
using partition_count_fn = std::function<std::int32_t(const std::string& topic)>;

class group_member {
 public:
  group_member(group::coordinator& c, partition_count_fn counts, std::string group_id, std::vector<std::string> topics,
               std::string client_host, std::int32_t session_timeout_ms);

  /// Joins (or rejoins after a rebalance) and syncs. On success assignment() holds this member's partitions.
  net::awaitable<std::error_code> join();
  /// Heartbeat; rebalance_in_progress (or unknown member / illegal generation) means: join() again.
  net::awaitable<std::error_code> heartbeat();
  /// Commits next-offsets for assigned partitions in the current generation.
  net::awaitable<std::error_code> commit(std::vector<std::pair<group::topic_partition, std::int64_t>> offsets);
  /// The committed next-offset of each partition (-1: none).
  net::awaitable<std::vector<std::int64_t>> committed(std::vector<group::topic_partition> tps);
  /// Leaves the group (best effort).
  net::awaitable<void> leave();

  const std::vector<group::topic_partition>& assignment() const { return _assignment; }
  std::int32_t generation() const { return _generation; }
  const std::string& member_id() const { return _member_id; }
  const std::string& group_id() const { return _group; }
  std::int32_t session_timeout_ms() const { return _session_timeout_ms; }

  /// The assignment a leader computes (exposed for tests): strategy "range" or anything else for round-robin;
  /// `subscriptions` maps member id -> topics; `partitions` maps topic -> partition count.
  static std::map<std::string, std::vector<group::topic_partition>> assign(
      const std::string& strategy, const std::map<std::string, std::vector<std::string>>& subscriptions,
      const std::map<std::string, std::int32_t>& partitions);

 private:
  group::coordinator& _coordinator;
  partition_count_fn _counts;
  std::string _group;
  std::vector<std::string> _topics;
  std::string _host;
  std::int32_t _session_timeout_ms;
  std::string _member_id;
  std::int32_t _generation = -1;
  std::vector<group::topic_partition> _assignment;
};

/// Heartbeats `member` every third of its session timeout until `st->closed`. A failed heartbeat (a rebalance,
/// or the member was dropped) sets `st->rejoin` and calls `st->poke()`, so the session's loop joins again; no
/// heartbeat is sent while `st->joining`. State needs: bool closed, joining, rejoin; a
/// std::shared_ptr<net::async_event> heartbeat_wake (set it to end the wait at once); void poke().
template <class State>
net::awaitable<void> keep_member_alive(group_member& member, std::shared_ptr<State> st) {
  auto ex = co_await net::asio::this_coro::executor;
  const auto interval = std::chrono::milliseconds(std::max(200, member.session_timeout_ms() / 3));
  while (!st->closed) {
    st->heartbeat_wake = std::make_shared<net::async_event>(ex);
    co_await st->heartbeat_wake->wait_until(net::asio::steady_timer::clock_type::now() + interval);
    if (st->closed) break;
    if (st->joining || st->rejoin) continue;
    auto ec = co_await member.heartbeat();
    if (ec && !st->joining) {
      st->rejoin = true;
      st->poke();
    }
  }
}

}  // namespace sd::gateway
