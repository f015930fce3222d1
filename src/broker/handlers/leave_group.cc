// LeaveGroup (key 13), v0-5 (flexible from v4). v0-2 name one member; v3+ a batch of members (dynamic by
// member id, static by group.instance.id), each with its own error; v5 adds a reason, logged. The group
// rebalances without them.
// Authorisation: READ on the group, else GROUP_AUTHORIZATION_FAILED (top level, no members) before the
// coordinator is asked.
#include "protocol/generated/leave_group.h"

#include <spdlog/spdlog.h>

#include "broker/authorize.h"
#include "broker/handlers/group_common.h"

namespace sd::broker::handlers {

net::awaitable<net::response_task> leave_group(request_context& ctx) {
  protocol::leave_group_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  if (!authorized(ctx, resource_type::group, req.group_id, acl_operation::read)) {
    protocol::leave_group_response resp;
    resp.error_code = code(kafka_error::group_authorization_failed);
    co_return respond(ctx, resp);
  }
  std::vector<group::member_identity> who;
  if (ctx.version >= 3) {
    for (auto& m : req.members) {
      if (m.reason) spdlog::info("group {}: member {} leaves: {}", req.group_id, m.member_id, *m.reason);
      who.push_back({std::move(m.member_id), std::move(m.group_instance_id)});
    }
  } else {
    who.push_back({std::move(req.member_id), std::nullopt});
  }
  auto* coord = ctx.broker.groups;
  auto call = [coord, g = std::move(req.group_id), who = std::move(who)] { return coord->manager().leave(g, who); };
  group::leave_result r = co_await net::run_on(coord->executor(), std::move(call));
  protocol::leave_group_response resp;
  resp.error_code = group_code(r.error);
  if (ctx.version >= 3) {
    for (auto& [m, ec] : r.members) {
      auto& out = resp.members.emplace_back();
      out.member_id = m.member_id;
      out.group_instance_id = m.instance_id;
      out.error_code = group_code(ec);
    }
  } else if (!r.error && !r.members.empty()) {
    resp.error_code = group_code(r.members.front().second);
  }
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
