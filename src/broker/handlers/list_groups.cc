// ListGroups (key 16), v0-2: every group the coordinator knows (with members or committed offsets).
// Authorisation (Kafka's): DESCRIBE on the cluster lists every group; otherwise only the groups the principal
// may DESCRIBE are listed. Nothing is refused, so no denial is counted.
#include "broker/authorize.h"
#include "broker/handlers/group_common.h"
#include "protocol/generated/list_groups.h"

namespace sd::broker::handlers {

net::awaitable<net::response_task> list_groups(request_context& ctx) {
  protocol::list_groups_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  auto* coord = ctx.broker.groups;
  auto call = [coord] {
    coord->manager().tick();  // states as of now: sessions that ended are gone
    return coord->manager().list();
  };
  std::vector<group::group_listing> got = co_await net::run_on(coord->executor(), std::move(call));
  protocol::list_groups_response resp;
  const bool all = may(ctx, resource_type::cluster, security::cluster_resource_name, acl_operation::describe);
  for (auto& l : got) {
    if (!all && !may(ctx, resource_type::group, l.group_id, acl_operation::describe)) continue;
    auto& g = resp.groups.emplace_back();
    g.group_id = std::move(l.group_id);
    g.protocol_type = std::move(l.protocol_type);
    g.group_state = group::state_name(l.state);
  }
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
