// OffsetFetch (key 9), v1-5. Null topics (v2+) = every partition the group committed; otherwise exactly the
// partitions asked for, -1 (no error) where nothing is committed, also for unknown groups.
#include "broker/handlers/group_common.h"
#include "protocol/generated/offset_fetch.h"

namespace sd::broker::handlers {

net::awaitable<net::response_task> offset_fetch(request_context& ctx) {
  protocol::offset_fetch_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  protocol::offset_fetch_response resp;
  if (req.group_id.empty()) {
    resp.error_code = code(kafka_error::invalid_group_id);
    co_return respond(ctx, resp);
  }
  std::optional<std::vector<group::topic_partition>> which;
  if (req.topics) {
    which.emplace();
    for (auto& t : *req.topics)
      for (auto p : t.partition_indexes) which->push_back({t.name, p});
  }
  auto* coord = ctx.broker.groups;
  auto call = [coord, g = std::move(req.group_id), which = std::move(which)] {
    return coord->manager().fetch(g, which);
  };
  std::vector<group::fetched_offset> got = co_await net::run_on(coord->executor(), std::move(call));
  for (auto& f : got) {
    if (resp.topics.empty() || resp.topics.back().name != f.tp.topic) resp.topics.emplace_back().name = f.tp.topic;
    auto& pr = resp.topics.back().partitions.emplace_back();
    pr.partition_index = f.tp.partition;
    pr.committed_offset = f.offset;
    pr.committed_leader_epoch = f.leader_epoch;
    pr.metadata = f.metadata.value_or("");
  }
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
