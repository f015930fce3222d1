#pragma once
// request_context: one decoded request on its way through a handler. Owns the frame (the decoded body's
// records views point into it), so a handler keeps the context alive while it uses them.

#include <cstdint>

#include "broker/broker_core.h"
#include "net/message.h"
#include "protocol/buffer.h"
#include "protocol/header.h"

namespace sd::broker {

struct request_context {
  broker_core& broker;
  net::connection_info conn;
  protocol::request_header header;
  std::int16_t version = 0;
  net::inbound_frame frame;
  sd::byte_span body;  // view into frame.data
};

/// Converts an encoded response into what the network layer sends (moves the byte chunks).
net::outbound_message to_outbound(protocol::response_buffer&& buf);

/// A phase-two task that is already complete.
net::response_task ready(std::optional<net::outbound_message> msg);

/// A phase-two task that closes the connection without answering (unparseable requests).
net::response_task close_connection();

/// Decodes the request body; on failure logs why and returns false (the caller then closes the connection).
template <class Msg>
bool decode_request(const request_context& ctx, Msg& out) {
  auto st = protocol::decode_body(ctx.body, ctx.version, out);
  if (!st) log_undecodable(ctx, st.error());
  return static_cast<bool>(st);
}
void log_undecodable(const request_context& ctx, std::error_code ec);

/// Counts the response's error codes in `probe` and encodes it. Every response goes through here (or
/// respond()), so streamdown_broker_errors_total sees every error a client is sent.
template <class Msg>
net::outbound_message encode_counted(broker_probe& probe, std::int32_t correlation_id, std::int16_t version,
                                     const Msg& body) {
  probe.count_errors(body);
  return to_outbound(protocol::encode_response(correlation_id, version, body));
}

/// Encodes `body` as the response to `ctx` (errors counted) and wraps it in a ready phase-two task.
template <class Msg>
net::response_task respond(const request_context& ctx, const Msg& body) {
  return ready(encode_counted(ctx.broker.probe, ctx.header.correlation_id, ctx.version, body));
}

/// Signature of every API handler: phase one runs inside, phase two is returned.
using handler_fn = net::awaitable<net::response_task> (*)(request_context& ctx);

}  // namespace sd::broker
