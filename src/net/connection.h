#pragma once
// connection: one client TCP connection. Two coroutines on the connection's shard executor:
//   reader: size prefix -> refuse if out of range -> acquire memory budget -> read body -> dispatch (phase one,
//           in order) -> queue phase two. Stops reading while the queue is full or the budget is spent, which
//           is how overload becomes TCP backpressure instead of memory.
//   writer: takes phase-two tasks in request order, awaits each, writes the response (bytes with write,
//           file slices with sendfile, or copied through a staging buffer: see file_send_mode).
// Responses therefore leave in request order (Kafka pipelining). Lifetime: shared_ptr held by both coroutines.

#include <cstdint>
#include <deque>
#include <memory>

#include "net/asio.h"
#include "net/message.h"
#include "net/notifier.h"

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
};

struct net_probe;
using connection_stats = net_probe;  // net/probe.h

class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(tcp::socket socket, connection_info info, request_handler& handler, memory_budget& budget,
             connection_limits limits, connection_stats& stats);

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
  awaitable<void> write_loop();
  awaitable<void> write_message(outbound_message& msg);
  // The two ways a message with file slices goes out; both return the bytes written.
  awaitable<std::uint64_t> write_with_sendfile(outbound_message& msg, bool has_files);
  awaitable<std::uint64_t> write_through_staging(outbound_message& msg);
  awaitable<void> send_file_slice(const file_slice& slice);

  tcp::socket _socket;
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
  bool _copy_files = false;  // file slices go through a staging buffer (decided in start() from the mode)
  bool _reading_done = false;
  bool _stop_reading = false;
  bool _closed = false;
};

}  // namespace sd::net
