// EndTxn (key 26), v0-3 (flexible from v3): commits or aborts the producer's transaction
// (txn::coordinator::end_txn). Answered once the markers are on every partition and, for a commit, the
// transaction's offsets are in their groups, all durably: a read_committed consumer sees the outcome as soon
// as the producer does. A retry of a finished EndTxn succeeds; the other verb then is INVALID_TXN_STATE.
// If the markers cannot be written yet the answer is COORDINATOR_LOAD_IN_PROGRESS (clients retry; the
// coordinator retries too). Authorisation: WRITE on the transactional id. PRODUCER_FENCED from v2.
#include "protocol/generated/end_txn.h"

#include "broker/authorize.h"
#include "broker/handlers/txn_common.h"

namespace sd::broker::handlers {
namespace {
constexpr std::int16_t end_txn_fenced_from = 2;
}

net::awaitable<net::response_task> end_txn(request_context& ctx) {
  protocol::end_txn_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  protocol::end_txn_response resp;
  if (!authorized(ctx, resource_type::transactional_id, req.transactional_id, acl_operation::write)) {
    resp.error_code = code(kafka_error::transactional_id_authorization_failed);
    co_return respond(ctx, resp);
  }
  if (!ctx.broker.transactions) {
    resp.error_code = code(kafka_error::coordinator_not_available);
    co_return respond(ctx, resp);
  }
  auto ec = co_await on_txn_coordinator(
      ctx.broker, ctx.broker.transactions->end_txn(req.transactional_id, req.producer_id, req.producer_epoch,
                                                   req.committed));
  resp.error_code = txn_code(ec, ctx.version, end_txn_fenced_from);
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
