#pragma once
// Requests, results and records of the group coordinator, independent of the Kafka codec: broker/ handlers
// translate protocol messages into these and back. Member metadata and assignments are opaque bytes.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "base/bytes.h"

namespace sd::group {

using clock = std::chrono::steady_clock;
using time_point = clock::time_point;

enum class group_state : std::int8_t { empty, preparing_rebalance, completing_rebalance, stable, dead };
/// Kafka's names: "Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead".
const char* state_name(group_state s) noexcept;

struct protocol_entry {
  std::string name;
  sd::bytes metadata;
  bool operator==(const protocol_entry&) const = default;
};

struct join_request {
  std::string group_id;
  std::string member_id;                   // empty on a first join
  std::optional<std::string> instance_id;  // static membership (group.instance.id)
  std::string client_id;
  std::string client_host;
  std::int32_t session_timeout_ms = 0;
  std::int32_t rebalance_timeout_ms = 0;   // v0 requests pass the session timeout
  std::string protocol_type;
  std::vector<protocol_entry> protocols;   // in the member's order of preference
  bool require_known_member_id = false;    // JoinGroup v4+: a new member first gets MEMBER_ID_REQUIRED
};

struct join_member {
  std::string member_id;
  std::optional<std::string> instance_id;
  sd::bytes metadata;  // for the selected protocol
};

struct join_result {
  std::error_code error;
  std::int32_t generation = -1;
  std::string protocol_type;
  std::optional<std::string> protocol_name;
  std::string leader;
  std::string member_id;
  std::vector<join_member> members;  // only in the leader's response
};

struct sync_request {
  std::string group_id;
  std::string member_id;
  std::optional<std::string> instance_id;
  std::int32_t generation = -1;
  std::vector<std::pair<std::string, sd::bytes>> assignments;  // leader only: member id -> assignment
  // SyncGroup v5+: when present, each must equal the group's, else INCONSISTENT_GROUP_PROTOCOL.
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
};

struct sync_result {
  std::error_code error;
  sd::bytes assignment;
  std::string protocol_type;
  std::optional<std::string> protocol_name;
};

struct heartbeat_request {
  std::string group_id;
  std::string member_id;
  std::optional<std::string> instance_id;
  std::int32_t generation = -1;
};

struct member_identity {
  std::string member_id;                   // may be empty for a static member identified by instance id
  std::optional<std::string> instance_id;
};

struct leave_result {
  std::error_code error;                                         // request-level (unknown group, ...)
  std::vector<std::pair<member_identity, std::error_code>> members;  // per member, in request order
};

struct topic_partition {
  std::string topic;
  std::int32_t partition = 0;
  auto operator<=>(const topic_partition&) const = default;
};

struct committed_offset {
  std::int64_t offset = -1;
  std::int32_t leader_epoch = -1;
  std::optional<std::string> metadata;
  std::int64_t commit_timestamp_ms = 0;  // wall clock
  bool operator==(const committed_offset&) const = default;
};

struct commit_request {
  std::string group_id;
  std::string member_id;
  std::optional<std::string> instance_id;
  std::int32_t generation = -1;
  std::vector<std::pair<topic_partition, committed_offset>> offsets;
};

/// Answers with one error for the whole request (Kafka then repeats it on every partition).
using commit_callback = std::function<void(std::error_code)>;
using join_callback = std::function<void(join_result)>;
using sync_callback = std::function<void(sync_result)>;

struct fetched_offset {
  topic_partition tp;
  std::int64_t offset = -1;  // -1: nothing committed
  std::int32_t leader_epoch = -1;
  std::optional<std::string> metadata;
};

struct member_description {
  std::string member_id;
  std::optional<std::string> instance_id;
  std::string client_id;
  std::string client_host;
  sd::bytes metadata;    // for the selected protocol (empty before one is selected)
  sd::bytes assignment;
};

struct group_description {
  std::error_code error;
  std::string group_id;
  group_state state = group_state::dead;
  std::string protocol_type;
  std::string protocol_name;
  std::int32_t generation = -1;
  std::string leader;  // member id of the leader ("" when there is none)
  std::vector<member_description> members;
  std::vector<std::int64_t> recent_rebalances_ms;  // wall clock of the latest generation changes, oldest first
};

/// How many generation changes a group remembers (group_description::recent_rebalances_ms).
inline constexpr std::size_t recent_rebalances_kept = 32;

struct group_listing {
  std::string group_id;
  std::string protocol_type;
  group_state state = group_state::empty;
};

/// Decides whether a member's subscription metadata (opaque here) names `topic` (OffsetDelete).
using subscription_check = std::function<bool(const sd::bytes& metadata, const std::string& topic)>;

/// Limits and timings the coordinator applies (from broker_config).
struct coordinator_config {
  std::int32_t initial_rebalance_delay_ms = 3000;  // group.initial.rebalance.delay.ms
  std::int32_t min_session_timeout_ms = 6000;      // group.min.session.timeout.ms
  std::int32_t max_session_timeout_ms = 1800000;   // group.max.session.timeout.ms
  std::int64_t offsets_retention_ms = 7LL * 24 * 3600 * 1000;  // offsets.retention.minutes
  std::size_t max_metadata_bytes = 4096;           // offset.metadata.max.bytes
  // Offsets log: segment size, and the dirty ratio at which the log cleaner compacts it (offset_log.h).
  std::int64_t log_segment_bytes = 16LL << 20;
  double log_min_cleanable_dirty_ratio = 0.5;
  std::int64_t tick_interval_ms = 100;             // longest sleep of the coordinator (deadlines wake it earlier)
  std::int64_t retention_check_interval_ms = 60000;
};

}  // namespace sd::group
