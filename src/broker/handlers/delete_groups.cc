// DeleteGroups (key 42), v0-1: removes Empty groups and their offsets (NON_EMPTY_GROUP 68 with members,
// GROUP_ID_NOT_FOUND 69 for unknown groups).
#include "broker/handlers/group_common.h"
#include "protocol/generated/delete_groups.h"

namespace sd::broker::handlers {

net::awaitable<net::response_task> delete_groups(request_context& ctx) {
  protocol::delete_groups_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  auto* coord = ctx.broker.groups;
  auto call = [coord, ids = std::move(req.groups_names)] {
    std::vector<std::pair<std::string, std::error_code>> out;
    for (const auto& id : ids) out.emplace_back(id, coord->manager().delete_group(id));
    return out;
  };
  std::vector<std::pair<std::string, std::error_code>> got = co_await net::run_on(coord->executor(), std::move(call));
  protocol::delete_groups_response resp;
  for (auto& [id, ec] : got) {
    auto& r = resp.results.emplace_back();
    r.group_id = id;
    r.error_code = group_code(ec);
  }
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
