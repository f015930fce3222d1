#include "security/authorizer.h"

#include "security/private_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <unordered_set>

namespace sd::security {
namespace {

// The ACL file (<data_dir>/security/acls.json), written whole and replaced atomically:
//   {"version": 1,
//    "acls": [{"resource_type": "TOPIC", "resource_name": "orders", "pattern_type": "LITERAL",
//              "principal": "User:alice", "host": "*", "operation": "READ", "permission": "ALLOW"}, ...]}
// Enum values are Kafka's upper-case names (acl.h, to_string). Every entry must pass validate_binding; a file
// that does not meet this is corrupt and open() refuses it (never silently drop ACLs: that could widen access).
constexpr int file_version = 1;
constexpr std::string_view user_prefix = "User:";
constexpr std::string_view wildcard_user = "User:*";

// Identity of a binding for duplicate detection: every field, length-prefixed so no two bindings collide.
std::string binding_key(const acl_binding& b) {
  std::string k;
  auto add = [&k](std::string_view s) {
    k += std::to_string(s.size());
    k += ':';
    k += s;
  };
  k += static_cast<char>(b.rtype);
  k += static_cast<char>(b.pattern);
  k += static_cast<char>(b.op);
  k += static_cast<char>(b.permission);
  add(b.name);
  add(b.principal);
  add(b.host);
  return k;
}

bool principal_applies(const acl_binding& b, std::string_view principal) noexcept {
  if (b.principal == principal) return true;
  return b.principal == wildcard_user && principal.starts_with(user_prefix);
}

bool host_applies(const acl_binding& b, std::string_view host) noexcept { return b.host == wildcard || b.host == host; }

// Whether the binding's resource pattern covers the resource (rtype, name).
bool resource_applies(const acl_binding& b, resource_type rtype, std::string_view name) noexcept {
  if (b.rtype != rtype) return false;
  switch (b.pattern) {
    case pattern_type::literal: return b.name == name || b.name == wildcard;
    case pattern_type::prefixed: return name.starts_with(b.name);
    default: return false;
  }
}

nlohmann::json to_json(const acl_binding& b) {
  return nlohmann::json{
      {"resource_type", to_string(b.rtype)}, {"resource_name", b.name},   {"pattern_type", to_string(b.pattern)},
      {"principal", b.principal},            {"host", b.host},            {"operation", to_string(b.op)},
      {"permission", to_string(b.permission)},
  };
}

// One entry of the file, or nullopt with `why` set.
std::optional<acl_binding> from_json(const nlohmann::json& j, std::string& why) {
  if (!j.is_object()) {
    why = "entry is not an object";
    return std::nullopt;
  }
  auto field = [&](const char* key) -> std::optional<std::string> {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) {
      why = std::string("missing or non-string field ") + key;
      return std::nullopt;
    }
    return it->get<std::string>();
  };
  auto rtype = field("resource_type");
  auto name = field("resource_name");
  auto pattern = field("pattern_type");
  auto principal = field("principal");
  auto host = field("host");
  auto op = field("operation");
  auto permission = field("permission");
  if (!rtype || !name || !pattern || !principal || !host || !op || !permission) return std::nullopt;
  acl_binding b;
  auto rt = parse_resource_type(*rtype);
  auto pt = parse_pattern_type(*pattern);
  auto o = parse_operation(*op);
  auto p = parse_permission(*permission);
  if (!rt || !pt || !o || !p) {
    why = "unknown enum name in entry";
    return std::nullopt;
  }
  b.rtype = *rt;
  b.name = std::move(*name);
  b.pattern = *pt;
  b.principal = std::move(*principal);
  b.host = std::move(*host);
  b.op = *o;
  b.permission = *p;
  if (auto invalid = validate_binding(b)) {
    why = *invalid;
    return std::nullopt;
  }
  return b;
}

}  // namespace

result<std::unique_ptr<authorizer>> authorizer::open(std::filesystem::path file, authorizer_config cfg) {
  std::unique_ptr<authorizer> a(new authorizer(std::move(file), std::move(cfg)));
  SD_TRY(ensure_private_dir(a->_file));
  auto text = read_private_file(a->_file);
  if (!text) return text.error();
  if (!text->has_value()) return a;  // no file yet: no ACLs

  auto corrupt = [&](std::string_view why) -> result<std::unique_ptr<authorizer>> {
    spdlog::error("acls: {} does not parse: {}", a->_file.string(), why);
    return errc::corrupt_store;
  };
  nlohmann::json doc = nlohmann::json::parse(**text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return corrupt("not a JSON object");
  auto version = doc.find("version");
  if (version == doc.end() || !version->is_number_integer() || version->get<int>() != file_version) {
    return corrupt("missing or unsupported version");
  }
  auto acls = doc.find("acls");
  if (acls == doc.end() || !acls->is_array()) return corrupt("missing acls array");

  auto loaded = std::make_shared<snapshot>();
  std::unordered_set<std::string> seen;
  for (const auto& entry : *acls) {
    std::string why;
    auto b = from_json(entry, why);
    if (!b) return corrupt(why);
    if (seen.insert(binding_key(*b)).second) loaded->push_back(std::move(*b));
  }
  std::atomic_store(&a->_bindings, std::shared_ptr<const snapshot>(std::move(loaded)));
  return a;
}

bool authorizer::is_super_user(std::string_view principal) const {
  return std::find(_cfg.super_users.begin(), _cfg.super_users.end(), principal) != _cfg.super_users.end();
}

bool authorizer::authorize(std::string_view principal, std::string_view host, resource_type rtype,
                           std::string_view name, acl_operation op) const {
  if (!_cfg.enabled) return true;
  if (is_super_user(principal)) return true;
  auto bindings = current();
  bool resource_has_acls = false;
  bool allowed = false;
  for (const auto& b : *bindings) {
    if (!resource_applies(b, rtype, name)) continue;
    resource_has_acls = true;
    if (!principal_applies(b, principal) || !host_applies(b, host)) continue;
    if (b.permission == acl_permission::deny) {
      if (b.op == op || b.op == acl_operation::all) return false;  // DENY wins over any ALLOW
    } else if (b.permission == acl_permission::allow && implies(b.op, op)) {
      allowed = true;
    }
  }
  if (allowed) return true;
  return !resource_has_acls && _cfg.allow_everyone_if_no_acl_found;
}

// Kafka's authorizeByResourceType: the principal may do `op` somewhere in `rtype` when an applicable ALLOW
// (operation implying `op`) names a resource that no applicable DENY (operation `op` or ALL) dominates:
//   - a DENY on LITERAL "*" dominates everything, an ALLOW on LITERAL "*" is dominated by nothing else;
//   - a LITERAL ALLOW of name n is dominated by a LITERAL DENY of n or a PREFIXED DENY that is a prefix of n;
//   - a PREFIXED ALLOW of p is dominated by a PREFIXED DENY that is a prefix of p.
// Without such an ALLOW, allow.everyone.if.no.acl.found decides (as Kafka's AclAuthorizer does, a resource
// without ACLs may always exist), unless a DENY on LITERAL "*" applies.
bool authorizer::authorize_any(std::string_view principal, std::string_view host, resource_type rtype,
                               acl_operation op) const {
  if (!_cfg.enabled) return true;
  if (is_super_user(principal)) return true;
  auto bindings = current();
  std::vector<const acl_binding*> allows;
  std::unordered_set<std::string_view> deny_literals;
  std::vector<std::string_view> deny_prefixes;
  for (const auto& b : *bindings) {
    if (b.rtype != rtype || !principal_applies(b, principal) || !host_applies(b, host)) continue;
    if (b.permission == acl_permission::deny) {
      if (b.op != op && b.op != acl_operation::all) continue;
      if (b.pattern == pattern_type::literal && b.name == wildcard) return false;
      if (b.pattern == pattern_type::literal) deny_literals.insert(b.name);
      if (b.pattern == pattern_type::prefixed) deny_prefixes.push_back(b.name);
    } else if (b.permission == acl_permission::allow && implies(b.op, op)) {
      allows.push_back(&b);
    }
  }
  auto prefix_denied = [&](std::string_view name) {
    return std::any_of(deny_prefixes.begin(), deny_prefixes.end(),
                       [&](std::string_view p) { return name.starts_with(p); });
  };
  for (const acl_binding* b : allows) {
    if (b->pattern == pattern_type::literal && b->name == wildcard) return true;
    if (b->pattern == pattern_type::literal && deny_literals.contains(b->name)) continue;
    if (!prefix_denied(b->name)) return true;
  }
  return _cfg.allow_everyone_if_no_acl_found;
}

status authorizer::create(const std::vector<acl_binding>& bindings) {
  for (const auto& b : bindings) {
    if (validate_binding(b)) return errc::invalid_argument;
  }
  std::lock_guard lock(_write_mu);
  auto before = current();
  auto next = std::make_shared<snapshot>(*before);
  std::unordered_set<std::string> seen;
  for (const auto& b : *before) seen.insert(binding_key(b));
  for (const auto& b : bindings) {
    if (seen.insert(binding_key(b)).second) next->push_back(b);
  }
  if (next->size() == before->size()) return ok();  // all already present
  SD_TRY(save(*next));
  std::atomic_store(&_bindings, std::shared_ptr<const snapshot>(std::move(next)));
  return ok();
}

result<std::vector<acl_binding>> authorizer::remove(const acl_filter& filter) {
  if (validate_filter(filter)) return errc::invalid_argument;
  std::lock_guard lock(_write_mu);
  auto before = current();
  auto next = std::make_shared<snapshot>();
  std::vector<acl_binding> removed;
  for (const auto& b : *before) {
    if (matches(filter, b)) {
      removed.push_back(b);
    } else {
      next->push_back(b);
    }
  }
  if (removed.empty()) return removed;
  SD_TRY(save(*next));
  std::atomic_store(&_bindings, std::shared_ptr<const snapshot>(std::move(next)));
  return removed;
}

std::vector<acl_binding> authorizer::describe(const acl_filter& filter) const {
  auto bindings = current();
  std::vector<acl_binding> out;
  for (const auto& b : *bindings) {
    if (matches(filter, b)) out.push_back(b);
  }
  return out;
}

std::size_t authorizer::size() const { return current()->size(); }

// Durable replace: write <file>.tmp (0600) in the same directory, fsync it, rename over the file, fsync the
// directory. A crash leaves either the old or the new file whole; a stale .tmp is overwritten next time.
status authorizer::save(const snapshot& s) const {
  nlohmann::json acls = nlohmann::json::array();
  for (const auto& b : s) acls.push_back(to_json(b));
  nlohmann::json doc{{"version", file_version}, {"acls", std::move(acls)}};
  std::string text = doc.dump(2);
  text += '\n';

  // On failure the caller keeps the old snapshot (the file may already hold the new one only if the directory
  // fsync failed after the rename; the next successful save overwrites it either way).
  return replace_private_file(_file, text);
}

}  // namespace sd::security
