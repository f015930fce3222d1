#pragma once
// corking_stream: the layer between a Beast WebSocket and the connection's stream that lets a session put many
// messages into one socket write. Every write is copied into a buffer and completes at once; while the layer is
// not corked a write also starts a flush (a loop of async_writes of everything buffered), so Beast's own frames
// (the handshake answer, pongs, pings, close) leave promptly. A session corks around its own message writes and
// then awaits flush(), which completes when the buffer has reached the socket: backpressure is per batch, and the
// buffer holds at most what the session wrote since its last flush plus a few control frames.
//
// Contract: one event loop (the HTTP server's); the connection's stream outlives this layer; after an error
// every write fails with it. The flush loop's state is shared, so a write completing after the owner is gone
// touches nothing else.

#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "net/asio.h"
#include "net/event.h"

namespace sd::http {

template <class Next>
class corking_stream {
 public:
  using executor_type = typename Next::executor_type;
  using next_layer_type = Next;

  explicit corking_stream(Next& next) : _next(next), _st(std::make_shared<state>()) {}

  executor_type get_executor() noexcept { return _next.get_executor(); }
  Next& next_layer() noexcept { return _next; }
  const Next& next_layer() const noexcept { return _next; }

  template <class MutableBufferSequence, class ReadToken>
  auto async_read_some(const MutableBufferSequence& buffers, ReadToken&& token) {
    return _next.async_read_some(buffers, std::forward<ReadToken>(token));
  }

  template <class ConstBufferSequence, class WriteToken>
  auto async_write_some(const ConstBufferSequence& buffers, WriteToken&& token) {
    return boost::asio::async_initiate<WriteToken, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const ConstBufferSequence& bufs) {
          auto ex = boost::asio::get_associated_executor(handler, get_executor());
          boost::system::error_code ec = _st->error;
          std::size_t n = 0;
          if (!ec && _st->pending.size() + boost::asio::buffer_size(bufs) > max_pending_bytes) {
            // Only a peer that never reads and keeps provoking frames (pings answered by pongs) gets here:
            // the session's own writes flush at 64 KiB. Fail the stream rather than grow.
            _st->error = boost::asio::error::no_buffer_space;
            ec = _st->error;
          }
          if (!ec) {
            n = boost::asio::buffer_size(bufs);
            const auto old = _st->pending.size();
            _st->pending.resize(old + n);
            boost::asio::buffer_copy(boost::asio::buffer(_st->pending.data() + old, n), bufs);
            if (!_st->corked) start_flush();
          }
          boost::asio::post(ex, [h = std::move(handler), ec, n]() mutable { std::move(h)(ec, n); });
        },
        token, buffers);
  }

  /// Hard bound on the buffer (a message can be up to the WebSocket limit, so this is well above one).
  static constexpr std::size_t max_pending_bytes = 16u << 20;

  /// Appends one whole unmasked text frame (FIN set, no extensions: what a server sends when permessage-deflate
  /// is off) to the buffer, without a flush. The WebSocket above writes only whole frames too, so frames from
  /// both interleave at frame boundaries, which the protocol allows. false after an error or past the bound.
  bool append_text_frame(std::string_view payload) {
    if (_st->error) return false;
    const std::size_t n = payload.size();
    if (_st->pending.size() + n + 10 > max_pending_bytes) {
      _st->error = boost::asio::error::no_buffer_space;
      return false;
    }
    auto& out = _st->pending;
    out.push_back(static_cast<char>(0x81));  // FIN | text
    if (n < 126) {
      out.push_back(static_cast<char>(n));
    } else if (n <= 0xFFFF) {
      out.push_back(static_cast<char>(126));
      out.push_back(static_cast<char>(n >> 8));
      out.push_back(static_cast<char>(n & 0xFF));
    } else {
      out.push_back(static_cast<char>(127));
      for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((static_cast<std::uint64_t>(n) >> shift) & 0xFF));
    }
    out.insert(out.end(), payload.begin(), payload.end());
    return true;
  }

  void cork() noexcept { _st->corked = true; }
  void uncork() noexcept { _st->corked = false; }
  std::size_t buffered() const noexcept { return _st->pending.size(); }
  bool failed() const noexcept { return static_cast<bool>(_st->error); }

  /// Writes out everything buffered; true when it all reached the socket.
  net::awaitable<bool> flush() {
    start_flush();
    while (!_st->error && (_st->flushing || !_st->pending.empty())) {
      auto ev = std::make_shared<net::async_event>(co_await net::asio::this_coro::executor);
      _st->drained.push_back(ev);
      co_await ev->wait();
      start_flush();
    }
    co_return !_st->error;
  }

  /// Waits until no flush write is pending (after an abort: its cancelled completion has run).
  net::awaitable<void> quiesce() {
    while (_st->flushing) {
      auto ev = std::make_shared<net::async_event>(co_await net::asio::this_coro::executor);
      _st->drained.push_back(ev);
      co_await ev->wait();
    }
  }

 private:
  struct state {
    std::vector<char> pending;  // written by the WebSocket, not yet handed to the socket
    std::vector<char> out;      // the bytes of the write in flight
    bool corked = false;
    bool flushing = false;
    boost::system::error_code error;
    std::vector<std::shared_ptr<net::async_event>> drained;  // flush() waiters
  };

  static void wake(state& st) {
    auto waiters = std::move(st.drained);
    st.drained.clear();
    for (auto& ev : waiters) ev->set();
  }

  void start_flush() {
    if (_st->flushing || _st->pending.empty() || _st->error) return;
    _st->flushing = true;
    write_next(_next, _st);
  }

  static void write_next(Next& next, std::shared_ptr<state> st) {
    st->out.clear();
    std::swap(st->out, st->pending);
    boost::asio::async_write(next, boost::asio::buffer(st->out), [&next, st](boost::system::error_code ec, std::size_t) {
      if (ec) {
        st->error = ec;
        st->flushing = false;
        st->pending.clear();
        wake(*st);
        return;
      }
      if (!st->pending.empty()) {
        write_next(next, st);
        return;
      }
      st->flushing = false;
      wake(*st);
    });
  }

  Next& _next;
  std::shared_ptr<state> _st;
};

// Closing handshakes end with a teardown of the layer below.
template <class Next>
void teardown(boost::beast::role_type role, corking_stream<Next>& s, boost::system::error_code& ec) {
  using boost::beast::websocket::teardown;
  teardown(role, s.next_layer(), ec);
}

/// Flushes first (Beast's close frame completed into the buffer), then tears the layer below down.
template <class Next, class TeardownHandler>
void async_teardown(boost::beast::role_type role, corking_stream<Next>& s, TeardownHandler&& handler) {
  auto ex = s.get_executor();
  boost::asio::co_spawn(
      ex, [&s]() -> net::awaitable<void> { co_await s.flush(); },
      [&s, role, h = std::forward<TeardownHandler>(handler)](std::exception_ptr) mutable {
        using boost::beast::websocket::async_teardown;
        async_teardown(role, s.next_layer(), std::move(h));
      });
}

}  // namespace sd::http
