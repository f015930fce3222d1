// The `mqtt-server` source: devices connect to the relay (MQTT 3.1, 3.1.1, 5) and publish; every message
// becomes a spool record (mqtt_router.h) and a QoS 1 message is PUBACKed only once the spool holds it.
//
// Threading: one io_context thread owns the acceptor, every connection, its mqtt::server_session and the
// session store. Spool callbacks come back through io_poster (mqtt_router.h).
//
// Per connection (contract of relay/source.h):
//   - the publishes decoded from one socket read become one spool append (mqtt_ingest);
//   - the socket is read only while the session is not read_paused() (3.1.1 window full), no batch waits for
//     spool space (errc::full; retried unchanged on notify_on_space) and fewer than
//     mqtt_ingest::max_outstanding appends are in flight; the keep-alive check is suspended while we do not
//     read (the peer is not at fault), and restarts with a fresh 1.5 x keep alive when reading resumes;
//   - a closed session's remaining output is written, then the socket closes; messages already decoded are
//   still
//     appended (QoS 0 sent just before DISCONNECT is kept), a batch still waiting for space then is dropped
//     (QoS 1 ones were never acknowledged: the device resends them).
//   - takeover: when a client id connects again, the older connection is closed (MQTT 5: DISCONNECT 0x8E).
//
// Persistent sessions: mqtt_persistent_sessions.h keeps the client ids whose session outlives the connection
// in <state_dir>/<source name>.sessions.json, so a device reconnecting after a relay restart with clean
// session 0 / clean start 0 gets Session Present = 1 and resends its unacknowledged QoS 1 messages.

#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "base/clock.h"
#include "base/log_limiter.h"
#include "mqtt/server_session.h"
#include "mqtt/topic_filter.h"
#include "net/asio.h"
#include "relay/sources/mqtt_link.h"
#include "relay/sources/mqtt_persistent_sessions.h"
#include "relay/sources/mqtt_router.h"
#include "relay/sources/sources.h"

namespace sd::relay {
namespace {

namespace asio = net::asio;
using tcp = net::tcp;

constexpr auto drain_timeout = std::chrono::seconds(2);
constexpr auto close_timeout = std::chrono::seconds(1);

class mqtt_server_source;

/// One accepted socket and its MQTT session (mqtt_link.h). Lives in mqtt_server_source::_conns until its
/// socket is closed and no append of it is outstanding; all members are used on the io thread only.
class connection final : public mqtt_link<mqtt::server_session> {
 public:
  connection(mqtt_server_source& src, tcp::socket sock, std::uint64_t id);

  void start() { pump(); }
  /// Application close (takeover, shutdown): the session says goodbye, then the socket closes.
  void close(mqtt::close_reason why) {
    _session.close(why);
    pump();
  }
  /// Shutdown: no more reads (a read in progress may still complete and is taken).
  void stop_reading() { pump(); }
  /// Forced end (stop() timed out): drop everything, close the socket now.
  void abort() {
    _session.close(mqtt::close_reason::server_close);
    close_now();
  }

 private:
  void on_event(mqtt::server_event ev) override;
  void on_spool_failure() override { _session.close(mqtt::close_reason::server_close); }
  void on_removable() override;
  std::optional<steady_clock::duration> resume_grace() const override {
    // We held the peer's bytes back; it gets a full keep-alive period from now before we judge it.
    return std::chrono::milliseconds(std::int64_t{_keep_alive} * 1500);
  }
  void on_read_error(const boost::system::error_code& ec) override;

  mqtt_server_source& _src;
  std::uint64_t _id;
  std::uint16_t _keep_alive = 0;
};

class mqtt_server_source final : public source {
 public:
  mqtt_server_source(source_config cfg, source_context& ctx)
      : source(std::move(cfg)),
        _ctx(ctx),
        _router(_cfg),
        _poster(std::make_shared<io_poster>(_ioc)),
        _acceptor(_ioc),
        _accept_retry(_ioc),
        _store(_ctx.state_dir.empty() ? std::string() : _ctx.state_dir + "/" + _cfg.name + ".sessions.json",
               _ioc, _log_limit) {
    _server_cfg.receive_maximum =
        static_cast<std::uint16_t>(std::min<std::size_t>(_cfg.max_in_flight, 0xFFFF));
  }
  ~mqtt_server_source() override { stop(); }

  void start() override {
    const auto colon = _cfg.listen.rfind(':');
    if (colon == std::string::npos)
      throw std::runtime_error("source " + _cfg.name + ": listen must be HOST:PORT");
    std::string host = _cfg.listen.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    boost::system::error_code ec;
    tcp::resolver resolver(_ioc);
    auto eps = resolver.resolve(host, _cfg.listen.substr(colon + 1), tcp::resolver::passive, ec);
    if (ec || eps.empty())
      throw std::runtime_error("source " + _cfg.name + ": cannot resolve " + _cfg.listen + ": " +
                               ec.message());
    const tcp::endpoint ep = *eps.begin();
    _acceptor.open(ep.protocol(), ec);
    if (!ec) _acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) _acceptor.bind(ep, ec);
    if (!ec) _acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      throw std::runtime_error("source " + _cfg.name + ": cannot listen on " + _cfg.listen + ": " +
                               ec.message());
    const auto bound = _acceptor.local_endpoint();
    _bound =
        (bound.address().is_v6() ? "[" + bound.address().to_string() + "]" : bound.address().to_string()) +
        ":" + std::to_string(bound.port());
    _store.load();
    _persistent.store(_store.size(), std::memory_order_relaxed);
    accept_next();
    _work.emplace(_ioc.get_executor());
    _thread = std::thread([this] { _ioc.run(); });
    _running = true;
    spdlog::info("relay mqtt-server source {} listening on {}", _cfg.name, _bound);
  }

  void stop() override {
    if (!_running) return;
    _running = false;
    // 1. No new connections, no new reads; appends in flight get their results (and their PUBACKs go out).
    asio::post(_ioc, [this] {
      _stopping = true;
      boost::system::error_code ignored;
      _acceptor.close(ignored);
      _accept_retry.cancel();
      for (auto& [id, c] : snapshot()) c->stop_reading();
    });
    _poster->wait_appends(drain_timeout);
    // 2. Close every session (MQTT 5: DISCONNECT server shutting down), write what is left, close the
    // sockets.
    asio::post(_ioc, [this] {
      for (auto& [id, c] : snapshot()) c->close(mqtt::close_reason::server_close);
    });
    {
      std::unique_lock lk(_mu);
      _closed_cv.wait_for(lk, close_timeout, [&] { return _conn_count == 0; });
    }
    std::promise<void> aborted;
    asio::post(_ioc, [this, &aborted] {
      for (auto& [id, c] : snapshot()) c->abort();
      _conns.clear();
      _store.save_now();
      {
        std::lock_guard lk(_mu);
        _conn_count = 0;
        _stats.connections.store(0, std::memory_order_relaxed);
      }
      aborted.set_value();
    });
    aborted.get_future().wait_for(close_timeout);
    _poster->close();
    _work.reset();
    _ioc.stop();
    if (_thread.joinable()) _thread.join();
    _conns.clear();
    _stats.in_flight.store(0, std::memory_order_relaxed);
    _stats.lag.store(0, std::memory_order_relaxed);
  }

  std::string bound_address() const override { return _bound; }

  void describe(nlohmann::json& out) const override {
    out["listen"] = _cfg.listen;
    out["bound"] = _bound;
    out["sessions"] = _persistent.load(std::memory_order_relaxed);
    out["receive_maximum"] = _server_cfg.receive_maximum;
  }

  // ---- for connection (io thread) ----
  mqtt_link_env link_env() {
    std::string log_name = "mqtt-server source " + _cfg.name;
    return {_router, _ctx.spool, _stats, _log_limit, _poster, _ioc, _stopping, std::move(log_name)};
  }
  source_stats& stats_mut() { return _stats; }
  const mqtt::server_config& server_cfg() const { return _server_cfg; }
  persistent_sessions& store() { return _store; }
  log_limiter& log_limit() { return _log_limit; }
  const std::string& name() const { return _cfg.name; }

  void close_connection(std::uint64_t id, mqtt::close_reason why) {
    if (auto it = _conns.find(id); it != _conns.end()) it->second->close(why);
  }
  void session_count_changed() { _persistent.store(_store.size(), std::memory_order_relaxed); }
  /// The connection may be gone: erase it (deferred: it may be on the call stack).
  void maybe_remove(std::uint64_t id) {
    asio::post(_ioc, [this, id] {
      auto it = _conns.find(id);
      if (it == _conns.end() || !it->second->removable()) return;
      _conns.erase(it);
      std::lock_guard lk(_mu);
      --_conn_count;
      _stats.connections.store(static_cast<std::int64_t>(_conn_count), std::memory_order_relaxed);
      _closed_cv.notify_all();
    });
  }

 private:
  std::vector<std::pair<std::uint64_t, std::shared_ptr<connection>>> snapshot() const {
    return {_conns.begin(), _conns.end()};
  }

  void accept_next() {
    _acceptor.async_accept([this](boost::system::error_code ec, tcp::socket sock) {
      if (_stopping || ec == asio::error::operation_aborted) return;
      if (ec) {  // e.g. EMFILE: try again shortly instead of spinning
        _stats.errors_total.fetch_add(1, std::memory_order_relaxed);
        if (auto skipped = _log_limit.admit())
          spdlog::warn("relay mqtt-server source {}: accept failed: {} ({} more not logged)", _cfg.name,
                       ec.message(), *skipped);
        _accept_retry.expires_after(std::chrono::milliseconds(100));
        _accept_retry.async_wait([this](boost::system::error_code e) {
          if (!e && !_stopping) accept_next();
        });
        return;
      }
      boost::system::error_code ignored;
      sock.set_option(tcp::no_delay(true), ignored);
      const auto id = ++_next_id;
      auto c = std::make_shared<connection>(*this, std::move(sock), id);
      _conns.emplace(id, c);
      {
        std::lock_guard lk(_mu);
        ++_conn_count;
        _stats.connections.store(static_cast<std::int64_t>(_conn_count), std::memory_order_relaxed);
      }
      c->start();
      accept_next();
    });
  }

  source_context& _ctx;
  mqtt_router _router;
  mqtt::server_config _server_cfg;
  asio::io_context _ioc;
  std::shared_ptr<io_poster> _poster;
  tcp::acceptor _acceptor;
  asio::steady_timer _accept_retry;
  log_limiter _log_limit;
  persistent_sessions _store;
  std::map<std::uint64_t, std::shared_ptr<connection>> _conns;  // io thread
  std::uint64_t _next_id = 0;
  bool _stopping = false;  // io thread
  std::mutex _mu;
  std::condition_variable _closed_cv;
  std::size_t _conn_count = 0;              // guarded by _mu
  std::atomic<std::size_t> _persistent{0};  // sessions known: connected ones and persisted ones
  std::string _bound;
  // Keeps _ioc.run() going while nothing is pending (reads paused, waiting for spool callbacks to be posted).
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> _work;
  std::thread _thread;
  bool _running = false;  // main thread
};

// ---- connection ----

connection::connection(mqtt_server_source& src, tcp::socket sock, std::uint64_t id)
    : mqtt_link(src.link_env(), std::move(sock),
                mqtt::server_session(src.server_cfg(), src.store(), id, steady_clock::now())),
      _src(src),
      _id(id) {}

void connection::on_event(mqtt::server_event ev) {
  if (auto* c = std::get_if<mqtt::connected_event>(&ev)) {
    _keep_alive = c->keep_alive;
    if (c->taken_over) _src.close_connection(*c->taken_over, mqtt::close_reason::session_taken_over);
    _src.store().set_expiry(c->client_id, _id, c->session_expiry);
    _src.session_count_changed();
    spdlog::debug(
        "relay mqtt-server source {}: client '{}' connected (MQTT {}, clean {}, session present {})",
        _src.name(), c->client_id, static_cast<int>(c->version), c->clean_start, c->session_present);
    return;
  }
  const auto& closed = std::get<mqtt::closed_event>(ev);
  _src.session_count_changed();
  using mqtt::close_reason;
  const bool error =
      closed.reason == close_reason::protocol_error || closed.reason == close_reason::refused ||
      closed.reason == close_reason::keep_alive_timeout || closed.reason == close_reason::connect_timeout;
  if (error) {
    _src.stats_mut().errors_total.fetch_add(1, std::memory_order_relaxed);
    if (auto skipped = _src.log_limit().admit())
      spdlog::warn("relay mqtt-server source {}: closing connection of '{}': {} ({}) ({} more not logged)",
                   _src.name(), _session.client_id(), mqtt::to_string(closed.reason), closed.error.message(),
                   *skipped);
  } else {
    spdlog::debug("relay mqtt-server source {}: connection of '{}' ended: {}", _src.name(),
                  _session.client_id(), mqtt::to_string(closed.reason));
  }
}

void connection::on_read_error(const boost::system::error_code& ec) {
  if (ec != asio::error::eof && ec != asio::error::connection_reset && ec != asio::error::operation_aborted)
    _src.stats_mut().errors_total.fetch_add(1, std::memory_order_relaxed);
}

void connection::on_removable() {
  _src.maybe_remove(_id);
}

}  // namespace

std::unique_ptr<source> make_mqtt_server_source(source_config cfg, source_context& ctx) {
  for (const auto& m : cfg.mappings)
    if (!mqtt::validate_topic_filter(m.match))
      throw std::runtime_error("source " + cfg.name + ": mapping match '" + m.match +
                               "' is not a valid MQTT topic filter");
  return std::make_unique<mqtt_server_source>(std::move(cfg), ctx);
}

}  // namespace sd::relay
