#pragma once
// connection: one client TCP connection. Two coroutines on the connection's shard executor:
//   reader: size prefix -> refuse if out of range -> acquire memory budget -> read body -> dispatch (phase one,
//           in order) -> queue phase two. Stops reading while the queue is full or the budget is spent, which
//           is how overload becomes TCP backpressure instead of memory.
//   writer: takes phase-two tasks in request order, awaits each, writes the response (bytes with write,
//           file slices with sendfile, or copied through a staging buffer: see file_send_mode).
// Responses therefore leave in request order (Kafka pipelining). Lifetime: shared_ptr held by both coroutines.
// TLS (listeners SSL and SASL_SSL): the reader first completes the server handshake (bounded by
// handshake_timeout), then both coroutines use the TLS stream: one outstanding read and one outstanding write,
// which Asio's ssl::stream allows. Record data cannot go by sendfile through TLS: file slices are copied
// through a staging buffer and encrypted (kernel TLS is not used: see docs/ARCHITECTURE.md, "TLS").

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>

#include "net/asio.h"
#include "net/message.h"
#include "net/notifier.h"
#include "net/tls_context.h"

namespace sd::net {

/// How file slices (a Fetch response's record data) reach the socket.
enum class file_send_mode {
  sendfile,  // sendfile(): no copy in user space
  copy,      // pread into a 1 MiB staging buffer (net/staging_buffer.h) and write it, header bytes included
  // copy to loopback peers, sendfile to the rest (the default). Over loopback the receiver copies the data
  // either way, and a spliced page-cache page costs the sender more than a copy (docs/BENCHMARKS.md,
  // "consume"); to a NIC, sendfile spares the only copy.
  copy_to_loopback,
};

struct connection_limits {
  std::int32_t max_request_bytes = 100 * 1024 * 1024;  // socket.request.max.bytes
  std::size_t max_in_flight = 32;                      // queued phase-two tasks per connection
  file_send_mode file_send = file_send_mode::copy_to_loopback;  // streamdown.fetch.send.mode
  std::chrono::milliseconds handshake_timeout{10000};  // TLS handshake must finish within this
};

struct net_probe;
using connection_stats = net_probe;  // net/probe.h

class connection : public std::enable_shared_from_this<connection> {
 public:
  /// `tls`: the listener's TLS context, or null for plaintext.
  connection(tcp::socket socket, connection_info info, request_handler& handler, memory_budget& budget,
             connection_limits limits, connection_stats& stats, std::shared_ptr<ssl::context> tls = nullptr);

  void start();
  /// Stops reading new requests; responses already queued are still written. Call on the connection's executor.
  void stop_reading();
  /// Closes the socket now.
  void close();
  bool closed() const noexcept { return _closed; }
  const connection_info& info() const noexcept { return _info; }
  asio::any_io_executor executor() { return _socket.get_executor(); }

 private:
  awaitable<void> read_loop();
  /// TLS server handshake; false (connection to be closed) on failure or timeout.
  awaitable<bool> handshake();
  awaitable<void> read_exact(asio::mutable_buffer buf, boost::system::error_code& ec);
  /// read_exact for a request body; a large plaintext body is read with a receive low-water mark.
  awaitable<void> read_body(asio::mutable_buffer buf, boost::system::error_code& ec);
  static constexpr std::size_t k_low_water_min_frame = 64 * 1024;  // smaller bodies: plain read_exact
  static constexpr std::size_t k_low_water_max = 4 * 1024 * 1024;  // the most one mark asks for
  static constexpr std::chrono::milliseconds k_low_water_guard{50};  // a marked wait this long gives up the mark
  template <class Buffers>
  awaitable<std::size_t> write_all(const Buffers& buffers);
  awaitable<void> write_loop();
  awaitable<void> write_message(outbound_message& msg);
  // The two ways a message with file slices goes out; both return the bytes written.
  awaitable<std::uint64_t> write_with_sendfile(outbound_message& msg, bool has_files);
  awaitable<std::uint64_t> write_through_staging(outbound_message& msg);
  awaitable<std::uint64_t> write_tls_unstaged(outbound_message& msg);
  awaitable<void> send_file_slice(const file_slice& slice);

  tcp::socket _socket;
  std::shared_ptr<ssl::context> _tls_ctx;            // keeps the context alive as long as the stream
  std::unique_ptr<ssl::stream<tcp::socket&>> _tls;  // set iff the listener uses TLS
  connection_info _info;
  request_handler& _handler;
  memory_budget& _budget;
  connection_limits _limits;
  connection_stats& _stats;
  struct pending_response {
    response_task task;
    budget_lease lease;  // returned once the response is written
  };
  std::deque<pending_response> _pending;  // phase-two tasks in request order; size <= max_in_flight
  notifier _queue_changed;
  bool _copy_files = false;  // file slices go through a staging buffer (decided in start(); always under TLS)
  bool _reading_done = false;
  bool _stop_reading = false;
  bool _closed = false;
  bool _low_water = true;  // read_body may use SO_RCVLOWAT (false once a marked wait timed out)
};

}  // namespace sd::net
