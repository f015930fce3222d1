// InitProducerId (key 22), v0-1, for idempotent producers (null transactional id): a fresh producer id,
// unique across restarts, with epoch 0. A transactional id gets TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
// transactions are not supported yet, and that code makes clients fail clearly rather than retry.
#include <spdlog/spdlog.h>

#include "broker/handlers/handlers.h"
#include "protocol/generated/init_producer_id.h"

namespace sd::broker::handlers {

net::awaitable<net::response_task> init_producer_id(request_context& ctx) {
  protocol::init_producer_id_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  protocol::init_producer_id_response resp;
  if (req.transactional_id) {
    resp.error_code = code(kafka_error::transactional_id_authorization_failed);
    co_return respond(ctx, resp);
  }
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
