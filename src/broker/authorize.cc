#include "broker/authorize.h"

#include <spdlog/spdlog.h>

#include <span>

#include "base/log_limiter.h"
#include "broker/session.h"

namespace sd::broker {
namespace {

const std::string anonymous = "User:ANONYMOUS";

/// Denials are logged at most once a second (a client can cause them at will), with the number left out.
void log_denied(const request_context& ctx, resource_type rtype, std::string_view name, acl_operation op) {
  static log_limiter limiter;
  auto skipped = limiter.admit();
  if (!skipped) return;
  spdlog::warn("authorization denied: principal {} from {} (listener {}): {} on {} '{}'{}", principal_of(ctx),
               ctx.conn.peer_host, ctx.conn.listener, security::to_string(op), security::to_string(rtype), name,
               *skipped ? fmt::format(" ({} more denial(s) not logged)", *skipped) : std::string());
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

std::int32_t authorized_operations(const request_context& ctx, resource_type rtype, std::string_view name) {
  using op = acl_operation;
  static constexpr op topic_ops[] = {op::read,   op::write, op::create,           op::describe,
                                     op::remove, op::alter, op::describe_configs, op::alter_configs};
  static constexpr op group_ops[] = {op::read, op::describe, op::remove};
  static constexpr op cluster_ops[] = {op::create,        op::cluster_action,   op::describe_configs,
                                       op::alter_configs, op::idempotent_write, op::alter,
                                       op::describe};
  std::span<const op> ops;
  switch (rtype) {
    case resource_type::topic:
      ops = topic_ops;
      break;
    case resource_type::group:
      ops = group_ops;
      break;
    case resource_type::cluster:
      ops = cluster_ops;
      break;
    default:
      return 0;
  }
  std::int32_t bits = 0;
  for (op o : ops)
    if (may(ctx, rtype, name, o)) bits |= std::int32_t{1} << static_cast<int>(o);
  return bits;
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
