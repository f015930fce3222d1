// FindCoordinator (key 10), v0-2: this node coordinates every group (key_type 0). Transaction coordinators
// (key_type 1) do not exist yet: COORDINATOR_NOT_AVAILABLE.
#include "broker/handlers/group_common.h"
#include "protocol/generated/find_coordinator.h"

namespace sd::broker::handlers {

net::awaitable<net::response_task> find_coordinator(request_context& ctx) {
  protocol::find_coordinator_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  protocol::find_coordinator_response resp;
  if (req.key_type != 0 || !ctx.broker.groups) {
    resp.error_code = code(kafka_error::coordinator_not_available);
    resp.error_message = "no coordinator for this key type";
    resp.node_id = -1;
    resp.port = -1;
    co_return respond(ctx, resp);
  }
  resp.node_id = ctx.broker.config.node_id;
  resp.host = ctx.broker.advertised.host;
  resp.port = ctx.broker.advertised.port;
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
