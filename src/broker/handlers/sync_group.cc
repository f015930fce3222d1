// SyncGroup (key 14), v0-5 (flexible from v4). v5 carries the protocol type and name both ways: a request
// naming others than the group's is answered INCONSISTENT_GROUP_PROTOCOL. Followers wait (phase two) until
// the leader sends the assignments; the leader's request completes the rebalance and the group becomes
// Stable. Authorisation: READ on the group, else GROUP_AUTHORIZATION_FAILED before the coordinator is asked.
#include "protocol/generated/sync_group.h"

#include "broker/authorize.h"
#include "broker/handlers/group_common.h"

namespace sd::broker::handlers {

net::awaitable<net::response_task> sync_group(request_context& ctx) {
  protocol::sync_group_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  if (!authorized(ctx, resource_type::group, req.group_id, acl_operation::read)) {
    protocol::sync_group_response resp;
    resp.error_code = code(kafka_error::group_authorization_failed);
    co_return respond(ctx, resp);
  }
  group::sync_request sr;
  sr.group_id = std::move(req.group_id);
  sr.member_id = std::move(req.member_id);
  sr.instance_id = std::move(req.group_instance_id);
  sr.generation = req.generation_id;
  sr.protocol_type = std::move(req.protocol_type);
  sr.protocol_name = std::move(req.protocol_name);
  for (auto& a : req.assignments)
    sr.assignments.emplace_back(std::move(a.member_id), std::move(a.assignment));

  auto* coord = ctx.broker.groups;
  auto result = std::make_shared<deferred<group::sync_result>>(co_await net::asio::this_coro::executor);
  auto call = [coord, sr = std::move(sr), cb = deferred<group::sync_result>::completer(result)]() mutable {
    coord->manager().sync(std::move(sr), std::move(cb));
  };
  co_await net::run_on(coord->executor(), std::move(call));

  auto phase_two = [](std::shared_ptr<deferred<group::sync_result>> d, broker_probe* probe, std::int32_t correlation_id,
                      std::int16_t version) -> net::response_task {
    co_await d->done->wait();
    protocol::sync_group_response resp;
    resp.error_code = group_code(d->value->error);
    resp.assignment = std::move(d->value->assignment);
    if (!d->value->error) {
      resp.protocol_type = std::move(d->value->protocol_type);
      resp.protocol_name = std::move(d->value->protocol_name);
    }
    co_return encode_counted(*probe, correlation_id, version, resp);
  };
  co_return phase_two(result, &ctx.broker.probe, ctx.header.correlation_id, ctx.version);
}

}  // namespace sd::broker::handlers
