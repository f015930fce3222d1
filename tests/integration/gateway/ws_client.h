#pragma once
// A blocking WebSocket client for tests (Beast over a plain TCP socket to 127.0.0.1), with a receive
// timeout on every read so a test can assert that nothing arrives.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace sd::itest {

class ws_client {
 public:
  /// Connects and upgrades `target` (path with query). On a refused upgrade, ok() is false and
  /// refused_status()/refused_body() say how the server answered.
  ws_client(std::uint16_t port, const std::string& target);
  ~ws_client();
  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;

  bool ok() const { return _ok; }
  int refused_status() const { return _refused_status; }
  const std::string& refused_body() const { return _refused_body; }

  /// Sends one text message; false on failure.
  bool send(const std::string& text);
  /// The next message within `timeout`; nullopt on timeout or when the socket ended (then closed() is true).
  std::optional<std::string> receive(std::chrono::milliseconds timeout);
  /// Whether the server closed the socket, and its close code and reason (code 0: no close frame).
  bool closed() const { return _closed; }
  int close_code() const { return _close_code; }
  const std::string& close_reason() const { return _close_reason; }
  /// Drops the TCP connection without a close frame.
  void drop();
  /// Sets the socket's receive buffer small (call before a test that wants the server's writes to block).
  void shrink_receive_buffer(int bytes);

 private:
  struct impl;
  std::unique_ptr<impl> _impl;
  bool _ok = false;
  int _refused_status = 0;
  std::string _refused_body;
  bool _closed = false;
  int _close_code = 0;
  std::string _close_reason;
};

}  // namespace sd::itest
