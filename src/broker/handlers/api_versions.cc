// ApiVersions (key 18), v0-3. v3 is flexible (compact body, request header v2) but its response header is
// always v0. An unsupported version is answered at v0 with error 35 and the full table, never a disconnect:
// librdkafka retries with the highest version it shares with us, kafkajs picks from the table.
#include "broker/dispatcher.h"
#include "broker/handlers/handlers.h"
#include "protocol/generated/api_versions.h"

namespace sd::broker::handlers {

net::awaitable<net::response_task> api_versions(request_context& ctx) {
  protocol::api_versions_response resp;
  const auto& table = api_table();
  for (std::size_t k = 0; k < table.size(); ++k) {
    if (!table[k].implemented()) continue;
    protocol::api_versions_response::api_version v;
    v.api_key = static_cast<std::int16_t>(k);
    v.min_version = table[k].min_version;
    v.max_version = table[k].max_version;
    resp.api_keys.push_back(v);
  }
  const auto& self = table[static_cast<std::size_t>(protocol::api_key::api_versions)];
  if (ctx.version < self.min_version || ctx.version > self.max_version) {
    resp.error_code = code(kafka_error::unsupported_version);
    ctx.version = 0;  // answer in a version every client can read
    co_return respond(ctx, resp);
  }
  protocol::api_versions_request req;
  if (!decode_request(ctx, req)) {
    // A v3 request with a body we cannot read: Kafka answers INVALID_REQUEST rather than closing.
    resp.error_code = code(kafka_error::invalid_request);
    co_return respond(ctx, resp);
  }
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
