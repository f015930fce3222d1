#pragma once
// Group coordinator errors. Only broker/ maps them to Kafka error codes (broker/kafka_error.cc).

#include <system_error>

namespace sd::group {

enum class errc {
  unknown_member_id = 1,        // no such member (or no such group) for a member-scoped request
  illegal_generation,           // the request's generation is not the group's current one
  rebalance_in_progress,        // a rebalance is running; the member must rejoin
  invalid_session_timeout,      // outside [group.min.session.timeout.ms, group.max.session.timeout.ms]
  inconsistent_group_protocol,  // protocol type differs or no protocol that every member supports
  member_id_required,           // JoinGroup v4+: retry with the member id given in the response
  fenced_instance_id,           // a static member's id was replaced by a newer instance
  non_empty_group,              // DeleteGroups on a group with members
  group_id_not_found,           // DeleteGroups / OffsetDelete on an unknown group
  invalid_group_id,             // empty group id
  coordinator_not_available,    // the group is being removed (Dead) or the coordinator is shutting down
  group_subscribed_to_topic,    // OffsetDelete of a topic an active member subscribes to
  storage_error,                // the offsets log failed to write or sync
  metadata_too_large,           // committed metadata longer than the limit
};

const std::error_category& error_category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), error_category()}; }

}  // namespace sd::group

template <>
struct std::is_error_code_enum<sd::group::errc> : std::true_type {};
