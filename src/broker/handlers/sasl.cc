// SaslHandshake (key 17), v0-1, and SaslAuthenticate (key 36), v0-2: SASL PLAIN and SCRAM-SHA-256/512 on
// SASL_PLAINTEXT and SASL_SSL listeners (broker/session.h has the state machine). Kafka's behaviour kept:
//   - an unsupported mechanism is answered UNSUPPORTED_SASL_MECHANISM with the enabled list, then closed;
//   - a failed authentication is answered SASL_AUTHENTICATION_FAILED with a message that names no secret,
//     then the connection is closed; it is counted and logged (rate-limited) with the peer address;
//   - SaslAuthenticate out of order (no handshake, or on a non-SASL listener) is ILLEGAL_SASL_STATE, closed;
//   - v1+ answers carry session_lifetime_ms = connections.max.reauth.ms (0: none), and a client may
//     re-authenticate (KIP-368) with a new handshake on the same connection, as the same principal. The
//     session expires for v0 clients too (they are not told; their connection is closed once it expired).
// SaslHandshake v0 implies raw SASL tokens without SaslAuthenticate framing: not supported (every client
// this project tests with uses v1); a v0 handshake is answered but the next raw frame will not decode.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "base/log_limiter.h"
#include "broker/handlers/handlers.h"
#include "broker/session.h"
#include "protocol/generated/sasl_authenticate.h"
#include "protocol/generated/sasl_handshake.h"

namespace sd::broker::handlers {
namespace {

using session = net::handler_session;

template <class Msg>
net::response_task respond_and_close(const request_context& ctx, const Msg& body) {
  auto msg = encode_counted(ctx.broker.probe, ctx.header.correlation_id, ctx.version, body);
  msg.close_after = true;
  return ready(std::move(msg));
}

/// Failures are logged at most once a second (a client can cause them at will), with the number left out.
void log_auth_failure(const request_context& ctx, std::string_view mechanism, std::string_view user,
                      std::string_view why) {
  static log_limiter limiter;
  auto skipped = limiter.admit();
  if (!skipped) return;
  spdlog::warn("authentication failed: {} user '{}' from {} on listener {}: {}{}", mechanism, user, ctx.conn.remote,
               ctx.conn.listener, why, *skipped ? fmt::format(" ({} more failure(s) not logged)", *skipped) : std::string());
}

bool mechanism_enabled(const broker_security& sec, std::string_view m) {
  return std::find(sec.sasl_mechanisms.begin(), sec.sasl_mechanisms.end(), m) != sec.sasl_mechanisms.end();
}

}  // namespace

net::awaitable<net::response_task> sasl_handshake(request_context& ctx) {
  protocol::sasl_handshake_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  protocol::sasl_handshake_response resp;
  auto* sec = ctx.broker.security;
  auto* s = ctx.conn.session.get();
  if (sec) resp.mechanisms = sec->sasl_mechanisms;
  if (!sec || !s || !net::uses_sasl(ctx.conn.protocol)) {
    resp.error_code = code(kafka_error::illegal_sasl_state);
    co_return respond_and_close(ctx, resp);
  }
  if (!mechanism_enabled(*sec, req.mechanism)) {
    resp.error_code = code(kafka_error::unsupported_sasl_mechanism);
    sec->probe.authentication_failed(ctx.conn.listener, "other");
    log_auth_failure(ctx, req.mechanism, "", "mechanism not enabled");
    co_return respond_and_close(ctx, resp);
  }
  if (s->st == session::state::awaiting_authenticate) {
    resp.error_code = code(kafka_error::illegal_sasl_state);
    co_return respond_and_close(ctx, resp);
  }
  s->reauthenticating = s->st == session::state::authenticated;
  if (s->reauthenticating && req.mechanism != s->mechanism) {
    // KIP-368: re-authentication must use the same mechanism.
    resp.error_code = code(kafka_error::illegal_sasl_state);
    co_return respond_and_close(ctx, resp);
  }
  s->mechanism = req.mechanism;
  s->handshake_version = ctx.version;
  s->st = session::state::awaiting_authenticate;
  s->scram.reset();
  co_return respond(ctx, resp);
}

net::awaitable<net::response_task> sasl_authenticate(request_context& ctx) {
  protocol::sasl_authenticate_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  protocol::sasl_authenticate_response resp;
  auto* sec = ctx.broker.security;
  auto* s = ctx.conn.session.get();
  if (!sec || !s || s->st != session::state::awaiting_authenticate) {
    resp.error_code = code(kafka_error::illegal_sasl_state);
    resp.error_message = "SaslAuthenticate before a successful SaslHandshake";
    co_return respond_and_close(ctx, resp);
  }
  std::string_view token(reinterpret_cast<const char*>(req.auth_bytes.data()), req.auth_bytes.size());
  std::string user;  // the authenticated user once the exchange is complete
  auto fail = [&](std::string_view who, std::string_view why) {
    sec->probe.authentication_failed(ctx.conn.listener, s->mechanism);
    log_auth_failure(ctx, s->mechanism, who, why);
    resp.error_code = code(kafka_error::sasl_authentication_failed);
    resp.error_message = "Authentication failed during authentication due to invalid credentials with SASL mechanism " +
                         s->mechanism;
    return respond_and_close(ctx, resp);
  };

  if (s->mechanism == "PLAIN") {
    auto creds = security::parse_plain(token);
    if (!creds) co_return fail("", "malformed PLAIN token");
    if (!sec->users || !sec->users->verify_plain(creds->user, creds->password))
      co_return fail(creds->user, "invalid user name or password");
    user = creds->user;
  } else if (auto alg = security::scram_from_mechanism(s->mechanism)) {
    if (!s->scram) {
      auto* users = sec->users;
      auto a = *alg;
      s->scram = std::make_unique<security::scram_server>(
          a, [users, a](std::string_view u) -> std::optional<security::scram_credential> {
            if (!users) return std::nullopt;
            return users->find(u, a);
          });
    }
    auto r = s->scram->step(token);
    if (r.st == security::scram_server::status::failed) {
      std::string who = s->scram->user();
      s->scram.reset();
      co_return fail(who, r.error);
    }
    resp.auth_bytes.assign(r.reply.begin(), r.reply.end());
    if (r.st == security::scram_server::status::need_more) co_return respond(ctx, resp);
    user = s->scram->user();
    s->scram.reset();
  } else {
    co_return fail("", "mechanism not implemented");
  }

  std::string principal = "User:" + user;
  if (s->reauthenticating && principal != s->principal) {
    // KIP-368: a re-authentication may not change the principal.
    co_return fail(user, "re-authentication as a different principal (" + s->principal + ")");
  }
  s->principal = std::move(principal);
  s->st = session::state::authenticated;
  s->reauthenticating = false;
  sec->probe.authentication_succeeded(ctx.conn.listener, s->mechanism);
  if (sec->max_reauth_ms > 0) {
    // The session expires whatever the version, as in Kafka (SaslServerAuthenticator): a v0 client (librdkafka
    // before 2.2) is not told the lifetime and cannot re-authenticate, so its connection is closed at the first
    // request after expiry and it reconnects. Only v1+ answers carry the field (the encoder skips it for v0).
    resp.session_lifetime_ms = sec->max_reauth_ms;
    s->session_expiry = std::chrono::steady_clock::now() + std::chrono::milliseconds(sec->max_reauth_ms);
  } else {
    s->session_expiry.reset();
  }
  spdlog::debug("connection {} from {} authenticated as {} ({})", ctx.conn.id, ctx.conn.remote, s->principal,
                s->mechanism);
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
