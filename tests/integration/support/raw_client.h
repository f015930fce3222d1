#pragma once
// A blocking TCP client for hand-made Kafka frames (bad-input tests). Every call has a deadline; writes
// use MSG_NOSIGNAL so a broker closing the connection shows up as a result, not as SIGPIPE.

#include <chrono>
#include <cstdint>
#include <string>

#include "base/bytes.h"

namespace sd::itest {

class raw_client {
 public:
  /// Connects to 127.0.0.1:port; throws harness_error on failure.
  explicit raw_client(std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~raw_client();
  raw_client(const raw_client&) = delete;
  raw_client& operator=(const raw_client&) = delete;

  /// Sends all of data. False if the peer closed or reset the connection (the bytes may be partly sent).
  bool send_all(byte_span data, std::chrono::milliseconds timeout = std::chrono::seconds(10));

  enum class status { frame, closed, timeout, too_big };
  struct frame_result {
    status st = status::timeout;
    bytes payload;  // the frame without its 4-byte size prefix
  };
  /// Reads one size-prefixed frame.
  frame_result receive_frame(std::chrono::milliseconds timeout, std::size_t max_size = 64u << 20);

  /// Reads and discards until the peer closes (true) or the deadline passes (false).
  bool wait_closed(std::chrono::milliseconds timeout);

 private:
  enum class io { ok, closed, timeout };
  io read_exact(std::uint8_t* p, std::size_t n, std::chrono::steady_clock::time_point deadline);
  int _fd = -1;
};

std::string to_string(raw_client::status s);

}  // namespace sd::itest
