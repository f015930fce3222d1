#pragma once
// stall_diagnosis: why a consumer group's partition is not being consumed, from what the broker sees (the
// console's group page and GET /v1/groups/{id}). Pure functions over a snapshot of the group, the partition's
// offsets and lag history, and who fetched what lately (broker/fetch_activity.h); no I/O, unit-tested.
//
// A partition with no lag is never stalled. Otherwise the first that holds, in this order:
//   no_member       the group has no members, or none is assigned this partition (in a stable group);
//   rebalancing     the group changed generation at least `rebalances` times within `rebalance_window_ms`;
//   not_fetching    its member has not fetched it for `fetch_silence_ms` (librdkafka and kafkajs stop fetching
//                   a partition once their local queue is full, so this is also "the application stopped
//                   polling");
//   not_committing  its member fetches it but the group's last commit for it is older than
//                   `commit_silence_ms` (or there is none);
//   falling_behind  the lag grew over the last `lag_window_ms` (producers outpace the consumer).
// A member assigned within the grace period of the last rebalance (the longer silence threshold) is not judged
// yet, nor is a rebalance in progress that is not repeated.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "broker/fetch_activity.h"
#include "group/types.h"

namespace sd::app {

struct stall_thresholds {
  std::int64_t fetch_silence_ms = 30000;
  std::int64_t commit_silence_ms = 60000;
  std::int64_t lag_window_ms = 60000;
  std::size_t rebalances = 3;
  std::int64_t rebalance_window_ms = 10 * 60 * 1000;
};

/// A member as the diagnosis needs it: who it is and what it was assigned (decoded from its assignment).
struct member_view {
  std::string member_id;
  std::string client_id;
  std::string host;
  std::vector<group::topic_partition> assigned;
};

struct group_view {
  group::group_state state = group::group_state::dead;
  std::vector<member_view> members;
  std::vector<std::int64_t> recent_rebalances_ms;  // oldest first
};

struct partition_view {
  group::topic_partition tp;
  std::int64_t committed = -1;      // -1: none
  std::int64_t commit_ms = 0;       // wall clock of that commit (0: unknown)
  std::int64_t lag = -1;            // records; -1: unknown
  std::optional<double> lag_before;  // the lag `lag_window_ms` ago (about), from the history store
  std::int64_t lag_before_age_ms = 0;  // how long ago that was
};

struct stall {
  std::string reason;  // no_member | rebalancing | not_fetching | not_committing | falling_behind
  std::string detail;  // one sentence for a person
};

/// The member assigned `tp`, or null.
const member_view* assignee_of(const group_view& g, const group::topic_partition& tp);

/// The latest fetch of `tp` by the client behind `m` (same client id and host), or nullopt.
std::optional<broker::fetched_partition> last_fetch_of(const member_view& m, const group::topic_partition& tp,
                                                       const std::vector<broker::fetch_report>& reports,
                                                       std::int64_t* at_ms);
/// The wall-clock ms of the latest Fetch by the client behind `m` (any partition), or nullopt.
std::optional<std::int64_t> last_fetch_ms(const member_view& m, const std::vector<broker::fetch_report>& reports);

/// Rebalances of `g` within the window ending at `now_ms`.
std::size_t rebalances_within(const group_view& g, std::int64_t now_ms, std::int64_t window_ms);

std::optional<stall> diagnose(const group_view& g, const partition_view& p,
                              const std::vector<broker::fetch_report>& reports, std::int64_t now_ms,
                              const stall_thresholds& t = {});

}  // namespace sd::app
