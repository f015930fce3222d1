// InitProducerId (key 22), v0-4 (flexible from v2), for idempotent producers (null transactional id): a fresh
// producer id, unique across restarts, with epoch 0. v3+ may carry the producer's current id and epoch
// (KIP-360, asking for a bump after an error): without a transactional id Kafka answers that with a fresh id
// too, and so does this; an id without an epoch or the reverse is INVALID_REQUEST. A transactional id is the
// transaction coordinator's (txn::coordinator::init_producer_id: its producer id, the epoch bumped, an open
// transaction aborted; PRODUCER_FENCED from v4, INVALID_PRODUCER_EPOCH before). Authorisation (Kafka's, KIP-679): a transactional id needs WRITE on it; without
// one, IDEMPOTENT_WRITE on the cluster or WRITE on at least one topic, else CLUSTER_AUTHORIZATION_FAILED.
#include "protocol/generated/init_producer_id.h"

#include <spdlog/spdlog.h>

#include "broker/authorize.h"
#include "broker/handlers/handlers.h"
#include "broker/handlers/txn_common.h"

namespace sd::broker::handlers {
namespace {
constexpr std::int16_t init_producer_id_fenced_from = 4;
}

net::awaitable<net::response_task> init_producer_id(request_context& ctx) {
  protocol::init_producer_id_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  protocol::init_producer_id_response resp;
  auto fail = [&](kafka_error e) {
    resp.error_code = code(e);
    resp.producer_id = -1;  // Kafka's NO_PRODUCER_ID / NO_PRODUCER_EPOCH
    resp.producer_epoch = -1;
    return respond(ctx, resp);
  };
  if ((req.producer_id == -1) != (req.producer_epoch == -1)) co_return fail(kafka_error::invalid_request);
  if (req.transactional_id) {
    if (!authorized(ctx, resource_type::transactional_id, *req.transactional_id, acl_operation::write))
      co_return fail(kafka_error::transactional_id_authorization_failed);
    if (!ctx.broker.transactions) co_return fail(kafka_error::coordinator_not_available);
    auto r = co_await on_txn_coordinator(
        ctx.broker, ctx.broker.transactions->init_producer_id(*req.transactional_id, req.transaction_timeout_ms,
                                                              req.producer_id, req.producer_epoch));
    if (r.error) {
      resp.error_code = txn_code(r.error, ctx.version, init_producer_id_fenced_from);
      resp.producer_id = -1;
      resp.producer_epoch = -1;
      co_return respond(ctx, resp);
    }
    resp.producer_id = r.producer_id;
    resp.producer_epoch = r.producer_epoch;
    co_return respond(ctx, resp);
  }
  // IDEMPOTENT_WRITE is asked without counting a denial (Kafka logs only the by-resource-type check).
  if (!may(ctx, resource_type::cluster, security::cluster_resource_name, acl_operation::idempotent_write) &&
      !authorized_any(ctx, resource_type::topic, acl_operation::write))
    co_return fail(kafka_error::cluster_authorization_failed);
  auto id = ctx.broker.producer_ids.next();
  if (!id) {
    spdlog::error("cannot allocate a producer id: {}", id.error().message());
    resp.error_code = code(kafka_error::kafka_storage_error);
    co_return respond(ctx, resp);
  }
  resp.producer_id = *id;
  resp.producer_epoch = 0;
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
