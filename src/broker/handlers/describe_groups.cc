// DescribeGroups (key 15), v0-4: state, protocol type and name, members with client id/host, metadata for
// the selected protocol and (when Stable) assignment. An unknown group is described as Dead with no error.
#include "broker/handlers/group_common.h"
#include "protocol/generated/describe_groups.h"

namespace sd::broker::handlers {

net::awaitable<net::response_task> describe_groups(request_context& ctx) {
  protocol::describe_groups_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  auto* coord = ctx.broker.groups;
  auto call = [coord, ids = std::move(req.groups)] {
    std::vector<group::group_description> out;
    for (const auto& id : ids) out.push_back(coord->manager().describe(id));
    return out;
  };
  std::vector<group::group_description> got = co_await net::run_on(coord->executor(), std::move(call));
  protocol::describe_groups_response resp;
  for (auto& d : got) {
    auto& g = resp.groups.emplace_back();
    g.error_code = group_code(d.error);
    g.group_id = d.group_id;
    g.group_state = group::state_name(d.state);
    g.protocol_type = d.protocol_type;
    g.protocol_data = d.protocol_name;
    for (auto& m : d.members) {
      auto& out = g.members.emplace_back();
      out.member_id = std::move(m.member_id);
      out.group_instance_id = std::move(m.instance_id);
      out.client_id = std::move(m.client_id);
      out.client_host = std::move(m.client_host);
      out.member_metadata = std::move(m.metadata);
      out.member_assignment = std::move(m.assignment);
    }
  }
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
