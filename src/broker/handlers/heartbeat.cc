// Heartbeat (key 12), v0-4 (flexible from v4): refreshes the member's session. 25 on an Empty/unknown group
// or member, 22 for another generation, 27 while the group prepares a rebalance (the member must rejoin).
// Authorisation: READ on the group, else GROUP_AUTHORIZATION_FAILED before the coordinator is asked.
#include "protocol/generated/heartbeat.h"

#include "broker/authorize.h"
#include "broker/handlers/group_common.h"

namespace sd::broker::handlers {

net::awaitable<net::response_task> heartbeat(request_context& ctx) {
  protocol::heartbeat_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  if (!authorized(ctx, resource_type::group, req.group_id, acl_operation::read)) {
    protocol::heartbeat_response resp;
    resp.error_code = code(kafka_error::group_authorization_failed);
    co_return respond(ctx, resp);
  }
  group::heartbeat_request hr;
  hr.group_id = std::move(req.group_id);
  hr.member_id = std::move(req.member_id);
  hr.instance_id = std::move(req.group_instance_id);
  hr.generation = req.generation_id;
  auto* coord = ctx.broker.groups;
  auto call = [coord, hr = std::move(hr)] { return coord->manager().heartbeat(hr); };
  std::error_code ec = co_await net::run_on(coord->executor(), std::move(call));
  protocol::heartbeat_response resp;
  resp.error_code = group_code(ec);
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
