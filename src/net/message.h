#pragma once
// What crosses the boundary between the network layer and whoever handles requests (the broker).
//
// inbound_frame: one request as it arrived (the bytes after the 4-byte size prefix). The handler may modify
//   the bytes in place (the broker rewrites BaseOffset). The memory-budget lease that pays for the frame stays
//   with the connection until the request's response has been written, so the budget bounds request bytes
//   plus the responses they are waiting on.
// outbound_message: one response as a sequence of chunks, each owned bytes or a slice of a file that is sent
//   with sendfile on plaintext connections. The first chunk carries the 4-byte size prefix; the sum of the
//   chunk lengths minus 4 equals it (the handler's encoder guarantees this).

#include <cstdint>
#include <memory>
#include <optional>
#include <variant>
#include <vector>

#include "base/bytes.h"
#include "net/asio.h"
#include "net/memory_budget.h"

namespace sd::net {

struct inbound_frame {
  bytes data;
};

struct file_slice {
  int fd = -1;
  std::uint64_t pos = 0;
  std::uint32_t len = 0;
  std::shared_ptr<const void> keepalive;  // keeps the file open while the slice is in flight
};

using outbound_chunk = std::variant<bytes, file_slice>;

struct outbound_message {
  std::vector<outbound_chunk> chunks;
  bool close_after = false;  // close the connection once this is sent (for example after a fatal decode error)
};

/// Phase two of a request: completes when the response may be sent (for example after fsync for acks=all).
/// nullopt means "no response" (Produce with acks=0). The task owns everything it needs.
using response_task = awaitable<std::optional<outbound_message>>;

/// Per-connection facts a handler may read or keep state in.
struct connection_info {
  std::uint64_t id = 0;
  std::string remote;  // "host:port"
  std::size_t shard = 0;
};

/// Implemented by the broker. dispatch() is phase one: it is awaited in request order on the connection's
/// executor, so anything order-sensitive (appending a producer's batches) happens in arrival order. It returns
/// phase two, which the connection awaits in the same order before writing each response.
class request_handler {
 public:
  virtual ~request_handler() = default;
  virtual awaitable<response_task> dispatch(const connection_info& conn, inbound_frame frame) = 0;
  /// A frame that could not be accepted (size prefix out of range): the connection closes after this call.
  virtual void on_refused_frame(const connection_info& conn, std::int64_t claimed_size) = 0;
  /// Whether the connection should acknowledge this frame's bytes at TCP level at once (TCP_QUICKACK)
  /// instead of letting the ACK ride on the response. Worth it for requests whose response may wait: a client
  /// with Nagle's algorithm on (librdkafka's default) holds its next small request until this one's bytes
  /// are acknowledged. Called on the connection's executor after the frame is read, before dispatch().
  virtual bool acknowledge_at_once(const inbound_frame& /*frame*/) const { return false; }
};

}  // namespace sd::net
