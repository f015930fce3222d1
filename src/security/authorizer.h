#pragma once
// authorizer: Kafka's ACL authorizer on one node. Bindings are durable in one file
// (<data_dir>/security/acls.json, replaced atomically) and take effect at once for every connection.
// Readers are lock-free: the bindings are an immutable snapshot swapped atomically on change.
//
// Decision for (principal, host, resource type, resource name, operation), in Kafka's order:
//   1. disabled authorizer -> allowed;
//   2. principal in super.users -> allowed;
//   3. the bindings that apply: type equal, and LITERAL name equal or "*", or PREFIXED a prefix of the name;
//      principal equal or "User:*"; host equal or "*";
//   4. any applicable DENY whose operation is the requested one or ALL -> denied;
//   5. any applicable ALLOW whose operation implies the requested one (acl.h, implies) -> allowed;
//   6. no binding applies to the resource at all (of any principal/operation) and
//      allow.everyone.if.no.acl.found -> allowed; otherwise denied.

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "security/acl.h"
#include "security/errc.h"

namespace sd::security {

struct authorizer_config {
  bool enabled = false;                      // authorizer.enable
  std::vector<std::string> super_users;      // super.users ("User:admin;User:ops", already split)
  bool allow_everyone_if_no_acl_found = false;
};

class authorizer {
 public:
  /// Opens (or creates, empty) the ACL file; a file that does not parse is an error.
  static result<std::unique_ptr<authorizer>> open(std::filesystem::path file, authorizer_config cfg);

  bool enabled() const noexcept { return _cfg.enabled; }
  bool is_super_user(std::string_view principal) const;

  bool authorize(std::string_view principal, std::string_view host, resource_type rtype, std::string_view name,
                 acl_operation op) const;
  /// Whether the principal may do `op` on at least one resource of `rtype` (Kafka's authorizeByResourceType,
  /// used for InitProducerId's "WRITE on any topic", KIP-679): a super user, or an applicable ALLOW binding
  /// of that type for the operation whose resource is not denied by a DENY binding for the same principal
  /// on a LITERAL "*" or a PREFIXED pattern that covers it. Without such an ALLOW (in particular with no
  /// bindings of that type at all), allow.everyone.if.no.acl.found decides, unless a DENY on LITERAL "*"
  /// applies (as Kafka's AclAuthorizer: some resource without ACLs may always exist).
  bool authorize_any(std::string_view principal, std::string_view host, resource_type rtype,
                     acl_operation op) const;

  /// Adds bindings (already validated; duplicates are kept once). Durable before it returns.
  status create(const std::vector<acl_binding>& bindings);
  /// Removes every binding the filter matches; returns them. Durable before it returns.
  result<std::vector<acl_binding>> remove(const acl_filter& filter);
  std::vector<acl_binding> describe(const acl_filter& filter) const;
  std::size_t size() const;

 private:
  authorizer(std::filesystem::path file, authorizer_config cfg) : _file(std::move(file)), _cfg(std::move(cfg)) {}
  using snapshot = std::vector<acl_binding>;
  std::shared_ptr<const snapshot> current() const { return std::atomic_load(&_bindings); }
  status save(const snapshot& s) const;  // durable write of `s`; caller holds _write_mu

  std::filesystem::path _file;
  authorizer_config _cfg;
  std::mutex _write_mu;  // serializes create/remove
  std::shared_ptr<const snapshot> _bindings = std::make_shared<const snapshot>();
};

}  // namespace sd::security
