// FindCoordinator (key 10), v0-2: this node coordinates every group (key_type 0), answered with the address
// of the listener the request came in on. Transaction coordinators (key_type 1) do not exist yet:
// COORDINATOR_NOT_AVAILABLE. Authorisation first, as Kafka: DESCRIBE on the group (else
// GROUP_AUTHORIZATION_FAILED) or on the transactional id (else TRANSACTIONAL_ID_AUTHORIZATION_FAILED).
#include "broker/authorize.h"
#include "broker/handlers/group_common.h"
#include "protocol/generated/find_coordinator.h"

namespace sd::broker::handlers {
namespace {

constexpr std::int8_t key_type_group = 0;
constexpr std::int8_t key_type_transaction = 1;

}  // namespace

net::awaitable<net::response_task> find_coordinator(request_context& ctx) {
  protocol::find_coordinator_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  protocol::find_coordinator_response resp;
  auto fail = [&](kafka_error e, const char* msg) {
    resp.error_code = code(e);
    resp.error_message = msg;
    resp.node_id = -1;  // Kafka's Node.noNode()
    resp.port = -1;
    return respond(ctx, resp);
  };
  if (req.key_type == key_type_group && !authorized(ctx, resource_type::group, req.key, acl_operation::describe))
    co_return fail(kafka_error::group_authorization_failed, "Group authorization failed.");
  if (req.key_type == key_type_transaction &&
      !authorized(ctx, resource_type::transactional_id, req.key, acl_operation::describe))
    co_return fail(kafka_error::transactional_id_authorization_failed, "Transactional Id authorization failed.");
  if (req.key_type != key_type_group || !ctx.broker.groups)
    co_return fail(kafka_error::coordinator_not_available, "no coordinator for this key type");
  const auto& advertised = ctx.broker.advertised_for(ctx.conn.listener);
  resp.node_id = ctx.broker.config.node_id;
  resp.host = advertised.host;
  resp.port = advertised.port;
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
