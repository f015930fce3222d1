// DeleteTopics (key 20), v0-3 (by name). Each topic is unpublished, fenced on its shards, then removed
// from disk; see topic_table::delete_topic. Then every group's committed offsets for it are removed.
#include "broker/handlers/handlers.h"
#include "group/coordinator.h"
#include "protocol/generated/delete_topics.h"

#include <spdlog/spdlog.h>

namespace sd::broker::handlers {

net::awaitable<net::response_task> delete_topics(request_context& ctx) {
  protocol::delete_topics_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  protocol::delete_topics_response resp;
  for (auto& name : req.topic_names) {
    auto& r = resp.responses.emplace_back();
    r.name = name;
    auto res = co_await ctx.broker.topics.delete_topic(name);
    r.error_code = code(res.error);
    if (!res.ok()) {
      r.error_message = res.message;
      continue;
    }
    if (auto* coord = ctx.broker.groups) {
      auto forget = [coord, topic = name] { return coord->manager().remove_topic_offsets(topic); };
      std::size_t removed = co_await net::run_on(coord->executor(), std::move(forget));
      if (removed > 0) spdlog::info("topic {} deleted: removed {} committed offset(s)", name, removed);
    }
  }
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
