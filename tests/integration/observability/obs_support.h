#pragma once
// Helpers of the observability tests: raw HTTP exchanges (for requests http_get cannot make), JSON GETs,
// and the "is the Kafka port still fine" probe (ApiVersions v0 over a raw socket).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace sd::itest {

struct raw_http_reply {
  int status = 0;       // 0: no status line (closed or timed out first)
  bool closed = false;  // the server closed the connection before the deadline
  std::string text;     // everything received
};

/// Sends `bytes` on a new connection to 127.0.0.1:port and reads until the server closes or `timeout`.
raw_http_reply raw_http(std::uint16_t port, const std::string& bytes, std::chrono::milliseconds timeout);

/// GET path; the body parsed as JSON (nullopt when the status differs from `expect_status` or it does not parse).
std::optional<nlohmann::json> get_json(std::uint16_t port, const std::string& path, int expect_status = 200);

/// ApiVersions v0 on a new connection answers within `timeout` with error 0.
bool kafka_api_versions_ok(std::uint16_t kafka_port, std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace sd::itest
