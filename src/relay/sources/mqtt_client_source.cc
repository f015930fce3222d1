// The `mqtt` source: the relay connects to an MQTT broker as a client, subscribes to `mqtt_topics` with QoS
// 1, and turns every message into a spool record (mqtt_router.h), PUBACKing a QoS 1 message only once the
// spool holds it.
//
// Contract (relay/source.h):
//   - A persistent session: a stable client id (client.id, default "streamdown-relay-<relay.id>-<name>"),
//   clean
//     start off, MQTT 5 session expiry "never". The broker therefore keeps our subscriptions and queues
//     messages while we are away, and redelivers the ones we had not PUBACKed (at least once: consumers may
//     see a message twice across a reconnect, never lose one the broker accepted at QoS 1).
//   - Every connect subscribes again (a broker that lost our session must not leave us subscribed to
//   nothing). A
//     filter that is refused or downgraded below QoS 1 is an error: logged at error level, counted, and shown
//     in describe() as last_error; the source keeps running with what was granted.
//   - The publishes of one socket read are one spool append (mqtt_ingest); PUBACKs leave in receive order
//   (the
//     session orders them). The socket is not read while the session's window is full, a batch waits for
//     spool space (errc::full, retried on notify_on_space) or too many appends are outstanding; keep-alive
//     pings pause with the reads (the broker may drop us meanwhile; we reconnect and resume the session).
//   - start() returns at once: connecting, and reconnecting after any loss, run in the background with
//   backoff
//     (250 ms doubling to 5 s, reset by an accepted CONNACK).
//   - stop(): no more reads; appends in flight finish (up to 2 s) and their PUBACKs go out; DISCONNECT (the
//     broker keeps the session); the socket closes.
//
// Threading: one io_context thread owns the socket, the session and the timers; spool callbacks come back
// through io_poster. describe() reads a snapshot kept under a mutex.

#include <spdlog/spdlog.h>

#include <atomic>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "base/clock.h"
#include "base/log_limiter.h"
#include "mqtt/client_session.h"
#include "mqtt/topic_filter.h"
#include "net/asio.h"
#include "relay/sources/mqtt_link.h"
#include "relay/sources/mqtt_router.h"
#include "relay/sources/sources.h"

namespace sd::relay {
namespace {

namespace asio = net::asio;
using tcp = net::tcp;

constexpr auto backoff_initial = std::chrono::milliseconds(250);
constexpr auto backoff_max = std::chrono::milliseconds(5000);
constexpr auto tcp_connect_timeout = std::chrono::seconds(10);
constexpr auto drain_timeout = std::chrono::seconds(2);
constexpr auto close_timeout = std::chrono::seconds(1);

class mqtt_client_source;

/// One TCP connection to the broker and its client_session (io thread only). Outlives its socket while
/// appends of it are outstanding, so their results are still counted (mqtt_link.h).
class broker_link final : public mqtt_link<mqtt::client_session> {
 public:
  broker_link(mqtt_client_source& src, tcp::socket sock, mqtt::client_config cfg);
  void start();
  void disconnect() {
    _session.disconnect();
    pump();
  }
  /// Forced end (stop() timed out): close the socket now; the broker redelivers what was not acknowledged.
  void abort() {
    _session.on_connection_lost();
    close_now();
  }

 private:
  void on_event(mqtt::client_event ev) override;
  void on_spool_failure() override { _session.disconnect(); }
  void on_socket_closed() override;
  void on_removable() override;

  mqtt_client_source& _src;
};

class mqtt_client_source final : public source {
 public:
  mqtt_client_source(source_config cfg, source_context& ctx)
      : source(std::move(cfg)),
        _ctx(ctx),
        _router(_cfg),
        _poster(std::make_shared<io_poster>(_ioc)),
        _resolver(_ioc),
        _retry(_ioc),
        _connect_timer(_ioc) {
    _client_id =
        _cfg.client_id.empty() ? "streamdown-relay-" + _ctx.relay_id + "-" + _cfg.name : _cfg.client_id;
    const auto colon = _cfg.broker.rfind(':');
    _host = _cfg.broker.substr(0, colon);
    if (_host.size() >= 2 && _host.front() == '[' && _host.back() == ']')
      _host = _host.substr(1, _host.size() - 2);
    _port = _cfg.broker.substr(colon + 1);
  }
  ~mqtt_client_source() override { stop(); }

  void start() override {
    publish_snapshot();
    asio::post(_ioc, [this] { connect(); });
    _work.emplace(_ioc.get_executor());
    _thread = std::thread([this] { _ioc.run(); });
    _running = true;
  }

  void stop() override {
    if (!_running) return;
    _running = false;
    asio::post(_ioc, [this] {
      _stopping = true;
      _retry.cancel();
      _connect_timer.cancel();
      _resolver.cancel();
      if (_connecting) {
        boost::system::error_code ignored;
        _connecting->close(ignored);
      }
      for (auto& l : _links) l->pump();  // reading stops (stopping())
    });
    _poster->wait_appends(drain_timeout);
    std::promise<void> closed;
    asio::post(_ioc, [this] {
      for (auto l : _links) l->disconnect();
    });
    auto gone = [this] {
      std::lock_guard lk(_mu);
      return _open_sockets == 0;
    };
    const auto until = steady_clock::now() + close_timeout;
    while (!gone() && steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    asio::post(_ioc, [this, &closed] {
      for (auto& l : _links) l->abort();
      _links.clear();
      closed.set_value();
    });
    closed.get_future().wait_for(close_timeout);
    _poster->close();
    _work.reset();
    _ioc.stop();
    if (_thread.joinable()) _thread.join();
    _links.clear();
    _stats.connections.store(0, std::memory_order_relaxed);
    _stats.in_flight.store(0, std::memory_order_relaxed);
    _stats.lag.store(0, std::memory_order_relaxed);
    set_connected(false);
  }

  void describe(nlohmann::json& out) const override {
    std::lock_guard lk(_mu);
    for (const auto& [k, v] : _snapshot.items()) out[k] = v;
  }

  // ---- for broker_link (io thread) ----
  mqtt_link_env link_env() {
    return {_router, _ctx.spool, _stats, _log_limit, _poster, _ioc, _stopping, "mqtt source " + _cfg.name};
  }
  const std::string& name() const { return _cfg.name; }
  const std::vector<std::string>& filters() const { return _cfg.mqtt_topics; }

  void on_connected(bool session_present) {
    _backoff = backoff_initial;
    _session_present = session_present;
    _stats.connections.store(1, std::memory_order_relaxed);
    set_connected(true);
    spdlog::info("relay mqtt source {}: connected to {} as '{}' (session present: {})", _cfg.name,
                 _cfg.broker, _client_id, session_present);
  }
  void on_subscribed(const mqtt::subscribed_event& s) {
    std::vector<std::string> refused;
    for (std::size_t i = 0; i < s.filters.size(); ++i) {
      const bool ok = i < s.reason_codes.size() && s.reason_codes[i] < 0x80 && s.reason_codes[i] >= 1;
      if (ok)
        _granted.push_back(s.filters[i]);
      else
        refused.push_back(s.filters[i] + " (code " +
                          std::to_string(i < s.reason_codes.size() ? s.reason_codes[i] : 0x80) + ")");
    }
    if (!refused.empty()) {
      _stats.errors_total.fetch_add(1, std::memory_order_relaxed);
      std::string list;
      for (const auto& r : refused) list += (list.empty() ? "" : ", ") + r;
      _last_error = "subscription not granted at QoS 1: " + list;
      spdlog::error(
          "relay mqtt source {}: broker {} did not grant QoS 1 for: {}; messages on these filters are not "
          "received (or may be lost)",
          _cfg.name, _cfg.broker, list);
    }
    publish_snapshot();
  }
  void on_closed(const mqtt::closed_event& c) {
    _stats.connections.store(0, std::memory_order_relaxed);
    if (_stopping) return set_connected(false);
    const bool error = c.reason != mqtt::close_reason::server_close;
    _last_error = std::string("connection ended: ") + std::string(mqtt::to_string(c.reason));
    if (c.error) _last_error += " (" + c.error.message() + ")";
    if (c.peer_reason_code) _last_error += " reason code " + std::to_string(*c.peer_reason_code);
    if (error) {
      _stats.errors_total.fetch_add(1, std::memory_order_relaxed);
      if (auto skipped = _log_limit.admit())
        spdlog::warn("relay mqtt source {}: {} ({} more not logged)", _cfg.name, _last_error, *skipped);
    }
    set_connected(false);
  }
  void socket_opened() {
    std::lock_guard lk(_mu);
    ++_open_sockets;
  }
  /// A broker_link's socket closed: reconnect (unless stopping).
  void socket_closed() {
    {
      std::lock_guard lk(_mu);
      --_open_sockets;
    }
    if (!_stopping) schedule_connect();
  }
  void forget_finished_links() {
    asio::post(_ioc, [this] { std::erase_if(_links, [](const auto& l) { return l->removable(); }); });
  }

 private:
  void schedule_connect() {
    _retry.expires_after(_backoff);
    _backoff = std::min(_backoff * 2, backoff_max);
    _retry.async_wait([this](boost::system::error_code ec) {
      if (!ec && !_stopping) connect();
    });
  }

  void connect_failed(const std::string& what, boost::system::error_code ec) {
    _connecting.reset();
    _connect_timer.cancel();
    if (_stopping) return;
    _stats.errors_total.fetch_add(1, std::memory_order_relaxed);
    _last_error = what + ": " + ec.message();
    if (auto skipped = _log_limit.admit())
      spdlog::warn("relay mqtt source {}: {} {}: {}; retrying ({} more not logged)", _cfg.name, what,
                   _cfg.broker, ec.message(), *skipped);
    publish_snapshot();
    schedule_connect();
  }

  void connect() {
    if (_stopping) return;
    _resolver.async_resolve(
        _host, _port, [this](boost::system::error_code ec, tcp::resolver::results_type eps) {
          if (_stopping) return;
          if (ec) return connect_failed("cannot resolve", ec);
          _connecting = std::make_unique<tcp::socket>(_ioc);
          _connect_timer.expires_after(tcp_connect_timeout);
          _connect_timer.async_wait([this](boost::system::error_code e) {
            if (e || !_connecting) return;
            boost::system::error_code ignored;
            _connecting->close(ignored);  // the pending connect completes with operation_aborted
          });
          asio::async_connect(*_connecting, eps, [this](boost::system::error_code e, const tcp::endpoint&) {
            if (_stopping) return;
            if (e) return connect_failed("cannot connect to", e);
            _connect_timer.cancel();
            auto sock = std::move(*_connecting);
            _connecting.reset();
            boost::system::error_code ignored;
            sock.set_option(tcp::no_delay(true), ignored);
            _granted.clear();
            auto l = std::make_shared<broker_link>(*this, std::move(sock), client_config());
            _links.push_back(l);
            socket_opened();
            l->start();
          });
        });
  }

  mqtt::client_config client_config() const {
    mqtt::client_config c;
    c.version = _cfg.mqtt_version == 5 ? mqtt::protocol_version::v5 : mqtt::protocol_version::v311;
    c.client_id = _client_id;
    c.clean_start = false;
    c.keep_alive = static_cast<std::uint16_t>(std::min<std::int64_t>(_cfg.keepalive.count(), 0xFFFF));
    if (!_cfg.username.empty()) c.username = _cfg.username;
    if (!_cfg.password.empty()) c.password = bytes(_cfg.password.begin(), _cfg.password.end());
    c.session_expiry = mqtt::session_never_expires;
    c.receive_maximum = static_cast<std::uint16_t>(std::clamp<std::size_t>(_cfg.max_in_flight, 1, 0xFFFF));
    return c;
  }

  void set_connected(bool connected) {
    _connected = connected;
    publish_snapshot();
  }

  void publish_snapshot() {
    nlohmann::json s{{"broker", _cfg.broker},
                     {"client_id", _client_id},
                     {"connected", _connected},
                     {"session_present", _session_present},
                     {"filters", _cfg.mqtt_topics},
                     {"subscribed", _granted},
                     {"mqtt_version", _cfg.mqtt_version}};
    if (!_last_error.empty()) s["last_error"] = _last_error;
    std::lock_guard lk(_mu);
    _snapshot = std::move(s);
  }

  source_context& _ctx;
  mqtt_router _router;
  asio::io_context _ioc;
  std::shared_ptr<io_poster> _poster;
  tcp::resolver _resolver;
  asio::steady_timer _retry;
  asio::steady_timer _connect_timer;
  std::unique_ptr<tcp::socket> _connecting;  // the TCP connect in progress
  std::vector<std::shared_ptr<broker_link>>
      _links;  // the current one last; older ones until their appends finish
  log_limiter _log_limit;
  std::string _client_id, _host, _port;
  std::chrono::milliseconds _backoff = backoff_initial;
  bool _stopping = false;  // io thread
  // Status (io thread writes; describe() reads the snapshot).
  bool _connected = false, _session_present = false;
  std::vector<std::string> _granted;
  std::string _last_error;
  mutable std::mutex _mu;
  nlohmann::json _snapshot;
  std::size_t _open_sockets = 0;  // guarded by _mu
  // Keeps _ioc.run() going while nothing is pending (reads paused, waiting for spool callbacks to be posted).
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> _work;
  std::thread _thread;
  bool _running = false;  // main thread
};

// ---- broker_link ----

broker_link::broker_link(mqtt_client_source& src, tcp::socket sock, mqtt::client_config cfg)
    : mqtt_link(src.link_env(), std::move(sock), mqtt::client_session(std::move(cfg), steady_clock::now())),
      _src(src) {}

void broker_link::start() {
  // Held by the session until CONNACK, then sent on every connect.
  if (auto r = _session.subscribe(_src.filters(), 1); !r)
    spdlog::error("relay mqtt source {}: cannot subscribe: {}", _src.name(), r.error().message());
  pump();
}

void broker_link::on_event(mqtt::client_event ev) {
  if (auto* c = std::get_if<mqtt::client_connected_event>(&ev)) return _src.on_connected(c->session_present);
  if (auto* s = std::get_if<mqtt::subscribed_event>(&ev)) return _src.on_subscribed(*s);
  _src.on_closed(std::get<mqtt::closed_event>(ev));
}

void broker_link::on_socket_closed() {
  _src.socket_closed();
}

void broker_link::on_removable() {
  _src.forget_finished_links();
}

}  // namespace

std::unique_ptr<source> make_mqtt_client_source(source_config cfg, source_context& ctx) {
  if (cfg.broker.empty() || cfg.broker.rfind(':') == std::string::npos)
    throw std::runtime_error("source " + cfg.name + ": broker must be HOST:PORT");
  if (cfg.mqtt_topics.empty())
    throw std::runtime_error("source " + cfg.name + ": topics (MQTT filters) is required");
  for (const auto& f : cfg.mqtt_topics)
    if (!mqtt::validate_topic_filter(f))
      throw std::runtime_error("source " + cfg.name + ": '" + f + "' is not a valid MQTT topic filter");
  for (const auto& m : cfg.mappings)
    if (!mqtt::validate_topic_filter(m.match))
      throw std::runtime_error("source " + cfg.name + ": mapping match '" + m.match +
                               "' is not a valid MQTT topic filter");
  return std::make_unique<mqtt_client_source>(std::move(cfg), ctx);
}

}  // namespace sd::relay
