#pragma once
// stream_io: what a streaming route gets instead of returning one response: the connection itself, to write
// a response piece by piece (HTTP/1.1 chunked: Server-Sent Events, long answers) or to upgrade to a WebSocket.
// The same interface serves plain TCP and TLS connections. A route registered with body_mode::streamed also
// reads its request body here, piece by piece, while it writes its answer.
//
// Contract: every call runs on the HTTP server's event loop (the coroutine the route was called on, or one
// it spawned there). A write that cannot complete within `write_timeout` (a client that stops reading) fails,
// and so does every later write: the session ends instead of buffering. Writes complete only when the bytes
// are handed to the socket, so a session that awaits each write reads the log only as fast as the client
// drains it (TCP backpressure).

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/asio.h"

namespace sd::http {

/// One WebSocket, after the upgrade. At most one read and one write may be outstanding at a time.
class websocket_io {
 public:
  virtual ~websocket_io() = default;
  /// The next whole text or binary message; nullopt when the peer closed, the socket failed, a message was
  /// over the limit (the socket is then closed with 1009) or the idle timeout passed without any frame.
  virtual net::awaitable<std::optional<std::string>> read() = 0;
  /// Queues one text message; it reaches the socket at the next flush() (or once 64 KiB are queued, when this
  /// call flushes itself). false: the socket is gone or a write timed out.
  virtual net::awaitable<bool> write(std::string_view text) = 0;
  /// Queues one text message without suspending: its frame goes straight into the write buffer (the hot path
  /// of a session sending many small messages). false: the socket failed. Call flush() once
  /// flush_due() says enough has gathered, and before waiting for anything.
  virtual bool queue(std::string_view text) = 0;
  /// Whether enough is queued that the session should flush() before queueing more.
  virtual bool flush_due() const = 0;
  /// Hands every queued message to the socket; false when that failed or timed out. Call it before waiting
  /// for anything, or queued messages stay queued.
  virtual net::awaitable<bool> flush() = 0;
  /// After abort() or close(): waits until no socket write is pending any more (call before returning).
  virtual net::awaitable<void> quiesce() = 0;
  /// Sends a close frame with `code` and `reason` (<= 123 bytes) and ends the socket.
  virtual net::awaitable<void> close(std::uint16_t code, std::string reason) = 0;
  /// Ends the socket now, without a close handshake (wakes a pending read or write).
  virtual void abort() = 0;
  /// Why the last read returned nullopt: "closed" (peer), "too_big", "idle", "error".
  virtual const std::string& end_reason() const = 0;
};

struct websocket_options {
  std::size_t max_message_bytes = 1 << 20;           // larger messages close the socket with 1009
  std::chrono::milliseconds idle_timeout{60000};     // no frame from the peer (pings answered count)
  std::chrono::milliseconds write_timeout{30000};
};

/// A piece of a request body read by a streaming route (see stream_io::read_body).
struct body_piece {
  std::string data;    // the bytes that arrived (chunk framing removed); may be empty when done
  bool done = false;   // the body is complete: nothing follows `data`
  bool failed = false; // the client went away, sent a malformed body or was silent past the request timeout
  std::string error;   // why, when failed
};

class stream_io {
 public:
  virtual ~stream_io() = default;

  /// The request body as it arrives, for routes registered with body_mode::streamed (for other routes the whole
  /// body is already in request::body and this returns done at once). Each call waits until at least one byte
  /// arrived or the body ended; the pieces follow each other exactly, whether the body is chunked or has a
  /// Content-Length. Answers `Expect: 100-continue` on the first call. A route that answers before the body is
  /// done leaves the rest unread: the connection is then closed after the answer.
  virtual net::awaitable<body_piece> read_body() = 0;

  /// Starts a chunked response. false when the write failed. With `keep_alive` (and a client that keeps
  /// connections), a response that end() completes after the whole request body was read leaves the connection
  /// open for the next request; otherwise the connection closes after the response.
  virtual net::awaitable<bool> begin(int status, std::string content_type,
                                     std::vector<std::pair<std::string, std::string>> headers,
                                     bool keep_alive = false) = 0;
  /// Writes one chunk (non-empty). false when the client is gone or did not read within the write timeout.
  virtual net::awaitable<bool> write(std::string_view data) = 0;
  /// Ends the chunked response.
  virtual net::awaitable<void> end() = 0;
  /// Whether the connection can serve another request after this route returns nullopt: begin() asked to keep
  /// it alive, end() completed and the request body was read to its end.
  virtual bool reusable() const = 0;
  virtual void set_write_timeout(std::chrono::milliseconds t) = 0;

  /// Whether the request asked to upgrade to a WebSocket.
  virtual bool is_websocket_upgrade() const = 0;
  /// Completes the upgrade; nullptr when the handshake failed.
  virtual net::awaitable<std::unique_ptr<websocket_io>> accept_websocket(websocket_options options) = 0;

  /// Completes when the client closes its side or sends anything (a streaming response expects nothing more
  /// from it), or the connection fails. Lets a session waiting for data notice a departed client.
  virtual net::awaitable<void> wait_peer_gone() = 0;
  /// Ends the connection now (wakes pending operations).
  virtual void abort() = 0;

  virtual net::asio::any_io_executor executor() = 0;
};

}  // namespace sd::http
