#include "observability/obs_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "support/http_client.h"
#include "support/raw_client.h"
#include "support/wire.h"

namespace sd::itest {

raw_http_reply raw_http(std::uint16_t port, const std::string& bytes, std::chrono::milliseconds timeout) {
  raw_http_reply out;
  int fd = connect_loopback(port);
  if (fd < 0) return out;
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    auto n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may refuse mid-way (huge headers): read what it answered
    sent += static_cast<std::size_t>(n);
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[8192];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      out.closed = true;
      break;
    }
    out.text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (out.text.rfind("HTTP/1.1 ", 0) == 0) out.status = std::atoi(out.text.c_str() + 9);
  return out;
}

std::optional<nlohmann::json> get_json(std::uint16_t port, const std::string& path, int expect_status) {
  auto r = http_get(port, path);
  if (r.status != expect_status) return std::nullopt;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

bool kafka_api_versions_ok(std::uint16_t kafka_port, std::chrono::milliseconds timeout) {
  try {
    raw_client c(kafka_port, timeout);
    if (!c.send_all(wire::request_frame(wire::api::api_versions, 0, 7, "sd-itest", {}), timeout)) return false;
    auto r = c.receive_frame(timeout);
    if (r.st != raw_client::status::frame) return false;
    auto v = wire::parse_api_versions_v0(r.payload);
    return v && v->correlation_id == 7 && v->error_code == 0;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace sd::itest
