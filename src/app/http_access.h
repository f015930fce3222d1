#pragma once
// http_access: the HTTP port's authentication hook and ACL decisions, on the same user store, principal
// mapping and ACLs as the Kafka listeners (broker/session.h). Routes ask `allowed` (answer 403 on false, the
// denial counted in streamdown_security_authorization_denied_total) or `may` (filter lists silently, as
// Metadata does). A request without a principal (authentication not required, none given) is User:ANONYMOUS.

#include <optional>
#include <string>
#include <string_view>

#include "broker/session.h"
#include "http/http_server.h"
#include "security/acl.h"

namespace sd::app {

class http_access {
 public:
  /// `sec` null: every request is allowed (tests of routes alone).
  explicit http_access(broker::broker_security* sec = nullptr) : _sec(sec) {}

  /// The principal of a request's credentials: the verified client certificate (mapped by
  /// ssl.principal.mapping.rules), else HTTP Basic checked against the user store; nullopt when neither holds
  /// (failures of Basic are counted as listener HTTP, mechanism BASIC).
  std::optional<std::string> authenticate(const http::request& req) const;

  bool may(const http::request& req, security::resource_type rtype, std::string_view name,
           security::acl_operation op) const;
  bool allowed(const http::request& req, security::resource_type rtype, std::string_view name,
               security::acl_operation op) const;
  bool allowed_cluster(const http::request& req, security::acl_operation op) const {
    return allowed(req, security::resource_type::cluster, security::cluster_resource_name, op);
  }
  static http::response forbidden(std::string_view op, std::string_view rtype, std::string_view name);

 private:
  broker::broker_security* _sec;
};

}  // namespace sd::app
