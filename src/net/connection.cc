#include "net/connection.h"

#include <spdlog/spdlog.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

#include <cerrno>

#include "base/bytes.h"
#include "net/probe.h"

namespace sd::net {

connection::connection(tcp::socket socket, connection_info info, request_handler& handler, memory_budget& budget,
                       connection_limits limits, connection_stats& stats)
    : _socket(std::move(socket)),
      _info(std::move(info)),
      _handler(handler),
      _budget(budget),
      _limits(limits),
      _stats(stats),
      _queue_changed(_socket.get_executor()) {}

void connection::start() {
  boost::system::error_code ec;
  _socket.set_option(tcp::no_delay(true), ec);
  auto self = shared_from_this();
  asio::co_spawn(_socket.get_executor(), [self]() { return self->read_loop(); }, asio::detached);
  asio::co_spawn(_socket.get_executor(), [self]() { return self->write_loop(); }, asio::detached);
}

void connection::stop_reading() {
  _stop_reading = true;
  boost::system::error_code ec;
  _socket.shutdown(tcp::socket::shutdown_receive, ec);
  _queue_changed.notify();
}

void connection::close() {
  if (_closed) return;
  _closed = true;
  _stats.open.fetch_sub(1, std::memory_order_relaxed);
  _stats.closed_total.fetch_add(1, std::memory_order_relaxed);
  boost::system::error_code ec;
  _socket.shutdown(tcp::socket::shutdown_both, ec);
  _socket.close(ec);
  _queue_changed.notify();
}

awaitable<void> connection::read_loop() {
  auto self = shared_from_this();
  try {
    while (!_closed && !_stop_reading) {
      // Bound the pipeline: stop reading while max_in_flight responses are pending.
      while (_pending.size() >= _limits.max_in_flight && !_closed) co_await _queue_changed.wait();
      if (_closed) break;

      std::uint8_t size_buf[4];
      boost::system::error_code ec;
      co_await asio::async_read(_socket, asio::buffer(size_buf), no_throw(ec));
      if (ec) break;
      std::int32_t size = load_be<std::int32_t>(size_buf);
      if (size < 8 || size > _limits.max_request_bytes) {
        // Kafka closes the connection for an out-of-range size: the stream can no longer be framed.
        _stats.refused_frames_total.fetch_add(1, std::memory_order_relaxed);
        _handler.on_refused_frame(_info, size);
        break;
      }
      budget_lease lease = co_await _budget.acquire(static_cast<std::size_t>(size));
      inbound_frame frame{bytes(static_cast<std::size_t>(size))};
      co_await asio::async_read(_socket, asio::buffer(frame.data), no_throw(ec));
      if (ec) break;
      _stats.requests_total.fetch_add(1, std::memory_order_relaxed);
      _stats.bytes_received_total.fetch_add(4 + static_cast<std::uint64_t>(size), std::memory_order_relaxed);
      response_task task = co_await _handler.dispatch(_info, std::move(frame));
      _pending.push_back(pending_response{std::move(task), std::move(lease)});
      _queue_changed.notify();
    }
  } catch (const std::exception& e) {
    spdlog::warn("connection {} from {}: reader stopped: {}", _info.id, _info.remote, e.what());
  }
  _reading_done = true;
  _queue_changed.notify();
}

awaitable<void> connection::write_loop() {
  auto self = shared_from_this();
  try {
    for (;;) {
      while (_pending.empty() && !_reading_done && !_closed) co_await _queue_changed.wait();
      if (_pending.empty() || _closed) break;
      pending_response next = std::move(_pending.front());
      _pending.pop_front();
      _queue_changed.notify();  // the reader may be waiting for room
      std::optional<outbound_message> msg = co_await std::move(next.task);
      if (!msg) continue;
      if (_closed) break;
      co_await write_message(*msg);
      next.lease.release();
      if (msg->close_after) break;
    }
  } catch (const std::exception& e) {
    // A write error means the peer is gone; nothing more to send.
    spdlog::debug("connection {} from {}: writer stopped: {}", _info.id, _info.remote, e.what());
  }
  close();
}

awaitable<void> connection::write_message(outbound_message& msg) {
  std::uint64_t sent = 0;
  bool has_files = false;
  for (auto& c : msg.chunks) has_files |= std::holds_alternative<file_slice>(c);
  int fd = _socket.native_handle();
  int on = 1, off = 0;
  // Cork so the header bytes and the file data leave in full segments rather than one small packet each.
  if (has_files) ::setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof on);

  std::vector<asio::const_buffer> run;  // consecutive byte chunks written with one gather write
  auto flush_run = [&]() -> awaitable<void> {
    if (run.empty()) co_return;
    std::size_t n = co_await asio::async_write(_socket, run, use_awaitable);
    sent += n;
    run.clear();
  };
  for (auto& c : msg.chunks) {
    if (auto* b = std::get_if<bytes>(&c)) {
      if (!b->empty()) run.emplace_back(asio::buffer(*b));
    } else {
      co_await flush_run();
      auto& slice = std::get<file_slice>(c);
      co_await send_file_slice(slice);
      sent += slice.len;
    }
  }
  co_await flush_run();
  if (has_files) ::setsockopt(fd, IPPROTO_TCP, TCP_CORK, &off, sizeof off);
  _stats.bytes_sent_total.fetch_add(sent, std::memory_order_relaxed);
}

awaitable<void> connection::send_file_slice(const file_slice& slice) {
  if (!_socket.native_non_blocking()) _socket.native_non_blocking(true);
  off_t pos = static_cast<off_t>(slice.pos);
  std::size_t left = slice.len;
  while (left > 0) {
    ssize_t n = ::sendfile(_socket.native_handle(), slice.fd, &pos, left);
    if (n > 0) {
      left -= static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      co_await _socket.async_wait(tcp::socket::wait_write, use_awaitable);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    // n == 0: the file is shorter than the slice (truncated underneath us); the frame is now unframeable.
    throw boost::system::system_error(n == 0 ? boost::system::error_code(EIO, boost::system::system_category())
                                             : boost::system::error_code(errno, boost::system::system_category()));
  }
}

}  // namespace sd::net
