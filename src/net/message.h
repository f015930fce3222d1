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
#include <utility>
#include <variant>
#include <vector>

#include "base/bytes.h"
#include "net/asio.h"
#include "net/listener.h"
#include "net/memory_budget.h"

namespace sd::net {

/// Allocates like std::allocator but leaves new elements uninitialised (construct() with no arguments does
/// nothing): a request buffer of N bytes is filled by the socket read at once, so zero-filling it first was
/// pure cost (3 % of the broker's CPU at acks=1 with 1 MB requests; docs/BENCHMARKS.md).
template <class T>
struct uninitialised_allocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = uninitialised_allocator<U>;
  };
  uninitialised_allocator() = default;
  template <class U>
  uninitialised_allocator(const uninitialised_allocator<U>&) noexcept {}
  template <class U>
  void construct(U*) noexcept {}
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

/// A request's bytes: contiguous, converts to byte_span; not zero-filled when sized.
using frame_bytes = std::vector<std::uint8_t, uninitialised_allocator<std::uint8_t>>;

struct inbound_frame {
  frame_bytes data;
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

/// State a request handler keeps per connection (the broker's authentication state). Defined by the handler;
/// the network layer only holds it.
struct handler_session;

/// Per-connection facts a handler may read or keep state in.
struct connection_info {
  std::uint64_t id = 0;
  std::string remote;  // "host:port"
  std::string peer_host;  // the peer's address without the port (ACL host matching)
  std::size_t shard = 0;
  std::string listener;  // the listener's name ("SASL_SSL")
  security_protocol protocol = security_protocol::plaintext;
  std::uint16_t local_port = 0;  // the port the connection arrived on
  /// RFC 2253 subject of the client's verified TLS certificate; empty without one (or on plaintext).
  std::string tls_peer_subject;
  /// Set by request_handler::on_open; used only on the connection's executor.
  std::shared_ptr<handler_session> session;
};

/// Implemented by the broker. dispatch() is phase one: it is awaited in request order on the connection's
/// executor, so anything order-sensitive (appending a producer's batches) happens in arrival order. It returns
/// phase two, which the connection awaits in the same order before writing each response.
class request_handler {
 public:
  virtual ~request_handler() = default;
  /// Called once on the connection's executor before its first request (after the TLS handshake), so the
  /// handler can attach its per-connection session.
  virtual void on_open(connection_info& /*conn*/) {}
  /// A TLS handshake failed (bad or missing client certificate, plaintext on a TLS port, timeout).
  virtual void on_tls_failure(const connection_info& /*conn*/) {}
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
