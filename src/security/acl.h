#pragma once
// Kafka's ACL model: bindings (resource pattern + access control entry) and filters over them. Enum values are
// the wire values of CreateAcls/DescribeAcls/DeleteAcls (Kafka's AclOperation, ResourceType, PatternType,
// AclPermissionType).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sd::security {

enum class resource_type : std::int8_t {
  unknown = 0, any = 1, topic = 2, group = 3, cluster = 4, transactional_id = 5, delegation_token = 6,
};
enum class pattern_type : std::int8_t { unknown = 0, any = 1, match = 2, literal = 3, prefixed = 4 };
enum class acl_operation : std::int8_t {
  unknown = 0, any = 1, all = 2, read = 3, write = 4, create = 5, remove = 6 /* DELETE */, alter = 7,
  describe = 8, cluster_action = 9, describe_configs = 10, alter_configs = 11, idempotent_write = 12,
};
enum class acl_permission : std::int8_t { unknown = 0, any = 1, deny = 2, allow = 3 };

/// The one cluster resource's name, as Kafka names it.
inline constexpr std::string_view cluster_resource_name = "kafka-cluster";
/// The wildcard resource name and principal/host.
inline constexpr std::string_view wildcard = "*";

/// One ACL: who (principal "User:alice" or "User:*"), from where (host or "*"), may or may not (permission)
/// do what (operation) on which resources (type + name + pattern LITERAL or PREFIXED).
struct acl_binding {
  resource_type rtype = resource_type::unknown;
  std::string name;
  pattern_type pattern = pattern_type::literal;
  std::string principal;
  std::string host = "*";
  acl_operation op = acl_operation::unknown;
  acl_permission permission = acl_permission::unknown;
  bool operator==(const acl_binding&) const = default;
};

/// Why a binding cannot be created, or nullopt when it is valid: concrete type, LITERAL or PREFIXED, an
/// operation and permission other than ANY/UNKNOWN, a principal of the form "Type:name", a non-empty name,
/// and the cluster's name for the cluster type.
std::optional<std::string> validate_binding(const acl_binding& b);

/// A filter as DescribeAcls/DeleteAcls carry it: nullopt strings and ANY enums match everything. Pattern
/// MATCH matches bindings that would apply to the named resource (LITERAL equal or "*", PREFIXED a prefix).
struct acl_filter {
  resource_type rtype = resource_type::any;
  std::optional<std::string> name;
  pattern_type pattern = pattern_type::any;
  std::optional<std::string> principal;
  std::optional<std::string> host;
  acl_operation op = acl_operation::any;
  acl_permission permission = acl_permission::any;
};

/// Why a filter is invalid (UNKNOWN values; MATCH without a name is fine), or nullopt.
std::optional<std::string> validate_filter(const acl_filter& f);
bool matches(const acl_filter& f, const acl_binding& b);

/// Kafka's names, upper case ("TOPIC", "PREFIXED", "DESCRIBE_CONFIGS", "ALLOW"), for docs, logs and the tool;
/// parsing is case-insensitive and accepts '-' for '_' ("describe-configs").
std::string_view to_string(resource_type v) noexcept;
std::string_view to_string(pattern_type v) noexcept;
std::string_view to_string(acl_operation v) noexcept;
std::string_view to_string(acl_permission v) noexcept;
std::optional<resource_type> parse_resource_type(std::string_view s) noexcept;
std::optional<pattern_type> parse_pattern_type(std::string_view s) noexcept;
std::optional<acl_operation> parse_operation(std::string_view s) noexcept;
std::optional<acl_permission> parse_permission(std::string_view s) noexcept;

/// Whether an ACL for `granted` also allows `requested` (Kafka's implied operations): ALL implies every
/// operation; READ, WRITE, DELETE and ALTER imply DESCRIBE; ALTER_CONFIGS implies DESCRIBE_CONFIGS.
/// Applies to ALLOW bindings only: a DENY denies exactly its operation (DENY ALL denies everything).
bool implies(acl_operation granted, acl_operation requested) noexcept;

}  // namespace sd::security
