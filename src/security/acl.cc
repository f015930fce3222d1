#include "security/acl.h"

#include <array>
#include <utility>

namespace sd::security {
namespace {

// One name table per enum: the wire value and Kafka's upper-case name. Every enumerator appears exactly once.
constexpr std::array<std::pair<resource_type, std::string_view>, 7> resource_type_names{{
    {resource_type::unknown, "UNKNOWN"},
    {resource_type::any, "ANY"},
    {resource_type::topic, "TOPIC"},
    {resource_type::group, "GROUP"},
    {resource_type::cluster, "CLUSTER"},
    {resource_type::transactional_id, "TRANSACTIONAL_ID"},
    {resource_type::delegation_token, "DELEGATION_TOKEN"},
}};

constexpr std::array<std::pair<pattern_type, std::string_view>, 5> pattern_type_names{{
    {pattern_type::unknown, "UNKNOWN"},
    {pattern_type::any, "ANY"},
    {pattern_type::match, "MATCH"},
    {pattern_type::literal, "LITERAL"},
    {pattern_type::prefixed, "PREFIXED"},
}};

constexpr std::array<std::pair<acl_operation, std::string_view>, 13> operation_names{{
    {acl_operation::unknown, "UNKNOWN"},
    {acl_operation::any, "ANY"},
    {acl_operation::all, "ALL"},
    {acl_operation::read, "READ"},
    {acl_operation::write, "WRITE"},
    {acl_operation::create, "CREATE"},
    {acl_operation::remove, "DELETE"},
    {acl_operation::alter, "ALTER"},
    {acl_operation::describe, "DESCRIBE"},
    {acl_operation::cluster_action, "CLUSTER_ACTION"},
    {acl_operation::describe_configs, "DESCRIBE_CONFIGS"},
    {acl_operation::alter_configs, "ALTER_CONFIGS"},
    {acl_operation::idempotent_write, "IDEMPOTENT_WRITE"},
}};

constexpr std::array<std::pair<acl_permission, std::string_view>, 4> permission_names{{
    {acl_permission::unknown, "UNKNOWN"},
    {acl_permission::any, "ANY"},
    {acl_permission::deny, "DENY"},
    {acl_permission::allow, "ALLOW"},
}};

constexpr char ascii_upper(char c) noexcept { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

// Whether `input` spells Kafka's upper-case `name`, ignoring ASCII case and accepting '-' for '_'.
bool same_name(std::string_view input, std::string_view name) noexcept {
  if (input.size() != name.size()) return false;
  for (std::size_t i = 0; i < input.size(); ++i) {
    char c = ascii_upper(input[i]);
    if (c == '-') c = '_';
    if (c != name[i]) return false;
  }
  return true;
}

template <class E, std::size_t N>
std::string_view lookup_name(const std::array<std::pair<E, std::string_view>, N>& table, E v) noexcept {
  for (const auto& [value, name] : table) {
    if (value == v) return name;
  }
  return "UNKNOWN";  // a value outside the enum (e.g. a wire value from a newer client)
}

template <class E, std::size_t N>
std::optional<E> lookup_value(const std::array<std::pair<E, std::string_view>, N>& table,
                              std::string_view s) noexcept {
  for (const auto& [value, name] : table) {
    if (same_name(s, name)) return value;
  }
  return std::nullopt;
}

bool is_concrete(resource_type t) noexcept {
  switch (t) {
    case resource_type::topic:
    case resource_type::group:
    case resource_type::cluster:
    case resource_type::transactional_id:
    case resource_type::delegation_token: return true;
    case resource_type::unknown:
    case resource_type::any: return false;
  }
  return false;
}

// Whether the enum value is one of the declared enumerators (wire values out of range are not).
template <class E, std::size_t N>
bool is_declared(const std::array<std::pair<E, std::string_view>, N>& table, E v) noexcept {
  for (const auto& entry : table) {
    if (entry.first == v) return true;
  }
  return false;
}

// A real operation: declared, and neither UNKNOWN nor the filter-only ANY.
bool is_concrete(acl_operation op) noexcept {
  return op != acl_operation::unknown && op != acl_operation::any && is_declared(operation_names, op);
}

}  // namespace

std::optional<std::string> validate_binding(const acl_binding& b) {
  if (!is_concrete(b.rtype)) return "resource type must be a concrete type, not " + std::string(to_string(b.rtype));
  if (b.pattern != pattern_type::literal && b.pattern != pattern_type::prefixed) {
    return "pattern type must be LITERAL or PREFIXED, not " + std::string(to_string(b.pattern));
  }
  if (b.name.empty()) return std::string("resource name must not be empty");
  if (b.rtype == resource_type::cluster && b.name != cluster_resource_name) {
    return "the only valid name for the CLUSTER resource is " + std::string(cluster_resource_name);
  }
  if (!is_concrete(b.op)) return "operation must be a concrete operation, not " + std::string(to_string(b.op));
  if (b.permission != acl_permission::allow && b.permission != acl_permission::deny) {
    return "permission must be ALLOW or DENY, not " + std::string(to_string(b.permission));
  }
  auto colon = b.principal.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == b.principal.size()) {
    return "principal must be of the form Type:name (e.g. User:alice), not '" + b.principal + "'";
  }
  if (b.host.empty()) return std::string("host must not be empty (use * for any host)");
  return std::nullopt;
}

std::optional<std::string> validate_filter(const acl_filter& f) {
  if (f.rtype == resource_type::unknown || !is_declared(resource_type_names, f.rtype)) {
    return std::string("filter resource type is UNKNOWN");
  }
  if (f.pattern == pattern_type::unknown || !is_declared(pattern_type_names, f.pattern)) {
    return std::string("filter pattern type is UNKNOWN");
  }
  if (f.op == acl_operation::unknown || !is_declared(operation_names, f.op)) {
    return std::string("filter operation is UNKNOWN");
  }
  if (f.permission == acl_permission::unknown || !is_declared(permission_names, f.permission)) {
    return std::string("filter permission is UNKNOWN");
  }
  return std::nullopt;
}

bool matches(const acl_filter& f, const acl_binding& b) {
  if (f.rtype != resource_type::any && f.rtype != b.rtype) return false;
  if (f.pattern != pattern_type::any && f.pattern != pattern_type::match && f.pattern != b.pattern) return false;
  if (f.name) {
    if (f.pattern == pattern_type::match) {
      // The bindings that would apply to the resource named f.name.
      switch (b.pattern) {
        case pattern_type::literal:
          if (b.name != *f.name && b.name != wildcard) return false;
          break;
        case pattern_type::prefixed:
          if (!std::string_view(*f.name).starts_with(b.name)) return false;
          break;
        default: return false;
      }
    } else if (b.name != *f.name) {
      return false;
    }
  }
  if (f.principal && *f.principal != b.principal) return false;
  if (f.host && *f.host != b.host) return false;
  if (f.op != acl_operation::any && f.op != b.op) return false;
  if (f.permission != acl_permission::any && f.permission != b.permission) return false;
  return true;
}

std::string_view to_string(resource_type v) noexcept { return lookup_name(resource_type_names, v); }
std::string_view to_string(pattern_type v) noexcept { return lookup_name(pattern_type_names, v); }
std::string_view to_string(acl_operation v) noexcept { return lookup_name(operation_names, v); }
std::string_view to_string(acl_permission v) noexcept { return lookup_name(permission_names, v); }

std::optional<resource_type> parse_resource_type(std::string_view s) noexcept {
  return lookup_value(resource_type_names, s);
}
std::optional<pattern_type> parse_pattern_type(std::string_view s) noexcept {
  return lookup_value(pattern_type_names, s);
}
std::optional<acl_operation> parse_operation(std::string_view s) noexcept { return lookup_value(operation_names, s); }
std::optional<acl_permission> parse_permission(std::string_view s) noexcept {
  return lookup_value(permission_names, s);
}

bool implies(acl_operation granted, acl_operation requested) noexcept {
  if (!is_concrete(granted) || !is_concrete(requested)) return false;
  if (granted == acl_operation::all || granted == requested) return true;
  switch (requested) {
    case acl_operation::describe:
      return granted == acl_operation::read || granted == acl_operation::write || granted == acl_operation::remove ||
             granted == acl_operation::alter;
    case acl_operation::describe_configs: return granted == acl_operation::alter_configs;
    default: return false;
  }
}

}  // namespace sd::security
