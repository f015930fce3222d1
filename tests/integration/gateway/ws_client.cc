#include "ws_client.h"

#include <sys/socket.h>

#include <poll.h>

#include <utility>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace sd::itest {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = boost::asio::ip::tcp;

// Reads are asynchronous and may stay pending across receive() calls (a timeout leaves the read in place rather
// than cancelling it, which would break the stream); every call runs the io_context until its own operation
// completes or its time is up.
struct ws_client::impl {
  boost::asio::io_context ctx;
  websocket::stream<tcp::socket> ws{ctx};
  beast::flat_buffer buffer;
  bool reading = false;
  bool read_done = false;
  boost::system::error_code read_ec;

  void start_read() {
    if (reading) return;
    reading = true;
    read_done = false;
    buffer.clear();
    ws.async_read(buffer, [this](boost::system::error_code ec, std::size_t) {
      read_ec = ec;
      read_done = true;
    });
  }
  /// Runs until pred() or timeout.
  template <class Pred>
  bool run_until(Pred pred, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
      auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return false;
      ctx.restart();
      ctx.run_one_for(deadline - now);
    }
    return true;
  }
};

ws_client::ws_client(std::uint16_t port, const std::string& target) : _impl(std::make_unique<impl>()) {
  boost::system::error_code ec;
  _impl->ws.next_layer().connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return;
  websocket::response_type res;
  _impl->ws.handshake(res, "127.0.0.1:" + std::to_string(port), target, ec);
  if (ec) {
    // Beast does not hand back a declined upgrade's answer: ask again by hand to learn the status and body.
    tcp::socket again(_impl->ctx);
    again.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port), ec);
    if (ec) return;
    beast::http::request<beast::http::empty_body> req{beast::http::verb::get, target, 11};
    req.set(beast::http::field::host, "127.0.0.1");
    req.set(beast::http::field::connection, "Upgrade");
    req.set(beast::http::field::upgrade, "websocket");
    req.set(beast::http::field::sec_websocket_version, "13");
    req.set(beast::http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
    beast::http::write(again, req, ec);
    beast::flat_buffer buf;
    beast::http::response<beast::http::string_body> answer;
    if (!ec) beast::http::read(again, buf, answer, ec);
    _refused_status = ec ? 0 : static_cast<int>(answer.result_int());
    _refused_body = answer.body();
    return;
  }
  _ok = true;
}

ws_client::~ws_client() {
  boost::system::error_code ec;
  _impl->ws.next_layer().close(ec);
}

bool ws_client::send(const std::string& text) {
  if (!_ok || _closed) return false;
  bool done = false;
  boost::system::error_code ec;
  _impl->ws.text(true);
  _impl->ws.async_write(boost::asio::buffer(text), [&](boost::system::error_code e, std::size_t) {
    ec = e;
    done = true;
  });
  if (!_impl->run_until([&] { return done; }, std::chrono::seconds(30))) return false;
  return !ec;
}

std::optional<std::string> ws_client::receive(std::chrono::milliseconds timeout) {
  if (_closed || !_ok) return std::nullopt;
  _impl->start_read();
  if (!_impl->run_until([&] { return _impl->read_done; }, timeout)) return std::nullopt;
  _impl->reading = false;
  if (_impl->read_ec) {
    _closed = true;
    _close_code = static_cast<int>(_impl->ws.reason().code);
    _close_reason = std::string(_impl->ws.reason().reason.c_str());
    return std::nullopt;
  }
  return beast::buffers_to_string(_impl->buffer.data());
}

void ws_client::drop() {
  boost::system::error_code ec;
  _impl->ws.next_layer().shutdown(tcp::socket::shutdown_both, ec);
  _impl->ws.next_layer().close(ec);
  _closed = true;
}

void ws_client::shrink_receive_buffer(int bytes) {
  ::setsockopt(_impl->ws.next_layer().native_handle(), SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
}

}  // namespace sd::itest
