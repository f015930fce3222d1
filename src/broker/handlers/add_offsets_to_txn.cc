// AddOffsetsToTxn (key 25), v0-3 (flexible from v3): the transaction will commit offsets of this group
// (TxnOffsetCommit then sends them). Authorisation: WRITE on the transactional id, READ on the group (Kafka's).
// PRODUCER_FENCED from v2.
#include "protocol/generated/add_offsets_to_txn.h"

#include "broker/authorize.h"
#include "broker/handlers/txn_common.h"

namespace sd::broker::handlers {
namespace {
constexpr std::int16_t add_offsets_to_txn_fenced_from = 2;
}

net::awaitable<net::response_task> add_offsets_to_txn(request_context& ctx) {
  protocol::add_offsets_to_txn_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  protocol::add_offsets_to_txn_response resp;
  if (!authorized(ctx, resource_type::transactional_id, req.transactional_id, acl_operation::write)) {
    resp.error_code = code(kafka_error::transactional_id_authorization_failed);
    co_return respond(ctx, resp);
  }
  if (!authorized(ctx, resource_type::group, req.group_id, acl_operation::read)) {
    resp.error_code = code(kafka_error::group_authorization_failed);
    co_return respond(ctx, resp);
  }
  if (!ctx.broker.transactions) {
    resp.error_code = code(kafka_error::coordinator_not_available);
    co_return respond(ctx, resp);
  }
  auto ec = co_await on_txn_coordinator(
      ctx.broker, ctx.broker.transactions->add_offsets(req.transactional_id, req.producer_id, req.producer_epoch,
                                                       req.group_id));
  resp.error_code = txn_code(ec, ctx.version, add_offsets_to_txn_fenced_from);
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
