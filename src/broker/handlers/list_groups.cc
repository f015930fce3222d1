// ListGroups (key 16), v0-5 (flexible from v3): every group the coordinator knows (with members or committed
// offsets). v4 filters by state ("Stable", "Empty", ...; case-insensitive, empty = all), v5 by group type:
// every group here is a "classic" group, so a types filter without "classic" lists nothing. Authorisation
// (Kafka's): DESCRIBE on the cluster lists every group; otherwise only the groups the principal may DESCRIBE
// are listed. Nothing is refused, so no denial is counted.
#include "protocol/generated/list_groups.h"

#include <cctype>
#include <string_view>

#include "broker/authorize.h"
#include "broker/handlers/group_common.h"

namespace sd::broker::handlers {
namespace {

constexpr const char* classic_group_type = "classic";

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

/// Empty filter: everything passes.
bool passes(const std::vector<std::string>& filter, std::string_view value) {
  if (filter.empty()) return true;
  for (const auto& f : filter)
    if (iequal(f, value)) return true;
  return false;
}

}  // namespace

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
  if (!passes(req.types_filter, classic_group_type)) co_return respond(ctx, resp);
  for (auto& l : got) {
    const char* state = group::state_name(l.state);
    if (!passes(req.states_filter, state)) continue;
    if (!all && !may(ctx, resource_type::group, l.group_id, acl_operation::describe)) continue;
    auto& g = resp.groups.emplace_back();
    g.group_id = std::move(l.group_id);
    g.protocol_type = std::move(l.protocol_type);
    g.group_state = state;
    g.group_type = classic_group_type;
  }
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
