#include "support/raw_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "support/test_env.h"

namespace sd::itest {

namespace {
int remaining_ms(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}
}  // namespace

std::string to_string(raw_client::status s) {
  switch (s) {
    case raw_client::status::frame: return "frame";
    case raw_client::status::closed: return "closed";
    case raw_client::status::timeout: return "timeout";
    case raw_client::status::too_big: return "too_big";
  }
  return "?";
}

raw_client::raw_client(std::uint16_t port, std::chrono::milliseconds timeout) {
  _fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (_fd < 0) throw harness_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int rc = ::connect(_fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  if (rc != 0 && errno != EINPROGRESS) {
    int err = errno;
    ::close(_fd);
    throw harness_error("connect 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(err));
  }
  if (rc != 0) {
    pollfd p{_fd, POLLOUT, 0};
    int n = ::poll(&p, 1, static_cast<int>(timeout.count()));
    int soerr = 0;
    socklen_t len = sizeof soerr;
    ::getsockopt(_fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
    if (n <= 0 || soerr != 0) {
      ::close(_fd);
      throw harness_error("connect 127.0.0.1:" + std::to_string(port) + ": " +
                          (n <= 0 ? std::string("timeout") : std::string(std::strerror(soerr))));
    }
  }
  int one = 1;
  ::setsockopt(_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

raw_client::~raw_client() {
  if (_fd >= 0) ::close(_fd);
}

bool raw_client::send_all(byte_span data, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(_fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n > 0) {
      off += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{_fd, POLLOUT, 0};
      int left = remaining_ms(deadline);
      if (left == 0 || ::poll(&p, 1, left) <= 0) return false;  // peer not reading: treat as refused
      continue;
    }
    return false;  // EPIPE, ECONNRESET: closed by the peer
  }
  return true;
}

raw_client::io raw_client::read_exact(std::uint8_t* p, std::size_t n, std::chrono::steady_clock::time_point deadline) {
  std::size_t got = 0;
  while (got < n) {
    ssize_t r = ::recv(_fd, p + got, n - got, 0);
    if (r > 0) {
      got += static_cast<std::size_t>(r);
      continue;
    }
    if (r == 0) return io::closed;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      pollfd pf{_fd, POLLIN, 0};
      int left = remaining_ms(deadline);
      if (left == 0) return io::timeout;
      int pr = ::poll(&pf, 1, left);
      if (pr == 0) return io::timeout;
      continue;
    }
    return io::closed;  // ECONNRESET and friends
  }
  return io::ok;
}

raw_client::frame_result raw_client::receive_frame(std::chrono::milliseconds timeout, std::size_t max_size) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  frame_result r;
  std::uint8_t len_buf[4];
  io st = read_exact(len_buf, 4, deadline);
  if (st != io::ok) {
    r.st = st == io::closed ? status::closed : status::timeout;
    return r;
  }
  std::int32_t len = load_be<std::int32_t>(len_buf);
  if (len < 0 || static_cast<std::size_t>(len) > max_size) {
    r.st = status::too_big;
    return r;
  }
  r.payload.resize(static_cast<std::size_t>(len));
  st = read_exact(r.payload.data(), r.payload.size(), deadline);
  if (st != io::ok) {
    r.payload.clear();
    r.st = st == io::closed ? status::closed : status::timeout;
    return r;
  }
  r.st = status::frame;
  return r;
}

bool raw_client::wait_closed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::uint8_t buf[4096];
  for (;;) {
    ssize_t r = ::recv(_fd, buf, sizeof buf, 0);
    if (r == 0) return true;
    if (r > 0) continue;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return true;  // reset
    pollfd pf{_fd, POLLIN, 0};
    int left = remaining_ms(deadline);
    if (left == 0 || ::poll(&pf, 1, left) == 0) return false;
  }
}

}  // namespace sd::itest
