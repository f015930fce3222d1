#pragma once
// Private to group_manager's implementation files (group_manager.cc: membership and rebalances;
// group_offsets.cc: offsets, describe/list/delete, persistence and timers): the in-memory shape of a group
// and its members, and small helpers both halves use. Not part of the module's API.

#include <deque>
#include <optional>
#include <string>
#include <utility>

#include "group/group_manager.h"

namespace sd::group {

struct group_manager::member {
  std::string id;
  std::optional<std::string> instance_id;
  std::string client_id;
  std::string client_host;
  std::int32_t session_timeout_ms = 0;
  std::int32_t rebalance_timeout_ms = 0;
  std::vector<protocol_entry> protocols;
  sd::bytes assignment;
  time_point session_deadline{};
  join_callback on_join;  // set while its JoinGroup waits for the rebalance
  sync_callback on_sync;  // set while its SyncGroup waits for the leader

  const sd::bytes* metadata_for(const std::string& protocol) const {
    for (const auto& p : protocols)
      if (p.name == protocol) return &p.metadata;
    return nullptr;
  }
};

struct group_manager::group {
  std::string id;
  group_state state = group_state::empty;
  std::string protocol_type;
  std::optional<std::string> protocol;
  std::int32_t generation = 0;
  std::string leader;
  std::map<std::string, member> members;                 // by member id
  std::map<std::string, std::string> static_members;     // instance id -> member id
  std::map<std::string, time_point> pending;             // MEMBER_ID_REQUIRED answered, not rejoined yet
  time_point rebalance_deadline{};
  bool initial_delay = false;   // PreparingRebalance from Empty: wait group.initial.rebalance.delay.ms first
  time_point initial_delay_cap{};
  time_point sync_deadline{};
  std::int64_t state_timestamp_ms = 0;
  std::map<topic_partition, committed_offset> offsets;
  /// Wall-clock times of the latest generation changes (newest last, at most recent_rebalances_kept), for the
  /// console's "rebalancing repeatedly" diagnosis. In memory only: a restart forgets them.
  std::deque<std::int64_t> recent_rebalances_ms;

  std::int32_t max_rebalance_timeout() const {
    std::int32_t t = 0;
    for (const auto& [_, m] : members) t = std::max(t, m.rebalance_timeout_ms);
    return t;
  }
  bool all_joined() const {
    for (const auto& [_, m] : members)
      if (!m.on_join) return false;
    return true;
  }
};


namespace detail {

/// Calls a one-shot callback once and clears it (a second call is a no-op).
template <class Cb, class R>
void answer(Cb& cb, R r) {
  if (!cb) return;
  auto f = std::move(cb);
  cb = nullptr;
  f(std::move(r));
}

}  // namespace detail
}  // namespace sd::group
