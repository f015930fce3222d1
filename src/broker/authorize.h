#pragma once
// Authorisation for request handlers: every API checks what Kafka checks (docs/SECURITY.md has the table).
// `authorized` counts a denial in streamdown_security_authorization_denied_total and logs it (rate-limited,
// with principal and peer); `may` only asks (for filtering lists such as Metadata's all-topics answer or
// ListGroups, where Kafka leaves out what may not be described instead of failing).

#include <climits>
#include <cstdint>
#include <string>
#include <string_view>

#include "broker/request_context.h"
#include "security/acl.h"

namespace sd::broker {

using security::acl_operation;
using security::resource_type;

/// "User:alice", or "User:ANONYMOUS".
const std::string& principal_of(const request_context& ctx);

bool may(const request_context& ctx, resource_type rtype, std::string_view name, acl_operation op);
bool authorized(const request_context& ctx, resource_type rtype, std::string_view name, acl_operation op);
inline bool authorized_cluster(const request_context& ctx, acl_operation op) {
  return authorized(ctx, resource_type::cluster, security::cluster_resource_name, op);
}
/// Kafka's "authorized operations" bitfield (bit 1 << operation code) of the operations a resource of this
/// type supports that the principal may perform (Metadata v8+, DescribeGroups v3+, DescribeCluster). Asks
/// with `may`: nothing is counted as denied.
std::int32_t authorized_operations(const request_context& ctx, resource_type rtype, std::string_view name);
/// The value Kafka answers when the client did not ask for the bitfield.
inline constexpr std::int32_t authorized_operations_not_requested = INT32_MIN;

/// Kafka's authorizeByResourceType (KIP-679): `op` on at least one resource of the type.
bool authorized_any(const request_context& ctx, resource_type rtype, acl_operation op);

}  // namespace sd::broker
