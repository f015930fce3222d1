// DescribeGroups (key 15), v0-5 (flexible from v5): state, protocol type and name, members with client
// id/host, metadata for the selected protocol and (when Stable) assignment. An unknown group is described as
// Dead with no error. Authorisation: DESCRIBE on each group, else that group is answered
// GROUP_AUTHORIZATION_FAILED with an empty state, protocol and member list (Kafka's groupError), without
// asking the coordinator about it.
#include "protocol/generated/describe_groups.h"

#include "broker/authorize.h"
#include "broker/handlers/group_common.h"

namespace sd::broker::handlers {

net::awaitable<net::response_task> describe_groups(request_context& ctx) {
  protocol::describe_groups_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  // Denied groups are answered in place (request order kept); only the others go to the coordinator.
  const std::size_t n = req.groups.size();
  std::vector<bool> denied;  // empty: none denied
  for (std::size_t i = 0; i < n; ++i) {
    if (authorized(ctx, resource_type::group, req.groups[i], acl_operation::describe)) continue;
    if (denied.empty()) denied.resize(n);
    denied[i] = true;
  }
  std::vector<std::string> allowed;
  if (denied.empty()) {
    allowed = std::move(req.groups);
  } else {
    for (std::size_t i = 0; i < n; ++i)
      if (!denied[i]) allowed.push_back(req.groups[i]);
  }
  auto* coord = ctx.broker.groups;
  auto call = [coord, ids = std::move(allowed)] {
    std::vector<group::group_description> out;
    for (const auto& id : ids) {
      coord->manager().fire_due(id);  // a session that ended is gone now, not at the next tick
      out.push_back(coord->manager().describe(id));
    }
    return out;
  };
  std::vector<group::group_description> got = co_await net::run_on(coord->executor(), std::move(call));
  protocol::describe_groups_response resp;
  std::size_t next = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!denied.empty() && denied[i]) {
      auto& g = resp.groups.emplace_back();
      g.error_code = code(kafka_error::group_authorization_failed);
      g.group_id = req.groups[i];
      continue;
    }
    auto& d = got[next++];
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
