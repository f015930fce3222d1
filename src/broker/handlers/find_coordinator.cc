// FindCoordinator (key 10), v0-4 (flexible from v3; v4 asks for several keys at once and is answered per
// key). This node coordinates every group (key_type 0) and every transactional id (key_type 1), answered with
// the address of the listener the request came in on; other key types get COORDINATOR_NOT_AVAILABLE.
// Authorisation first, as Kafka: DESCRIBE on the group (else GROUP_AUTHORIZATION_FAILED) or on the
// transactional id (else TRANSACTIONAL_ID_AUTHORIZATION_FAILED).
#include "protocol/generated/find_coordinator.h"

#include "broker/authorize.h"
#include "broker/handlers/group_common.h"

namespace sd::broker::handlers {
namespace {

constexpr std::int8_t key_type_group = 0;
constexpr std::int8_t key_type_transaction = 1;
constexpr std::int16_t first_batched_version = 4;

using coordinator_t = protocol::find_coordinator_response::coordinator;

coordinator_t locate(request_context& ctx, const std::string& key, std::int8_t key_type) {
  coordinator_t c;
  c.key = key;
  auto fail = [&c](kafka_error e, const char* msg) {
    c.error_code = code(e);
    c.error_message = msg;
    c.node_id = -1;  // Kafka's Node.noNode()
    c.port = -1;
    return c;
  };
  if (key_type == key_type_group && !authorized(ctx, resource_type::group, key, acl_operation::describe))
    return fail(kafka_error::group_authorization_failed, "Group authorization failed.");
  if (key_type == key_type_transaction &&
      !authorized(ctx, resource_type::transactional_id, key, acl_operation::describe))
    return fail(kafka_error::transactional_id_authorization_failed, "Transactional Id authorization failed.");
  const bool served = (key_type == key_type_group && ctx.broker.groups) ||
                      (key_type == key_type_transaction && ctx.broker.transactions);
  if (!served) return fail(kafka_error::coordinator_not_available, "no coordinator for this key type");
  const auto& advertised = ctx.broker.advertised_for(ctx.conn.listener);
  c.node_id = ctx.broker.config.node_id;
  c.host = advertised.host;
  c.port = advertised.port;
  return c;
}

}  // namespace

net::awaitable<net::response_task> find_coordinator(request_context& ctx) {
  protocol::find_coordinator_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  protocol::find_coordinator_response resp;
  if (ctx.version >= first_batched_version) {
    for (const auto& key : req.coordinator_keys) resp.coordinators.push_back(locate(ctx, key, req.key_type));
    co_return respond(ctx, resp);
  }
  auto c = locate(ctx, req.key, req.key_type);
  resp.error_code = c.error_code;
  resp.error_message = std::move(c.error_message);
  resp.node_id = c.node_id;
  resp.host = std::move(c.host);
  resp.port = c.port;
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
