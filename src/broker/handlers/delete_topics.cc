// DeleteTopics (key 20), v0-3 (by name). Each topic is unpublished, fenced on its shards, then removed
// from disk; see topic_table::delete_topic. Then every group's committed offsets for it are removed.
// Authorisation (Kafka's controller): DELETE on the cluster allows every topic; otherwise DELETE on the topic,
// checked before anything is deleted. A denied topic is TOPIC_AUTHORIZATION_FAILED, except that a topic the
// principal may DESCRIBE but that does not exist is UNKNOWN_TOPIC_OR_PARTITION: without DESCRIBE, the answer
// does not reveal whether the topic exists.
#include "broker/authorize.h"
#include "broker/handlers/handlers.h"
#include "group/coordinator.h"
#include "protocol/generated/delete_topics.h"

#include <spdlog/spdlog.h>

namespace sd::broker::handlers {

net::awaitable<net::response_task> delete_topics(request_context& ctx) {
  protocol::delete_topics_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  protocol::delete_topics_response resp;
  // Every topic is judged before any is deleted (the deletions below suspend).
  const bool cluster_delete =
      may(ctx, resource_type::cluster, security::cluster_resource_name, acl_operation::remove);
  std::vector<kafka_error> denied(req.topic_names.size(), kafka_error::none);
  for (std::size_t i = 0; i < req.topic_names.size() && !cluster_delete; ++i) {
    const auto& name = req.topic_names[i];
    if (authorized(ctx, resource_type::topic, name, acl_operation::remove)) continue;
    // Only a topic the principal may DESCRIBE is told apart as missing.
    denied[i] = may(ctx, resource_type::topic, name, acl_operation::describe) && !ctx.broker.topics.find_topic(name)
                    ? kafka_error::unknown_topic_or_partition
                    : kafka_error::topic_authorization_failed;
  }
  for (std::size_t i = 0; i < req.topic_names.size(); ++i) {
    const auto& name = req.topic_names[i];
    auto& r = resp.responses.emplace_back();
    r.name = name;
    if (denied[i] != kafka_error::none) {
      r.error_code = code(denied[i]);
      continue;
    }
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
