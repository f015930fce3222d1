#pragma once
// The broker's per-connection authentication state (net::handler_session, attached by dispatcher::on_open)
// and the security services the handlers share (broker_security, owned by app/).
//
// Session state machine (a connection on a SASL listener):
//   awaiting_handshake --SaslHandshake(enabled mechanism)--> awaiting_authenticate
//   awaiting_authenticate --SaslAuthenticate (one or more steps)--> authenticated | closed on failure
//   authenticated --SaslHandshake (re-authentication, KIP-368, same principal)--> awaiting_authenticate
// Before `authenticated`, only ApiVersions, SaslHandshake and SaslAuthenticate are served; anything else closes
// the connection (as Kafka does). On PLAINTEXT and SSL listeners the session starts `authenticated`, as
// User:ANONYMOUS, or on SSL with a verified client certificate as User:<mapped subject>.
// Only the connection's executor touches a session (phase one of its requests runs there, in order).

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/message.h"
#include "security/authorizer.h"
#include "security/principal_mapping.h"
#include "security/probe.h"
#include "security/scram.h"
#include "security/user_store.h"

namespace sd::net {

struct handler_session {
  enum class state { awaiting_handshake, awaiting_authenticate, authenticated };
  state st = state::authenticated;
  std::string principal = "User:ANONYMOUS";
  std::string mechanism;  // chosen in SaslHandshake
  std::int16_t handshake_version = 1;
  std::unique_ptr<security::scram_server> scram;  // during a SCRAM exchange
  bool reauthenticating = false;
  /// connections.max.reauth.ms: requests other than SASL ones after this close the connection.
  std::optional<std::chrono::steady_clock::time_point> session_expiry;
  /// Wall-clock ms of this connection's last broker::fetch_activity report (consumer Fetch requests).
  std::int64_t fetch_reported_ms = 0;
};

}  // namespace sd::net

namespace sd::broker {

/// Security services shared by every connection; owned by app/ and outliving the listeners.
struct broker_security {
  security::authorizer* acls = nullptr;  // never null once the broker runs (may be disabled)
  security::user_store* users = nullptr;
  std::optional<security::principal_mapping> ssl_principal_mapping;
  std::vector<std::string> sasl_mechanisms{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"};  // sasl.enabled.mechanisms
  std::int64_t max_reauth_ms = 0;  // connections.max.reauth.ms (0: no expiry)
  security::security_probe probe;
};

}  // namespace sd::broker
