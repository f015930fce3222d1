#pragma once
// gateway: the broker's HTTP data plane on the same log as the Kafka listeners (docs/HTTP_API.md):
//
//   POST /v1/topics/{topic}/records              produce (JSON array, NDJSON, raw octets), one result per record
//   POST /topics/{topic}                         the same in Confluent REST v2 shape (vnd.kafka.{json,binary}.v2)
//   GET  /v1/topics/{topic}/partitions/{p}/records   stateless read with long poll (offset=, from=, timeout_ms=)
//   GET  /v1/topics/{topic}/events               Server-Sent Events; each event's id is the stream's cursor
//   GET  /v1/ws/consume?topic=T                  WebSocket consume with client-granted credit
//   GET  /v1/ws/produce?topic=T                  WebSocket produce with server-granted credit
//
// Everything runs on the HTTP server's event loop as coroutines and hops to the storage loops for log work
// (log_io.h). Bounds: streamdown.http.stream.max.sessions open sessions, streamdown.http.stream.inflight.bytes
// of records per session at a time (leased from the broker's memory budget before they are read), one
// WebSocket message per session in the socket at a time (write timeout), idle timeouts.
// Authorisation is Kafka's: WRITE on the topic to produce (CREATE on the cluster or topic to auto-create),
// READ on the topic to consume, READ on the group for group sessions; denials are 403 before any upgrade.

#include <functional>
#include <memory>
#include <string_view>

#include "broker/broker_core.h"
#include "http/http_server.h"
#include "net/memory_budget.h"
#include "security/acl.h"

namespace sd::metrics {
class text_writer;
}

namespace sd::gateway {

struct gateway_config {
  std::size_t max_sessions = 512;
  std::chrono::milliseconds idle_timeout{60000};
  std::chrono::milliseconds write_timeout{30000};
  std::size_t inflight_bytes = 256 << 10;
  std::size_t ws_max_message_bytes = 1 << 20;
  std::size_t max_body_bytes = 1 << 20;  // a whole request body; also the longest NDJSON line of a streamed one
  bool auto_create_topics = true;
};

/// The ACL decision for one request (app's http_access::allowed: counts and logs denials).
using access_fn = std::function<bool(const http::request&, security::resource_type, std::string_view name,
                                     security::acl_operation)>;
/// Like access_fn but silent (used where a denial is not an error: CLUSTER CREATE before TOPIC CREATE).
using may_fn = access_fn;

class gateway {
 public:
  gateway(broker::broker_core& core, net::memory_budget& budget, gateway_config config, access_fn allowed,
          may_fn may);
  ~gateway();
  gateway(const gateway&) = delete;
  gateway& operator=(const gateway&) = delete;

  /// Registers the routes above. Call before http.start().
  void register_routes(http::http_server& http);
  /// The metrics section (stream_probe).
  void collect(metrics::text_writer& w) const;

  struct impl;

 private:
  std::unique_ptr<impl> _impl;
};

}  // namespace sd::gateway
