// JoinGroup (key 11), v0-9 (flexible from v6; v7+ answers the protocol type, v8 carries a reason, logged at
// debug level; v9 answers skip_assignment, always false: the leader always computes the assignment).
// Phase one hands the request to the coordinator shard; phase two waits for the rebalance to complete (or for
// an immediate error such as MEMBER_ID_REQUIRED from v4) and answers. Only the leader's response lists the
// members. v0 has no rebalance timeout: the session timeout is used.
// Authorisation: READ on the group, else GROUP_AUTHORIZATION_FAILED before the coordinator is asked.
#include "protocol/generated/join_group.h"

#include <spdlog/spdlog.h>

#include "broker/authorize.h"
#include "broker/handlers/group_common.h"

namespace sd::broker::handlers {

net::awaitable<net::response_task> join_group(request_context& ctx) {
  protocol::join_group_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  if (!authorized(ctx, resource_type::group, req.group_id, acl_operation::read)) {
    protocol::join_group_response resp;  // generation -1, empty member id, leader and protocol, as Kafka's
    resp.error_code = code(kafka_error::group_authorization_failed);
    resp.protocol_name = "";
    co_return respond(ctx, resp);
  }
  if (req.reason) spdlog::debug("group {}: member {} joins: {}", req.group_id, req.member_id, *req.reason);
  group::join_request jr;
  jr.group_id = std::move(req.group_id);
  jr.member_id = std::move(req.member_id);
  jr.instance_id = std::move(req.group_instance_id);
  jr.client_id = ctx.header.client_id.value_or("");
  jr.client_host = client_host(ctx.conn.remote);
  jr.session_timeout_ms = req.session_timeout_ms;
  jr.rebalance_timeout_ms = ctx.version >= 1 ? req.rebalance_timeout_ms : req.session_timeout_ms;
  jr.protocol_type = std::move(req.protocol_type);
  for (auto& p : req.protocols) jr.protocols.push_back({std::move(p.name), std::move(p.metadata)});
  jr.require_known_member_id = ctx.version >= 4;

  auto* coord = ctx.broker.groups;
  auto result = std::make_shared<deferred<group::join_result>>(co_await net::asio::this_coro::executor);
  auto call = [coord, jr = std::move(jr), cb = deferred<group::join_result>::completer(result)]() mutable {
    coord->manager().join(std::move(jr), std::move(cb));
  };
  co_await net::run_on(coord->executor(), std::move(call));

  auto phase_two = [](std::shared_ptr<deferred<group::join_result>> d, broker_probe* probe, std::int32_t correlation_id,
                      std::int16_t version) -> net::response_task {
    co_await d->done->wait();
    auto& r = *d->value;
    protocol::join_group_response resp;
    resp.error_code = group_code(r.error);
    resp.generation_id = r.generation;
    resp.protocol_type = r.protocol_type;
    resp.protocol_name = r.protocol_name.value_or("");
    resp.leader = r.leader;
    resp.member_id = r.member_id;
    for (auto& m : r.members) {
      auto& out = resp.members.emplace_back();
      out.member_id = std::move(m.member_id);
      out.group_instance_id = std::move(m.instance_id);
      out.metadata = std::move(m.metadata);
    }
    co_return encode_counted(*probe, correlation_id, version, resp);
  };
  co_return phase_two(result, &ctx.broker.probe, ctx.header.correlation_id, ctx.version);
}

}  // namespace sd::broker::handlers
