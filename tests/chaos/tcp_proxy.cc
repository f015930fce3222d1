#include "tcp_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace sd::chaos {
namespace {

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int connect_upstream(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

/// Writes all of buf unless the link is told to die or the peer fails.
bool write_all(int fd, const char* buf, std::size_t n, const std::atomic<bool>& kill) {
  while (n > 0 && !kill.load()) {
    ssize_t w = ::send(fd, buf, n, MSG_NOSIGNAL);
    if (w < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (w <= 0) return false;
    buf += w;
    n -= static_cast<std::size_t>(w);
  }
  return !kill.load();
}

}  // namespace

tcp_proxy::tcp_proxy() {
  _listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (_listen_fd < 0) throw std::runtime_error("proxy: socket");
  int one = 1;
  ::setsockopt(_listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(_listen_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(_listen_fd, 128) != 0)
    throw std::runtime_error("proxy: bind/listen");
  socklen_t len = sizeof a;
  ::getsockname(_listen_fd, reinterpret_cast<sockaddr*>(&a), &len);
  _port = ntohs(a.sin_port);
}

tcp_proxy::~tcp_proxy() { stop(); }

void tcp_proxy::start(std::uint16_t upstream_port) {
  _upstream = upstream_port;
  _acceptor = std::thread([this] { accept_loop(); });
}

void tcp_proxy::hard_close(int fd) {
  if (fd < 0) return;
  linger l{1, 0};  // close with RST
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  ::close(fd);
}

void tcp_proxy::accept_loop() {
  while (!_stop.load()) {
    pollfd p{_listen_fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    int c = ::accept4(_listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) continue;
    ++_accepted;
    int one = 1;
    ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int u = connect_upstream(_upstream);
    if (u < 0) {
      hard_close(c);  // the broker is down: the client sees a reset, as it would without the proxy
      continue;
    }
    auto l = std::make_shared<link>();
    l->client = c;
    l->upstream = u;
    std::lock_guard lk(_mu);
    const auto id = _next_id++;
    _links[id] = l;
    ++_pumps;
    std::thread([this, l, id] { pump(l, id); }).detach();
  }
}

void tcp_proxy::pump(std::shared_ptr<link> l, std::uint64_t id) {
  char buf[64 * 1024];
  pollfd p[2] = {{l->client, POLLIN, 0}, {l->upstream, POLLIN, 0}};
  while (!_stop.load() && !l->kill.load()) {
    if (_stalled_until_ns.load() > now_ns()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    p[0].revents = p[1].revents = 0;
    int n = ::poll(p, 2, 100);
    if (n <= 0) continue;
    bool closed = false;
    for (int i = 0; i < 2 && !closed; ++i) {
      if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t r = ::recv(p[i].fd, buf, sizeof buf, 0);
      if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (r <= 0 || !write_all(p[1 - i].fd, buf, static_cast<std::size_t>(r), l->kill)) closed = true;
    }
    if (closed) break;
  }
  std::lock_guard lk(_mu);  // reset_*() shut down fds under _mu: never one closed (and reused) meanwhile
  if (l->kill.load() || _stop.load()) {
    hard_close(l->client);
    hard_close(l->upstream);
  } else {
    ::close(l->client);
    ::close(l->upstream);
  }
  _links.erase(id);
  if (--_pumps == 0) _pumps_done.notify_all();
}

void tcp_proxy::reset_all() {
  std::lock_guard lk(_mu);
  for (auto& [_, l] : _links) {
    if (!l->kill.exchange(true)) ++_reset;
    ::shutdown(l->client, SHUT_RDWR);  // wake the pump; it then closes both with a reset
  }
}

void tcp_proxy::reset_one(std::mt19937_64& rng) {
  std::lock_guard lk(_mu);
  if (_links.empty()) return;
  auto it = _links.begin();
  std::advance(it, static_cast<long>(rng() % _links.size()));
  if (!it->second->kill.exchange(true)) ++_reset;
  ::shutdown(it->second->client, SHUT_RDWR);
}

void tcp_proxy::stall(std::chrono::milliseconds d) {
  _stalled_until_ns.store(now_ns() + std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
}

void tcp_proxy::stop() {
  if (_stop.exchange(true)) return;
  if (_acceptor.joinable()) _acceptor.join();
  std::unique_lock lk(_mu);
  for (auto& [_, l] : _links) {
    l->kill.store(true);
    ::shutdown(l->client, SHUT_RDWR);
  }
  _pumps_done.wait(lk, [this] { return _pumps == 0; });
  ::close(_listen_fd);
}

}  // namespace sd::chaos
