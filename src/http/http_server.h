#pragma once
// http_server: the broker's HTTP port (metrics, health, admin API). Runs on its own thread and event loop so
// nothing that happens here (slow or malformed clients) can stall the Kafka shards.
//
// Limits (http_limits), each answered rather than buffered: request header <= 8 KiB (431), body <= 1 MiB (413),
// a whole request must arrive within request_timeout (10 s; then the connection is closed, which also ends
// slowloris-style partial requests), at most 256 open connections (new ones are closed). A streaming route
// registered with body_mode::streamed reads its body itself, of any length, with request_timeout as the longest
// silence between two pieces.
// Unknown paths get 404, other methods 405, unparseable requests 400 and a close.
//
// Security (optional, set before start()): TLS from a net::tls_context_holder (the broker's
// streamdown.http.ssl.* keys; client certificates as configured there), and an authentication hook run for
// every request whose path is not open: it returns the principal ("User:alice") from HTTP Basic credentials or
// the client certificate, or nullopt, which is answered 401 with `WWW-Authenticate: Basic realm="streamdown"`.
// Routes see the principal and the peer's address in the request and answer 403 themselves when ACLs deny.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <optional>

#include "http/stream_io.h"
#include "net/asio.h"
#include "net/tls_context.h"

namespace sd::http {

/// "%41b" -> "Ab"; malformed escapes are kept as they are.
std::string percent_decode(std::string_view s);

/// Matches `path` against a route pattern whose `{}` segments each match one non-empty segment; fills `params`
/// with those segments, percent-decoded.
bool match_pattern(std::string_view pattern, std::string_view path, std::vector<std::string>& params);

struct request {
  std::string method;
  std::string target;  // path with query
  std::string path;    // path without query
  std::map<std::string, std::string> query;  // values percent-decoded
  std::string body;
  std::string authorization;  // the Authorization header, if any
  std::string peer_host;      // the client's address without port
  std::string tls_subject;    // RFC 2253 subject of a verified client certificate; empty without one
  std::string principal;      // set by the authentication hook; empty when the path is open or none is set
  std::map<std::string, std::string> headers;  // every request header, names lower-cased (last one wins)
  std::vector<std::string> params;             // the `{}` segments of a pattern route, percent-decoded

  /// A header by lower-case name, or "" when absent.
  const std::string& header(const std::string& lower_name) const;
};

struct response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra response headers (Retry-After, ...)
};

using handler_fn = std::function<response(const request&)>;
/// Answers later: `reply` may be called once, from any thread, at any time (the connection waits for it; the
/// handler must guarantee it is called). Requests on one connection stay in order.
using reply_fn = std::function<void(response)>;
using async_handler_fn = std::function<void(request, reply_fn reply)>;
/// A coroutine route on the server's event loop (see stream_io.h). Returns the response to send, or nullopt
/// when it took the connection over (streamed or upgraded it): the connection then ends. The request and the
/// stream_io outlive the returned awaitable. Implement it as a function taking references, not as a coroutine
/// lambda (GCC 12 double-destroys by-value coroutine parameters; see net::run_on).
using stream_handler_fn = std::function<net::awaitable<std::optional<response>>(const request&, stream_io&)>;

/// How a streaming route gets its request body: `whole` (read before the route runs, at most
/// http_limits::body_bytes, into request::body) or `streamed` (the route reads it with stream_io::read_body, with
/// no total limit: it bounds what it keeps itself).
enum class body_mode { whole, streamed };

struct auth_hooks {
  /// Paths served without authentication (probes; /metrics unless configured otherwise).
  std::function<bool(const std::string& path)> is_open;
  /// The principal for a request's credentials, or nullopt (401).
  std::function<std::optional<std::string>(const request&)> authenticate;
};

struct http_limits {
  std::size_t header_bytes = 8 * 1024;
  std::size_t body_bytes = 1024 * 1024;
  std::chrono::milliseconds request_timeout{10000};  // streamdown.http.request.timeout.ms
  int max_connections = 256;
  // When max_connections are open, a new connection evicts the one that has waited longest for its next
  // request (idle keep-alive or silent sockets), so idle clients cannot lock others out. Connections inside a
  // request or a streaming route are never evicted.
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

  /// Prefix route answered asynchronously (e.g. after a durable write): `POST /v1/topics/` matches
  /// `/v1/topics/anything`. Checked before the synchronous routes.
  void route_prefix_async(const std::string& method, const std::string& prefix, async_handler_fn fn);

  /// Pattern route checked before every other: `{}` matches one non-empty path segment, e.g.
  /// `/v1/topics/{}/partitions/{}/records`; the segments arrive in request::params (percent-decoded).
  void route_stream(const std::string& method, const std::string& pattern, stream_handler_fn fn,
                    body_mode body = body_mode::whole);

  /// The event loop's executor (streaming routes run there).
  net::asio::any_io_executor executor();
  /// Connections open now (for metrics).
  int open_connections() const;
  /// Connections closed to make room for new ones.
  std::uint64_t evicted_connections() const;

  /// Binds; port 0 picks a free one. Throws on failure (start-up only). With `tls`, every connection is TLS.
  net::tcp::endpoint listen(const std::string& host, std::uint16_t port,
                            std::shared_ptr<net::tls_context_holder> tls = nullptr);
  /// Authentication for non-open paths (see above). Call before start().
  void set_authentication(auth_hooks hooks);
  void start();
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> _impl;
};

}  // namespace sd::http
