#include "group/errc.h"

#include <string>

#include "base/error_category.h"

namespace sd::group {
namespace {
std::string describe(int code) {
  switch (static_cast<errc>(code)) {
    case errc::unknown_member_id: return "unknown group member";
    case errc::illegal_generation: return "stale or unknown group generation";
    case errc::rebalance_in_progress: return "the group is rebalancing";
    case errc::invalid_session_timeout: return "session timeout outside the broker's allowed range";
    case errc::inconsistent_group_protocol: return "protocol type or protocols do not match the group";
    case errc::member_id_required: return "rejoin with the assigned member id";
    case errc::fenced_instance_id: return "static member fenced by a newer instance";
    case errc::non_empty_group: return "the group has members";
    case errc::group_id_not_found: return "no such group";
    case errc::invalid_group_id: return "invalid group id";
    case errc::coordinator_not_available: return "group coordinator not available";
    case errc::group_subscribed_to_topic: return "the group subscribes to the topic";
    case errc::storage_error: return "the group offsets log failed";
    case errc::metadata_too_large: return "offset metadata too large";
  }
  return "unknown group error";
}
}  // namespace

const std::error_category& error_category() noexcept {
  static const named_error_category cat("group", describe);
  return cat;
}

}  // namespace sd::group
