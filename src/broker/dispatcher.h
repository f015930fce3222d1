#pragma once
// dispatcher: the broker's net::request_handler. Decodes the request header, checks the API and version
// against the handler table, and runs the handler. What it refuses:
//   - a header that does not parse, or an API key no schema defines: the connection is closed (the stream
//     cannot be trusted), with a log line naming the peer and the reason;
//   - a known API this broker does not implement, or a version outside the handler's range: closed too,
//     except ApiVersions, which answers error 35 with the supported ranges (clients rely on that to
//     negotiate; a disconnect would push librdkafka into legacy mode).

#include <array>
#include <cstdint>

#include "broker/broker_core.h"
#include "broker/request_context.h"
#include "net/message.h"
#include "protocol/generated/api_keys.h"

namespace sd::broker {

struct api_entry {
  handler_fn fn = nullptr;
  std::int16_t min_version = -1;
  std::int16_t max_version = -1;
  bool implemented() const { return fn != nullptr; }
};

/// The handler table, indexed by API key. Each handlers/<api>.cc registers itself here.
const std::array<api_entry, 128>& api_table();

class dispatcher final : public net::request_handler {
 public:
  explicit dispatcher(broker_core& core) : _core(core) {}

  /// Attaches the connection's session (broker/session.h): its principal and SASL state.
  void on_open(net::connection_info& conn) override;
  void on_tls_failure(const net::connection_info& conn) override;
  net::awaitable<net::response_task> dispatch(const net::connection_info& conn, net::inbound_frame frame) override;
  void on_refused_frame(const net::connection_info& conn, std::int64_t claimed_size) override;
  /// Produce requests: their response may wait for an fsync (acks=all), and a producer with Nagle's
  /// algorithm on would hold its next request until then (docs/BENCHMARKS.md, latency).
  bool acknowledge_at_once(const net::inbound_frame& frame) const override { return is_produce(frame); }
  /// Whether a frame is a Produce request (its header starts with the API key).
  static bool is_produce(const net::inbound_frame& frame);

 private:
  broker_core& _core;
};

}  // namespace sd::broker
