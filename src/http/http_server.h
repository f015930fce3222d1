#pragma once
// http_server: the broker's HTTP port (metrics, health, admin API). Runs on its own thread and event loop so
// nothing that happens here (slow or malformed clients) can stall the Kafka shards.
//
// Limits (http_limits), each answered rather than buffered: request header <= 8 KiB (431), body <= 1 MiB (413),
// a whole request must arrive within request_timeout (10 s; then the connection is closed, which also ends
// slowloris-style partial requests), at most 256 open connections (new ones are closed).
// Unknown paths get 404, other methods 405, unparseable requests 400 and a close.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "net/asio.h"

namespace sd::http {

struct request {
  std::string method;
  std::string target;  // path with query
  std::string path;    // path without query
  std::map<std::string, std::string> query;
  std::string body;
};

struct response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

using handler_fn = std::function<response(const request&)>;

struct http_limits {
  std::size_t header_bytes = 8 * 1024;
  std::size_t body_bytes = 1024 * 1024;
  std::chrono::milliseconds request_timeout{10000};  // streamdown.http.request.timeout.ms
  int max_connections = 256;
};

class http_server {
 public:
  explicit http_server(http_limits limits = {});
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Exact-path route for GET (and HEAD). Register before start().
  void get(const std::string& path, handler_fn fn);
  /// Prefix route for GET: `/v1/topics/` matches `/v1/topics/anything`.
  void get_prefix(const std::string& prefix, handler_fn fn);
  /// Route for another method (POST, DELETE, ...).
  void route(const std::string& method, const std::string& path, handler_fn fn);

  /// Binds; port 0 picks a free one. Throws on failure (start-up only).
  net::tcp::endpoint listen(const std::string& host, std::uint16_t port);
  void start();
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> _impl;
};

}  // namespace sd::http
