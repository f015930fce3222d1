// DeleteGroups (key 42), v0-2 (flexible from v2): removes Empty groups and their offsets (NON_EMPTY_GROUP 68
// with members, GROUP_ID_NOT_FOUND 69 for unknown groups). Authorisation: DELETE on each group, else that
// group is GROUP_AUTHORIZATION_FAILED and is not touched.
#include "protocol/generated/delete_groups.h"

#include "broker/authorize.h"
#include "broker/handlers/group_common.h"

namespace sd::broker::handlers {

net::awaitable<net::response_task> delete_groups(request_context& ctx) {
  protocol::delete_groups_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  // Denied groups keep their place in the answer; only the others go to the coordinator.
  const std::size_t n = req.groups_names.size();
  std::vector<bool> denied;  // empty: none denied
  for (std::size_t i = 0; i < n; ++i) {
    if (authorized(ctx, resource_type::group, req.groups_names[i], acl_operation::remove)) continue;
    if (denied.empty()) denied.resize(n);
    denied[i] = true;
  }
  std::vector<std::string> allowed;
  if (denied.empty()) {
    allowed = std::move(req.groups_names);
  } else {
    for (std::size_t i = 0; i < n; ++i)
      if (!denied[i]) allowed.push_back(req.groups_names[i]);
  }
  auto* coord = ctx.broker.groups;
  auto call = [coord, ids = std::move(allowed)] {
    std::vector<std::pair<std::string, std::error_code>> out;
    for (const auto& id : ids) out.emplace_back(id, coord->manager().delete_group(id));
    return out;
  };
  std::vector<std::pair<std::string, std::error_code>> got = co_await net::run_on(coord->executor(), std::move(call));
  protocol::delete_groups_response resp;
  std::size_t next = 0;
  for (std::size_t i = 0; i < n; ++i) {
    auto& r = resp.results.emplace_back();
    if (!denied.empty() && denied[i]) {
      r.group_id = req.groups_names[i];
      r.error_code = code(kafka_error::group_authorization_failed);
      continue;
    }
    auto& [id, ec] = got[next++];
    r.group_id = std::move(id);
    r.error_code = group_code(ec);
  }
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
