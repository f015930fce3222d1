#include "http/http_server.h"

#include "http/corking_stream.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <cctype>
#include <optional>
#include <tuple>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <limits>
#include <list>
#include <string_view>
#include <vector>

namespace sd::http {
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace asio = boost::asio;
using net::awaitable;
using net::tcp;

namespace {
std::map<std::string, std::string> parse_query(std::string_view q) {
  std::map<std::string, std::string> out;
  while (!q.empty()) {
    auto amp = q.find('&');
    auto part = q.substr(0, amp);
    auto eq = part.find('=');
    if (eq == std::string_view::npos) out[percent_decode(part)] = "";
    else out[percent_decode(part.substr(0, eq))] = percent_decode(part.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return out;
}
}  // namespace

bool match_pattern(std::string_view pattern, std::string_view path, std::vector<std::string>& params) {
  params.clear();
  while (!pattern.empty() || !path.empty()) {
    if (pattern.empty() || path.empty()) return false;
    auto pslash = pattern.find('/', 1);
    auto tslash = path.find('/', 1);
    auto pseg = pattern.substr(0, pslash);
    auto tseg = path.substr(0, tslash);
    if (pseg == "/{}") {
      if (tseg.size() <= 1) return false;
      params.push_back(percent_decode(tseg.substr(1)));
    } else if (pseg != tseg) {
      return false;
    }
    pattern = pslash == std::string_view::npos ? std::string_view{} : pattern.substr(pslash);
    path = tslash == std::string_view::npos ? std::string_view{} : path.substr(tslash);
  }
  return true;
}

namespace {

namespace websocket = boost::beast::websocket;

/// Beast's string_body, except that an announced Content-Length is not reserved up front beyond 1 MiB: a route
/// with body_mode::streamed reads a body of any declared length piece by piece, and the length a client claims
/// must not become an allocation. (Routes with whole bodies are held to http_limits::body_bytes anyway.)
struct request_body {
  using value_type = std::string;

  class reader {
   public:
    template <bool IsRequest, class Fields>
    reader(bhttp::header<IsRequest, Fields>&, value_type& body) : _body(body) {}

    void init(const boost::optional<std::uint64_t>& length, boost::system::error_code& ec) {
      if (length) _body.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(*length, reserve_cap)));
      ec = {};
    }

    template <class ConstBuffers>
    std::size_t put(const ConstBuffers& buffers, boost::system::error_code& ec) {
      const std::size_t n = asio::buffer_size(buffers);
      const std::size_t at = _body.size();
      _body.resize(at + n);
      ec = {};
      return asio::buffer_copy(asio::buffer(_body.data() + at, n), buffers);
    }

    void finish(boost::system::error_code& ec) { ec = {}; }

   private:
    static constexpr std::uint64_t reserve_cap = 1 << 20;
    value_type& _body;
  };
};

using request_message = bhttp::request<request_body>;
using request_parser = bhttp::request_parser<request_body>;

/// A WebSocket over the connection's stream (held by reference: the connection outlives it).
template <class Stream>
class websocket_impl final : public websocket_io {
 public:
  websocket_impl(Stream& s, websocket_options o) : _ws(s), _opts(o) {}

  awaitable<bool> accept(const request_message& upgrade) {
    beast::get_lowest_layer(_ws).expires_never();  // the WebSocket's own timeouts take over
    websocket::stream_base::timeout t;
    t.handshake_timeout = std::chrono::seconds(10);
    t.idle_timeout = _opts.idle_timeout;
    t.keep_alive_pings = true;  // a ping at half the idle time: a live client answers, a dead one times out
    _ws.set_option(t);
    _ws.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(bhttp::field::server, "streamdown"); }));
    _ws.read_message_max(_opts.max_message_bytes);
    _ws.auto_fragment(false);
    boost::system::error_code ec;
    co_await _ws.async_accept(upgrade, net::no_throw(ec));
    co_return !ec;
  }

  awaitable<std::optional<std::string>> read() override {
    _rbuf.clear();
    boost::system::error_code ec;
    co_await _ws.async_read(_rbuf, net::no_throw(ec));
    if (ec) {
      _end = ec == websocket::error::message_too_big ? "too_big"
             : ec == websocket::error::closed        ? "closed"
             : ec == beast::error::timeout           ? "idle"
                                                     : "error";
      co_return std::nullopt;
    }
    co_return beast::buffers_to_string(_rbuf.data());
  }

  awaitable<bool> write(std::string_view text) override {
    if (_failed) co_return false;
    _ws.text(true);
    // Into the corking layer's buffer (completes at once); the socket write happens in flush(), or here once
    // enough has gathered, so a batch of messages costs one send, not one each.
    auto& layer = _ws.next_layer();
    layer.cork();
    boost::system::error_code ec;
    co_await _ws.async_write(asio::buffer(text.data(), text.size()), net::no_throw(ec));
    layer.uncork();
    if (ec) _failed = true;
    if (!_failed && layer.buffered() >= flush_threshold) co_return co_await flush();
    co_return !_failed;
  }

  bool queue(std::string_view text) override {
    if (_failed) return false;
    if (!_ws.next_layer().append_text_frame(text)) _failed = true;
    return !_failed;
  }

  bool flush_due() const override { return _ws.next_layer().buffered() >= flush_threshold; }

  awaitable<bool> flush() override {
    if (_failed) co_return false;
    // A client that stops reading fails the flush after write_timeout (the socket is closed), so a session holds
    // at most one batch in the buffer, never a queue.
    beast::get_lowest_layer(_ws).expires_after(_opts.write_timeout);
    const bool ok = co_await _ws.next_layer().flush();
    beast::get_lowest_layer(_ws).expires_never();
    if (!ok) _failed = true;
    co_return ok;
  }

  awaitable<void> close(std::uint16_t code, std::string reason) override {
    if (reason.size() > 123) reason.resize(123);
    bool flushed = false;
    if (!_failed && _ws.is_open()) flushed = co_await flush();  // (GCC 12: no co_await inside && or ?:)
    if (flushed) {
      beast::get_lowest_layer(_ws).expires_after(std::chrono::seconds(5));
      boost::system::error_code ec;
      co_await _ws.async_close(websocket::close_reason(static_cast<websocket::close_code>(code), reason), net::no_throw(ec));
    }
    abort();
  }

  void abort() override {
    _failed = true;
    beast::get_lowest_layer(_ws).close();
  }

  awaitable<void> quiesce() override { co_await _ws.next_layer().quiesce(); }

  const std::string& end_reason() const override { return _end; }

 private:
  static constexpr std::size_t flush_threshold = 64 * 1024;
  websocket::stream<corking_stream<Stream>> _ws;
  websocket_options _opts;
  beast::flat_buffer _rbuf;
  bool _failed = false;
  std::string _end = "closed";
};

/// The connection handed to a streaming route.
template <class Stream>
class stream_io_impl final : public stream_io {
 public:
  stream_io_impl(Stream& s, beast::flat_buffer& buffer, request_parser& parser, bool body_streamed,
                 std::chrono::milliseconds read_timeout)
      : _stream(s), _buffer(buffer), _parser(parser), _msg(parser.get()), _body_streamed(body_streamed),
        _read_timeout(read_timeout) {}

  awaitable<body_piece> read_body() override {
    body_piece out;
    if (!_body_streamed || _parser.is_done()) {
      out.done = true;
      co_return out;
    }
    boost::system::error_code ec;
    if (!_continued) {
      _continued = true;
      if (auto it = _msg.find(bhttp::field::expect); it != _msg.end() && beast::iequals(it->value(), "100-continue")) {
        bhttp::response<bhttp::empty_body> go_on{bhttp::status::continue_, _msg.version()};
        beast::get_lowest_layer(_stream).expires_after(_write_timeout);
        co_await bhttp::async_write(_stream, go_on, net::no_throw(ec));
        beast::get_lowest_layer(_stream).expires_never();
        if (ec) {
          out.failed = true;
          out.error = ec.message();
          co_return out;
        }
      }
    }
    auto& body = _parser.get().body();
    // A read may parse only chunk framing; read on until body bytes arrive or the body ends, and then on while
    // more is already in the socket, up to piece_max: a fast sender gets large pieces. (Not what the buffer
    // holds: that can be a chunk's trailing CRLF the parser keeps until the next chunk header arrives.)
    const auto more_waiting = [&] {
      boost::system::error_code aec;
      return beast::get_lowest_layer(_stream).socket().available(aec) > 0;
    };
    while (!_parser.is_done() && (body.empty() || (body.size() < piece_max && more_waiting()))) {
      beast::get_lowest_layer(_stream).expires_after(_read_timeout);
      co_await bhttp::async_read_some(_stream, _buffer, _parser, net::no_throw(ec));
      beast::get_lowest_layer(_stream).expires_never();
      if (ec) {
        out.failed = true;
        out.error = ec == beast::error::timeout ? "the request body stalled past the request timeout" : ec.message();
        co_return out;
      }
    }
    out.data.swap(body);
    out.done = _parser.is_done();
    co_return out;
  }

  awaitable<bool> begin(int status, std::string content_type,
                        std::vector<std::pair<std::string, std::string>> headers, bool keep_alive) override {
    bhttp::response<bhttp::empty_body> res{static_cast<bhttp::status>(status), _msg.version()};
    res.set(bhttp::field::server, "streamdown");
    res.set(bhttp::field::content_type, content_type);
    for (const auto& [name, value] : headers) res.set(name, value);
    res.chunked(true);
    _keep_alive = keep_alive && _msg.keep_alive();
    res.keep_alive(_keep_alive);
    bhttp::response_serializer<bhttp::empty_body> sr{res};
    beast::get_lowest_layer(_stream).expires_after(_write_timeout);
    boost::system::error_code ec;
    co_await bhttp::async_write_header(_stream, sr, net::no_throw(ec));
    beast::get_lowest_layer(_stream).expires_never();
    if (ec) _failed = true;
    co_return !ec;
  }

  awaitable<bool> write(std::string_view data) override {
    if (_failed) co_return false;
    if (data.empty()) co_return true;
    beast::get_lowest_layer(_stream).expires_after(_write_timeout);
    boost::system::error_code ec;
    co_await asio::async_write(_stream, bhttp::make_chunk(asio::buffer(data.data(), data.size())), net::no_throw(ec));
    beast::get_lowest_layer(_stream).expires_never();
    if (ec) _failed = true;
    co_return !ec;
  }

  awaitable<void> end() override {
    if (_failed) co_return;
    beast::get_lowest_layer(_stream).expires_after(_write_timeout);
    boost::system::error_code ec;
    co_await asio::async_write(_stream, bhttp::make_chunk_last(), net::no_throw(ec));
    beast::get_lowest_layer(_stream).expires_never();
    if (ec) _failed = true;
    else _ended = true;
  }

  bool reusable() const override { return _keep_alive && _ended && !_failed && _parser.is_done(); }

  void set_write_timeout(std::chrono::milliseconds t) override { _write_timeout = t; }

  bool is_websocket_upgrade() const override { return websocket::is_upgrade(_msg); }

  awaitable<std::unique_ptr<websocket_io>> accept_websocket(websocket_options options) override {
    auto ws = std::make_unique<websocket_impl<Stream>>(_stream, options);
    if (!co_await ws->accept(_msg)) co_return nullptr;
    co_return ws;
  }

  awaitable<void> wait_peer_gone() override {
    boost::system::error_code ec;
    co_await beast::get_lowest_layer(_stream).socket().async_wait(tcp::socket::wait_read, net::no_throw(ec));
  }

  void abort() override {
    _failed = true;
    beast::get_lowest_layer(_stream).close();
  }

  net::asio::any_io_executor executor() override { return _stream.get_executor(); }

 private:
  static constexpr std::size_t piece_max = 1 << 20;
  Stream& _stream;
  beast::flat_buffer& _buffer;
  request_parser& _parser;
  const request_message& _msg;
  bool _body_streamed;
  std::chrono::milliseconds _read_timeout;
  std::chrono::milliseconds _write_timeout{30000};
  bool _failed = false;
  bool _continued = false;  // Expect: 100-continue answered (or not asked)
  bool _keep_alive = false;  // begin() asked for it and the client keeps connections
  bool _ended = false;       // end() wrote the last chunk
};

}  // namespace

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

const std::string& request::header(const std::string& lower_name) const {
  static const std::string empty;
  auto it = headers.find(lower_name);
  return it == headers.end() ? empty : it->second;
}

struct http_server::impl {
  explicit impl(http_limits l) : limits(l) {}
  http_limits limits;
  asio::io_context ctx{1};
  std::unique_ptr<tcp::acceptor> acceptor;
  std::thread thread;
  std::map<std::string, handler_fn> get_routes;
  std::vector<std::pair<std::string, handler_fn>> prefix_routes;
  std::map<std::pair<std::string, std::string>, handler_fn> other_routes;
  std::vector<std::tuple<std::string, std::string, async_handler_fn>> async_prefix_routes;  // method, prefix, fn
  struct stream_route {
    std::string method;
    std::string pattern;
    stream_handler_fn fn;
    body_mode body;
  };
  std::vector<stream_route> stream_routes;
  std::atomic<int> open{0};
  std::atomic<std::uint64_t> evicted{0};
  // Connections waiting for their next request, oldest first: the ones a new connection may evict.
  std::uint64_t next_conn_id = 0;
  std::map<std::uint64_t, std::function<void()>> waiting;
  std::shared_ptr<net::tls_context_holder> tls;
  auth_hooks auth;

  response dispatch(const request& req) {
    if (req.method == "GET" || req.method == "HEAD") {
      if (auto it = get_routes.find(req.path); it != get_routes.end()) return it->second(req);
      for (auto& [prefix, fn] : prefix_routes)
        if (req.path.starts_with(prefix) && req.path.size() > prefix.size()) return fn(req);
    }
    if (auto it = other_routes.find({req.method, req.path}); it != other_routes.end()) return it->second(req);
    bool path_known = get_routes.contains(req.path);
    for (auto& [key, fn] : other_routes) path_known |= key.second == req.path;
    if (path_known) return {405, "application/json", R"({"error":"method not allowed"})"};
    return {404, "application/json", R"({"error":"not found"})"};
  }

  const stream_route* find_stream(request& req) const {
    for (const auto& r : stream_routes)
      if (req.method == r.method && match_pattern(r.pattern, req.path, req.params)) return &r;
    req.params.clear();
    return nullptr;
  }

  const async_handler_fn* find_async(const request& req) const {
    for (const auto& [method, prefix, fn] : async_prefix_routes)
      if (req.method == method && req.path.starts_with(prefix) && req.path.size() > prefix.size()) return &fn;
    return nullptr;
  }

  // Runs an async handler and waits (without blocking the loop) until it replies.
  awaitable<response> call_async(const async_handler_fn& fn, request req) {
    struct pending {
      explicit pending(asio::io_context& c) : timer(c) {}
      asio::steady_timer timer;
      std::optional<response> res;
    };
    auto p = std::make_shared<pending>(ctx);
    p->timer.expires_at(asio::steady_timer::time_point::max());
    fn(std::move(req), [p, &c = ctx](response r) {
      asio::post(c, [p, r = std::move(r)]() mutable {
        p->res = std::move(r);
        p->timer.cancel();
      });
    });
    while (!p->res) {
      boost::system::error_code ec;
      co_await p->timer.async_wait(net::no_throw(ec));
    }
    co_return std::move(*p->res);
  }

  /// Everything of a request but its body.
  static void fill_request(request& req, const request_message& m, const std::string& peer,
                           const std::string& tls_subject) {
    req.method = std::string(m.method_string());
    req.target = std::string(m.target());
    auto qpos = req.target.find('?');
    req.path = req.target.substr(0, qpos);
    if (qpos != std::string::npos) req.query = parse_query(std::string_view(req.target).substr(qpos + 1));
    if (auto it = m.find(bhttp::field::authorization); it != m.end()) req.authorization = std::string(it->value());
    for (const auto& field : m) {
      std::string name(field.name_string());
      for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      req.headers[std::move(name)] = std::string(field.value());
    }
    req.peer_host = peer;
    req.tls_subject = tls_subject;
  }

  awaitable<void> serve(tcp::socket socket) {
    std::string peer;
    boost::system::error_code pec;
    auto ep = socket.remote_endpoint(pec);
    if (!pec) {
      auto a = ep.address();
      if (a.is_v6() && a.to_v6().is_v4_mapped()) a = asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
      peer = a.to_string();
    }
    if (tls) {
      auto tls_ctx = tls->current();  // held for the connection's lifetime
      beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *tls_ctx);
      beast::get_lowest_layer(stream).expires_after(limits.request_timeout);
      boost::system::error_code ec;
      co_await stream.async_handshake(asio::ssl::stream_base::server, net::no_throw(ec));
      if (ec) {
        spdlog::debug("http TLS handshake from {} failed: {}", peer, ec.message());
        boost::system::error_code ignored;
        beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ignored);
        open.fetch_sub(1);
        co_return;
      }
      std::string subject = net::verified_peer_subject(stream.native_handle());
      co_await serve_stream(stream, peer, subject);
    } else {
      beast::tcp_stream stream(std::move(socket));
      co_await serve_stream(stream, peer, {});
    }
    open.fetch_sub(1);
  }

  template <class Stream>
  awaitable<void> serve_stream(Stream& stream, const std::string& peer, const std::string& tls_subject) {
    beast::flat_buffer buffer(limits.header_bytes + limits.body_bytes);
    const std::uint64_t conn_id = next_conn_id++;
    bool was_evicted = false;
    try {
      for (;;) {
        request_parser parser;
        parser.header_limit(static_cast<std::uint32_t>(limits.header_bytes));
        // Beast checks a Content-Length against the body limit when the header completes, before the route is
        // known: no limit until then; whole-body routes get body_bytes right after (below).
        parser.body_limit(std::numeric_limits<std::uint64_t>::max());  // (not boost::none: 1.74 compares it as 0)
        beast::get_lowest_layer(stream).expires_after(limits.request_timeout);
        boost::system::error_code ec;
        waiting[conn_id] = [&stream, &was_evicted] {
          was_evicted = true;
          beast::get_lowest_layer(stream).close();
        };
        co_await bhttp::async_read_header(stream, buffer, parser, net::no_throw(ec));
        waiting.erase(conn_id);
        if (was_evicted) break;
        if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::eof ||
            ec == asio::error::connection_reset)
          break;
        // The route decides how the body is read: a streamed-body route reads it itself, after authentication;
        // every other request is read whole (within body_bytes and the request timeout) first.
        request req;
        const stream_route* route = nullptr;
        if (!ec) {
          fill_request(req, parser.get(), peer, tls_subject);
          route = find_stream(req);
          if (route && route->body == body_mode::streamed) {
            // the route reads the body and bounds what it keeps
          } else if (parser.content_length() && *parser.content_length() > limits.body_bytes) {
            ec = bhttp::error::body_limit;
          } else if (!parser.is_done()) {
            parser.body_limit(limits.body_bytes);  // enforced per chunk for chunked bodies
            co_await bhttp::async_read(stream, buffer, parser, net::no_throw(ec));
            if (ec == beast::error::timeout || ec == asio::error::eof || ec == asio::error::connection_reset) break;
          }
          if (!ec) req.body = std::move(parser.get().body());
        }
        bhttp::response<bhttp::string_body> res;
        bool keep_alive = false;
        if (ec) {
          res.result(ec == bhttp::error::header_limit ? bhttp::status::request_header_fields_too_large
                     : ec == bhttp::error::body_limit ? bhttp::status::payload_too_large
                                                      : bhttp::status::bad_request);
          res.set(bhttp::field::content_type, "application/json");
          res.body() = R"({"error":")" + std::string(res.reason()) + R"("})";
        } else {
          auto& m = parser.get();
          response r;
          std::optional<std::string> principal;
          const bool needs_auth = auth.authenticate && !(auth.is_open && auth.is_open(req.path));
          if (needs_auth) principal = auth.authenticate(req);
          if (needs_auth && !principal) {
            res.set(bhttp::field::www_authenticate, R"(Basic realm="streamdown", charset="UTF-8")");
            r = {401, "application/json", R"({"error":"authentication required","code":"unauthenticated"})"};
          } else {
            if (principal) req.principal = std::move(*principal);
            try {
              if (route) {
                stream_io_impl<Stream> io(stream, buffer, parser, route->body == body_mode::streamed,
                                          limits.request_timeout);
                auto answer = co_await route->fn(req, io);
                if (!answer && io.reusable()) continue;  // a complete chunked answer on a kept connection
                if (!answer) break;  // the route took the connection over; it ends here
                r = std::move(*answer);
              } else if (const auto* async_fn = find_async(req)) {
                r = co_await call_async(*async_fn, req);
              } else {
                r = dispatch(req);
              }
            } catch (const std::exception& e) {
              r = {500, "application/json", std::string(R"({"error":"internal error"})")};
              spdlog::error("http {} {}: {}", req.method, req.path, e.what());
            }
          }
          res.result(static_cast<unsigned>(r.status));
          res.set(bhttp::field::content_type, r.content_type);
          for (const auto& [name, value] : r.headers) res.set(name, value);
          if (req.method != "HEAD") res.body() = std::move(r.body);
          keep_alive = m.keep_alive() && parser.is_done();  // an unread body cannot be skipped: close
        }
        res.set(bhttp::field::server, "streamdown");
        res.keep_alive(keep_alive);
        res.prepare_payload();
        beast::get_lowest_layer(stream).expires_after(limits.request_timeout);
        co_await bhttp::async_write(stream, res, net::no_throw(ec));
        if (ec || !keep_alive) break;
      }
    } catch (const std::exception& e) {
      spdlog::debug("http connection ended: {}", e.what());
    }
    waiting.erase(conn_id);
    boost::system::error_code ignored;
    beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

  awaitable<void> accept_loop() {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket s = co_await acceptor->async_accept(net::no_throw(ec));
      if (ec) {
        if (!acceptor->is_open()) co_return;
        continue;
      }
      if (open.load() >= limits.max_connections) {
        // Full: make room by closing the connection that has waited longest for a request; when every
        // connection is inside a request or a stream, refuse rather than queue.
        if (waiting.empty()) {
          s.close(ec);
          continue;
        }
        auto oldest = waiting.begin();
        auto close_it = std::move(oldest->second);
        waiting.erase(oldest);
        close_it();
        evicted.fetch_add(1, std::memory_order_relaxed);
      }
      // Answers leave in pieces (chunked results, SSE events, a chunked answer's last chunk): without
      // TCP_NODELAY a small piece waits for the ACK of the previous one, which the client may delay ~40 ms.
      s.set_option(tcp::no_delay(true), ec);
      open.fetch_add(1);
      asio::co_spawn(ctx, serve(std::move(s)), asio::detached);
    }
  }
};

http_server::http_server(http_limits limits) : _impl(std::make_unique<impl>(limits)) {}
http_server::~http_server() { stop(); }

void http_server::get(const std::string& path, handler_fn fn) { _impl->get_routes[path] = std::move(fn); }
void http_server::get_prefix(const std::string& prefix, handler_fn fn) {
  _impl->prefix_routes.emplace_back(prefix, std::move(fn));
}
void http_server::route(const std::string& method, const std::string& path, handler_fn fn) {
  _impl->other_routes[{method, path}] = std::move(fn);
}

void http_server::route_prefix_async(const std::string& method, const std::string& prefix, async_handler_fn fn) {
  _impl->async_prefix_routes.emplace_back(method, prefix, std::move(fn));
}

void http_server::route_stream(const std::string& method, const std::string& pattern, stream_handler_fn fn,
                               body_mode body) {
  _impl->stream_routes.push_back({method, pattern, std::move(fn), body});
}

net::asio::any_io_executor http_server::executor() { return _impl->ctx.get_executor(); }
int http_server::open_connections() const { return _impl->open.load(std::memory_order_relaxed); }
std::uint64_t http_server::evicted_connections() const { return _impl->evicted.load(std::memory_order_relaxed); }

void http_server::set_authentication(auth_hooks hooks) { _impl->auth = std::move(hooks); }

tcp::endpoint http_server::listen(const std::string& host, std::uint16_t port,
                                  std::shared_ptr<net::tls_context_holder> tls) {
  _impl->tls = std::move(tls);
  tcp::endpoint ep(asio::ip::make_address(host), port);
  _impl->acceptor = std::make_unique<tcp::acceptor>(_impl->ctx);
  _impl->acceptor->open(ep.protocol());
  _impl->acceptor->set_option(tcp::acceptor::reuse_address(true));
  _impl->acceptor->bind(ep);
  _impl->acceptor->listen();
  return _impl->acceptor->local_endpoint();
}

void http_server::start() {
  asio::co_spawn(_impl->ctx, _impl->accept_loop(), asio::detached);
  _impl->thread = std::thread([this] { _impl->ctx.run(); });
}

void http_server::stop() {
  if (!_impl || !_impl->thread.joinable()) return;
  asio::post(_impl->ctx, [this] {
    boost::system::error_code ec;
    _impl->acceptor->close(ec);
  });
  _impl->ctx.stop();
  _impl->thread.join();
}

}  // namespace sd::http
