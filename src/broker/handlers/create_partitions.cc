// CreatePartitions (key 37), v0-3 (flexible from v2): grow a topic to `count` partitions. Manual assignments
// may only name this node. Partitions never shrink (INVALID_PARTITIONS). Authorisation: ALTER on each topic,
// else TOPIC_AUTHORIZATION_FAILED (before anything else about the topic is checked).
#include "protocol/generated/create_partitions.h"

#include "broker/authorize.h"
#include "broker/handlers/handlers.h"

namespace sd::broker::handlers {

net::awaitable<net::response_task> create_partitions(request_context& ctx) {
  protocol::create_partitions_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  protocol::create_partitions_response resp;
  for (auto& t : req.topics) {
    auto& r = resp.results.emplace_back();
    r.name = t.name;
    if (!authorized(ctx, resource_type::topic, t.name, acl_operation::alter)) {
      r.error_code = code(kafka_error::topic_authorization_failed);
      continue;
    }
    if (t.assignments) {
      bool only_self = true;
      for (auto& a : *t.assignments)
        only_self &= a.broker_ids.size() == 1 && a.broker_ids[0] == ctx.broker.config.node_id;
      if (!only_self) {
        r.error_code = code(kafka_error::invalid_replica_assignment);
        r.error_message = "this broker is the only node";
        continue;
      }
    }
    auto res = ctx.broker.topics.create_partitions(t.name, t.count, req.validate_only);
    r.error_code = code(res.error);
    if (!res.ok()) r.error_message = res.message;
  }
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
