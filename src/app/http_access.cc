#include "app/http_access.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "base/log_limiter.h"
#include "base/base64.h"

namespace sd::app {
namespace {
const std::string anonymous = "User:ANONYMOUS";
}

std::optional<std::string> http_access::authenticate(const http::request& req) const {
  if (!_sec) return anonymous;
  if (!req.tls_subject.empty())
    return "User:" + (_sec->ssl_principal_mapping ? _sec->ssl_principal_mapping->map(req.tls_subject) : req.tls_subject);
  std::string_view h = req.authorization;
  if (h.size() < 6 || (h.substr(0, 6) != "Basic " && h.substr(0, 6) != "basic ")) return std::nullopt;
  h.remove_prefix(6);
  while (!h.empty() && h.front() == ' ') h.remove_prefix(1);
  auto decoded = b64_decode(h);
  auto colon = decoded ? decoded->find(':') : std::string::npos;
  if (colon == std::string::npos) {
    _sec->probe.authentication_failed("HTTP", "BASIC");
    return std::nullopt;
  }
  std::string user = decoded->substr(0, colon);
  if (!_sec->users || !_sec->users->verify_plain(user, std::string_view(*decoded).substr(colon + 1))) {
    _sec->probe.authentication_failed("HTTP", "BASIC");
    static log_limiter limiter;  // clients can cause failures at will: at most one line a second
    if (auto skipped = limiter.admit())
      spdlog::warn("HTTP authentication failed: user '{}' from {}{}", user, req.peer_host,
                   *skipped ? fmt::format(" ({} more failure(s) not logged)", *skipped) : std::string());
    return std::nullopt;
  }
  _sec->probe.authentication_succeeded("HTTP", "BASIC");
  return "User:" + user;
}

bool http_access::may(const http::request& req, security::resource_type rtype, std::string_view name,
                      security::acl_operation op) const {
  if (!_sec || !_sec->acls || !_sec->acls->enabled()) return true;
  return _sec->acls->authorize(req.principal.empty() ? anonymous : req.principal, req.peer_host, rtype, name, op);
}

bool http_access::allowed(const http::request& req, security::resource_type rtype, std::string_view name,
                          security::acl_operation op) const {
  if (may(req, rtype, name, op)) return true;
  _sec->probe.authorization_denied(rtype, op);
  static log_limiter limiter;  // clients can cause denials at will: at most one line a second
  if (auto skipped = limiter.admit())
    spdlog::warn("HTTP authorization denied: principal {} from {}: {} on {} '{}' ({} {}){}",
                 req.principal.empty() ? anonymous : req.principal, req.peer_host, security::to_string(op),
                 security::to_string(rtype), name, req.method, req.path,
                 *skipped ? fmt::format(" ({} more denial(s) not logged)", *skipped) : std::string());
  return false;
}

http::response http_access::forbidden(std::string_view op, std::string_view rtype, std::string_view name) {
  nlohmann::json body = {{"error", "not authorized: " + std::string(op) + " on " + std::string(rtype) + " '" +
                                       std::string(name) + "'"},
                         {"code", "forbidden"}};
  return http::response{403, "application/json", body.dump()};
}

}  // namespace sd::app
