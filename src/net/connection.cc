#include "net/connection.h"

#include <spdlog/spdlog.h>
#include <sys/sendfile.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/bytes.h"
#include "net/probe.h"
#include "net/staging_buffer.h"

namespace sd::net {

connection::connection(tcp::socket socket, connection_info info, request_handler& handler, memory_budget& budget,
                       connection_limits limits, connection_stats& stats, std::shared_ptr<ssl::context> tls)
    : _socket(std::move(socket)),
      _tls_ctx(std::move(tls)),
      _info(std::move(info)),
      _handler(handler),
      _budget(budget),
      _limits(limits),
      _stats(stats),
      _queue_changed(_socket.get_executor()) {
  if (_tls_ctx) _tls = std::make_unique<ssl::stream<tcp::socket&>>(_socket, *_tls_ctx);
}

namespace {

bool is_loopback(const asio::ip::address& a) {
  if (a.is_loopback()) return true;
  return a.is_v6() && a.to_v6().is_v4_mapped() &&
         asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).is_loopback();
}

}  // namespace

void connection::start() {
  boost::system::error_code ec;
  _socket.set_option(tcp::no_delay(true), ec);
  auto peer = _socket.remote_endpoint(ec);
  _copy_files = _tls != nullptr || _limits.file_send == file_send_mode::copy ||
                (_limits.file_send == file_send_mode::copy_to_loopback && !ec && is_loopback(peer.address()));
  auto self = shared_from_this();
  // The writer starts after the handshake (read_loop spawns it), so it never writes on a half-open TLS stream.
  asio::co_spawn(_socket.get_executor(), [self]() { return self->read_loop(); }, asio::detached);
}

awaitable<bool> connection::handshake() {
  // Bounded: a peer that connects and never finishes the handshake is closed by the timer.
  asio::steady_timer timer(_socket.get_executor());
  timer.expires_after(_limits.handshake_timeout);
  auto weak = weak_from_this();
  timer.async_wait([weak](boost::system::error_code ec) {
    if (ec) return;
    if (auto self = weak.lock()) {
      boost::system::error_code ignored;
      self->_socket.cancel(ignored);
      self->_socket.shutdown(tcp::socket::shutdown_both, ignored);
    }
  });
  boost::system::error_code ec;
  co_await _tls->async_handshake(ssl::stream_base::server, no_throw(ec));
  timer.cancel();
  if (ec) {
    _stats.tls_handshake_failures_total.fetch_add(1, std::memory_order_relaxed);
    _handler.on_tls_failure(_info);
    // OpenSSL's reason ("certificate verify failed") does not say why a client certificate was refused.
    std::string why = ec.message();
    if (long v = SSL_get_verify_result(_tls->native_handle()); v != X509_V_OK)
      why += std::string(" (") + X509_verify_cert_error_string(v) + ")";
    spdlog::info("connection {} from {} on {}: TLS handshake failed: {}", _info.id, _info.remote, _info.listener,
                 why);
    co_return false;
  }
  _info.tls_peer_subject = verified_peer_subject(_tls->native_handle());
  co_return true;
}

awaitable<void> connection::read_exact(asio::mutable_buffer buf, boost::system::error_code& ec) {
  if (_tls)
    co_await asio::async_read(*_tls, buf, no_throw(ec));
  else
    co_await asio::async_read(_socket, buf, no_throw(ec));
}

awaitable<void> connection::read_body(asio::mutable_buffer buf, boost::system::error_code& ec) {
  if (_tls || !_low_water || buf.size() < k_low_water_min_frame) co_return co_await read_exact(buf, ec);
  // A large frame arrives in many TCP segments; woken for each, the loop would take a context switch per
  // segment. SO_RCVLOWAT makes readiness wait until the rest of the frame is queued (the kernel caps it at
  // half its largest receive buffer and grows the buffer to match), so a frame costs about one wake-up.
  // Contract: the reads here are non-blocking recv() calls made before every wait, so readiness is never
  // missed (edge-triggered epoll signals each arrival that meets the mark, and lowering the mark signals
  // at once when it is met already); the mark is back at 1 when this returns, for the next size prefix.
  // Guard: current kernels also report readiness when the receive window closes before the mark is met
  // (small segments filling the buffer); older ones did not, and the wait would last until the client gave
  // up. So a wait that sees nothing for k_low_water_guard drops the mark to 1, and this connection reads
  // without a mark from then on (a link that slow gains nothing from it).
  const int fd = _socket.native_handle();
  auto* at = static_cast<char*>(buf.data());
  std::size_t left = buf.size();
  int mark = 1;
  while (left > 0) {
    ssize_t n = ::recv(fd, at, left, MSG_DONTWAIT);
    if (n > 0) {
      at += n;
      left -= static_cast<std::size_t>(n);
      continue;
    }
    if (n == 0) {
      ec = asio::error::eof;
      break;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      ec = boost::system::error_code(errno, boost::system::system_category());
      break;
    }
    int want = _low_water ? static_cast<int>(std::min<std::size_t>(left, k_low_water_max)) : 1;
    if (want != mark && ::setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &want, sizeof want) == 0) mark = want;
    if (mark == 1) {
      co_await _socket.async_wait(tcp::socket::wait_read, no_throw(ec));
    } else {
      asio::steady_timer guard(_socket.get_executor(), k_low_water_guard);
      guard.async_wait([fd, self = shared_from_this()](boost::system::error_code e) {
        if (e || self->_closed) return;
        int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &one, sizeof one);  // reports whatever is queued
        self->_low_water = false;
      });
      co_await _socket.async_wait(tcp::socket::wait_read, no_throw(ec));
      guard.cancel();
      if (!_low_water) mark = 1;  // the guard fired: the socket's mark is 1 now
    }
    if (ec) break;
  }
  if (mark != 1 && !_closed && _socket.is_open()) {
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &one, sizeof one);
  }
}

template <class Buffers>
awaitable<std::size_t> connection::write_all(const Buffers& buffers) {
  if (_tls) co_return co_await asio::async_write(*_tls, buffers, use_awaitable);
  co_return co_await asio::async_write(_socket, buffers, use_awaitable);
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
  if (_tls && !co_await handshake()) {
    close();
    co_return;
  }
  _handler.on_open(_info);
  asio::co_spawn(_socket.get_executor(), [self]() { return self->write_loop(); }, asio::detached);
  try {
    while (!_closed && !_stop_reading) {
      // Bound the pipeline: stop reading while max_in_flight responses are pending.
      while (_pending.size() >= _limits.max_in_flight && !_closed) co_await _queue_changed.wait();
      if (_closed) break;

      std::uint8_t size_buf[4];
      boost::system::error_code ec;
      co_await read_exact(asio::buffer(size_buf), ec);
      if (ec) break;
      std::int32_t size = load_be<std::int32_t>(size_buf);
      if (size < 8 || size > _limits.max_request_bytes) {
        // Kafka closes the connection for an out-of-range size: the stream can no longer be framed.
        _stats.refused_frames_total.fetch_add(1, std::memory_order_relaxed);
        _handler.on_refused_frame(_info, size);
        break;
      }
      budget_lease lease = co_await _budget.acquire(static_cast<std::size_t>(size));
      inbound_frame frame{frame_bytes(static_cast<std::size_t>(size))};
      co_await read_body(asio::buffer(frame.data), ec);
      if (ec) break;
      if (_handler.acknowledge_at_once(frame)) {
        // Sends the pending ACK now (quick-ack mode ends by itself; it is set again per frame).
        int one = 1;
        ::setsockopt(_socket.native_handle(), IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
      }
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
  bool has_files = false;
  for (auto& c : msg.chunks) has_files |= std::holds_alternative<file_slice>(c);
  std::uint64_t sent = 0;
  budget_lease staging_lease;
  // The staging buffer is counted in the memory budget; when the budget has no room now, sendfile (which
  // needs none) sends this message instead of waiting: waiting here, while the budget is held by requests
  // whose responses queue behind this one, could wait forever.
  if (_tls) {
    // Everything goes through TLS records: coalesce the chunks in a staging buffer (one TLS record per
    // buffer-full, not one per chunk). Without room in the budget, chunk by chunk through a small buffer.
    if (_budget.try_acquire(staging_buffer::capacity, staging_lease))
      sent = co_await write_through_staging(msg);
    else
      sent = co_await write_tls_unstaged(msg);
  } else if (has_files && _copy_files && _budget.try_acquire(staging_buffer::capacity, staging_lease)) {
    sent = co_await write_through_staging(msg);
  } else {
    sent = co_await write_with_sendfile(msg, has_files);
  }
  _stats.bytes_sent_total.fetch_add(sent, std::memory_order_relaxed);
}

awaitable<std::uint64_t> connection::write_with_sendfile(outbound_message& msg, bool has_files) {
  std::uint64_t sent = 0, file_bytes = 0;
  int fd = _socket.native_handle();
  int on = 1, off = 0;
  // Cork so the header bytes and the file data leave in full segments rather than one small packet each.
  if (has_files) ::setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof on);

  std::vector<asio::const_buffer> run;  // consecutive byte chunks written with one gather write
  auto flush_run = [&]() -> awaitable<void> {
    if (run.empty()) co_return;
    std::size_t n = co_await write_all(run);
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
      file_bytes += slice.len;
    }
  }
  co_await flush_run();
  if (has_files) ::setsockopt(fd, IPPROTO_TCP, TCP_CORK, &off, sizeof off);
  _stats.file_bytes_sendfile_total.fetch_add(file_bytes, std::memory_order_relaxed);
  co_return sent;
}

awaitable<std::uint64_t> connection::write_through_staging(outbound_message& msg) {
  staging_buffer buf = staging_buffer::take();
  constexpr std::size_t cap = staging_buffer::capacity;
  int fd = _socket.native_handle();
  int on = 1, off = 0;
  ::setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof on);
  std::size_t used = 0;
  std::uint64_t sent = 0, file_bytes = 0;
  auto flush = [&]() -> awaitable<void> {
    if (used == 0) co_return;
    co_await write_all(asio::buffer(buf.data(), used));
    sent += used;
    used = 0;
  };
  for (auto& c : msg.chunks) {
    if (auto* b = std::get_if<bytes>(&c)) {
      if (b->size() > cap - used) {
        co_await flush();
        if (b->size() > cap) {  // larger than the buffer: straight from its own memory
          co_await write_all(asio::buffer(*b));
          sent += b->size();
          continue;
        }
      }
      if (!b->empty()) std::memcpy(buf.data() + used, b->data(), b->size());
      used += b->size();
      continue;
    }
    const auto& slice = std::get<file_slice>(c);
    auto pos = static_cast<off_t>(slice.pos);
    std::size_t left = slice.len;
    while (left > 0) {
      if (used == cap) co_await flush();
      ssize_t n = ::pread(slice.fd, buf.data() + used, std::min(left, cap - used), pos);
      if (n < 0 && errno == EINTR) continue;
      // n == 0: the file is shorter than the slice (truncated underneath us); the frame is now unframeable.
      if (n <= 0)
        throw boost::system::system_error(n == 0 ? boost::system::error_code(EIO, boost::system::system_category())
                                                 : boost::system::error_code(errno, boost::system::system_category()));
      used += static_cast<std::size_t>(n);
      pos += n;
      left -= static_cast<std::size_t>(n);
      file_bytes += static_cast<std::uint64_t>(n);
    }
    // One write per slice (with the header bytes before it): on the bench machine this moved 2.3-2.5 GB/s
    // at 0.22-0.24 broker CPU s/GB, where writes of exactly the buffer's size across slice boundaries moved
    // 2.0 GB/s at 0.35, no better than sendfile (docs/BENCHMARKS.md, "consume").
    co_await flush();
  }
  co_await flush();
  ::setsockopt(fd, IPPROTO_TCP, TCP_CORK, &off, sizeof off);
  _stats.file_bytes_copied_total.fetch_add(file_bytes, std::memory_order_relaxed);
  co_return sent;
}

awaitable<std::uint64_t> connection::write_tls_unstaged(outbound_message& msg) {
  std::uint64_t sent = 0, file_bytes = 0;
  std::vector<std::uint8_t> buf;
  for (auto& c : msg.chunks) {
    if (auto* b = std::get_if<bytes>(&c)) {
      if (!b->empty()) sent += co_await write_all(asio::buffer(*b));
      continue;
    }
    const auto& slice = std::get<file_slice>(c);
    buf.resize(std::min<std::size_t>(slice.len, 64 * 1024));
    auto pos = static_cast<off_t>(slice.pos);
    std::size_t left = slice.len;
    while (left > 0) {
      ssize_t n = ::pread(slice.fd, buf.data(), std::min(left, buf.size()), pos);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0)
        throw boost::system::system_error(n == 0 ? boost::system::error_code(EIO, boost::system::system_category())
                                                 : boost::system::error_code(errno, boost::system::system_category()));
      co_await write_all(asio::buffer(buf.data(), static_cast<std::size_t>(n)));
      pos += n;
      left -= static_cast<std::size_t>(n);
      sent += static_cast<std::uint64_t>(n);
      file_bytes += static_cast<std::uint64_t>(n);
    }
  }
  _stats.file_bytes_copied_total.fetch_add(file_bytes, std::memory_order_relaxed);
  co_return sent;
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
