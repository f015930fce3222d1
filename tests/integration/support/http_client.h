#pragma once
// A minimal blocking HTTP/1.1 client for tests (GET against the broker's HTTP port on 127.0.0.1), and a
// reader for one sample of Prometheus text format.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace sd::itest {

struct http_reply {
  int status = 0;  // 0: no reply (connection failed, closed or timed out)
  std::string body;
};

/// GET path on 127.0.0.1:port with `Connection: close`; reads until the server closes.
/// A blocking TCP socket connected to 127.0.0.1:port, or -1. The caller closes it.
int connect_loopback(std::uint16_t port);

http_reply http_get(std::uint16_t port, const std::string& path,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10));

struct http_exchange_reply {
  int status = 0;  // 0: no reply
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
};

/// Any method with an optional body (sent as application/json) on a new connection with `Connection: close`.
http_exchange_reply http_exchange(std::uint16_t port, const std::string& method, const std::string& path,
                                  const std::string& body = "",
                                  std::chrono::milliseconds timeout = std::chrono::seconds(20));

/// The value of the first sample whose name and labels (as written, e.g. `name{a="b"}`) equal `series`.
std::optional<double> metric_value(const std::string& exposition, const std::string& series);

}  // namespace sd::itest
