#include "broker/authorize.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>

#include "broker/session.h"

namespace sd::broker {
namespace {

const std::string anonymous = "User:ANONYMOUS";

/// At most one denial log line per second, with the number left out since the last one.
void log_denied(const request_context& ctx, resource_type rtype, std::string_view name, acl_operation op) {
  static std::atomic<std::int64_t> last_ms{0};
  static std::atomic<std::uint64_t> suppressed{0};
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::steady_clock::now().time_since_epoch()).count();
  auto prev = last_ms.load(std::memory_order_relaxed);
  if (now - prev < 1000 || !last_ms.compare_exchange_strong(prev, now)) {
    suppressed.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  spdlog::warn("authorization denied: principal {} from {} (listener {}): {} on {} '{}'{}", principal_of(ctx),
               ctx.conn.peer_host, ctx.conn.listener, security::to_string(op), security::to_string(rtype), name,
               [&] {
                 auto n = suppressed.exchange(0);
                 return n ? fmt::format(" ({} more denial(s) not logged)", n) : std::string();
               }());
}

}  // namespace

const std::string& principal_of(const request_context& ctx) {
  return ctx.conn.session ? ctx.conn.session->principal : anonymous;
}

bool may(const request_context& ctx, resource_type rtype, std::string_view name, acl_operation op) {
  const auto* sec = ctx.broker.security;
  if (!sec || !sec->acls || !sec->acls->enabled()) return true;
  return sec->acls->authorize(principal_of(ctx), ctx.conn.peer_host, rtype, name, op);
}

bool authorized(const request_context& ctx, resource_type rtype, std::string_view name, acl_operation op) {
  if (may(ctx, rtype, name, op)) return true;
  ctx.broker.security->probe.authorization_denied(rtype, op);
  log_denied(ctx, rtype, name, op);
  return false;
}

bool authorized_any(const request_context& ctx, resource_type rtype, acl_operation op) {
  auto* sec = ctx.broker.security;
  if (!sec || !sec->acls || !sec->acls->enabled()) return true;
  if (sec->acls->authorize_any(principal_of(ctx), ctx.conn.peer_host, rtype, op)) return true;
  sec->probe.authorization_denied(rtype, op);
  log_denied(ctx, rtype, "*", op);
  return false;
}

}  // namespace sd::broker
