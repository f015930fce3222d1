// DescribeCluster (key 60), v0-1 (flexible from v0): the cluster id, this node as the only broker and the
// controller, and (when asked) the principal's authorized operations on the cluster. v1's endpoint type 2
// (controllers) is answered with this node too: it is the controller. Any other endpoint type is
// INVALID_REQUEST. No authorisation is needed, as in Kafka (the same facts are in every Metadata answer).
#include "protocol/generated/describe_cluster.h"

#include "broker/authorize.h"
#include "broker/handlers/handlers.h"

namespace sd::broker::handlers {
namespace {

constexpr std::int8_t endpoint_brokers = 1;
constexpr std::int8_t endpoint_controllers = 2;

}  // namespace

net::awaitable<net::response_task> describe_cluster(request_context& ctx) {
  protocol::describe_cluster_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  auto& core = ctx.broker;
  protocol::describe_cluster_response resp;
  resp.endpoint_type = req.endpoint_type;
  if (req.endpoint_type != endpoint_brokers && req.endpoint_type != endpoint_controllers) {
    resp.error_code = code(kafka_error::invalid_request);
    resp.error_message = "unknown endpoint type " + std::to_string(req.endpoint_type);
    co_return respond(ctx, resp);
  }
  resp.cluster_id = core.topics.cluster_id();
  resp.controller_id = core.config.node_id;
  auto& self = resp.brokers.emplace_back();
  self.broker_id = core.config.node_id;
  const auto& advertised = core.advertised_for(ctx.conn.listener);
  self.host = advertised.host;
  self.port = advertised.port;
  if (req.include_cluster_authorized_operations)
    resp.cluster_authorized_operations =
        authorized_operations(ctx, resource_type::cluster, security::cluster_resource_name);
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
