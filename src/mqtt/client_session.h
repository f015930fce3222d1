#pragma once
// client_session: the client side of one MQTT connection to a broker (the relay's `mqtt` source), sans-IO.
//
// The constructor queues CONNECT (clean start off by default, a stable client id, keep alive, optional
// credentials). The relay writes take_output(), feeds received bytes to on_bytes(), calls on_timer() at
// next_deadline(), and handles events from poll_event():
//   client_connected_event  CONNACK accepted; session_present says whether the broker kept our session
//                           (if not, subscriptions must be made again: the relay subscribes on every connect)
//   subscribed_event        a SUBACK; all_granted is false if any filter was refused or downgraded below
//                           the requested QoS (QoS 0 would lose messages on a reconnect)
//   publish_event           an inbound PUBLISH; QoS 1 carries a token for ack() (PUBACK only once durable,
//                           and strictly in receive order: inbound_window.h)
//   closed_event            refused CONNACK, broker DISCONNECT, timeouts, protocol errors, connection loss
//
// subscribe() may be called before CONNACK: the SUBSCRIBE is held until the broker accepts the connection.
// Keep alive: when nothing was sent for keep_alive seconds a PINGREQ goes out; if no packet arrives within
// keep_alive seconds after it, the session closes with keep_alive_timeout. A duplicate PUBLISH (packet id in
// flight) is not delivered twice; after a reconnect the broker redelivers unacknowledged messages and they
// are delivered again (at least once).

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/result.h"
#include "mqtt/codec.h"
#include "mqtt/inbound_window.h"
#include "mqtt/packet.h"
#include "mqtt/server_session.h"  // close_reason, publish_event, closed_event
#include "mqtt/session_store.h"

namespace sd::mqtt {

struct client_config {
  protocol_version version = protocol_version::v311;  // v311 or v5
  std::string client_id;                               // stable across reconnects for a persistent session
  bool clean_start = false;
  std::uint16_t keep_alive = 60;                       // seconds; 0 disables
  std::optional<std::string> username;
  std::optional<bytes> password;
  std::uint32_t session_expiry = session_never_expires;  // MQTT 5 Session Expiry Interval
  std::uint16_t receive_maximum = 64;                  // MQTT 5 advertised; also the read-pause bound
  std::size_t max_packet_size = 1 << 20;               // inbound bound (MQTT 5: advertised)
  std::chrono::milliseconds connect_timeout{10'000};   // CONNACK must arrive within this
};

struct client_connected_event {
  bool session_present = false;
  std::uint16_t keep_alive = 0;  // effective (MQTT 5 Server Keep Alive may override)
  properties props;              // the broker's CONNACK properties (MQTT 5)
};

struct subscribed_event {
  std::uint16_t packet_id = 0;
  std::vector<std::string> filters;
  std::vector<std::uint8_t> reason_codes;  // one per filter: granted QoS, or >= 0x80 refused
  bool all_granted = false;
};

using client_event = std::variant<client_connected_event, subscribed_event, publish_event, closed_event>;

class client_session {
 public:
  /// Queues CONNECT. Precondition: cfg.version is v311 or v5 (errors surface as closed_event invalid_argument).
  client_session(client_config cfg, steady_clock::time_point now);

  void on_bytes(byte_span data, steady_clock::time_point now);
  void on_timer(steady_clock::time_point now);
  std::optional<steady_clock::time_point> next_deadline() const;

  /// Queues SUBSCRIBE for filters at qos (sent once connected). Returns its packet id.
  /// Errors: invalid_argument (no filter, invalid filter, qos > 2), not_connected (session closed).
  result<std::uint16_t> subscribe(std::span<const std::string> filters, std::uint8_t qos = 1);

  /// The record behind token is durable: queue its PUBACK (and later ones now in order). No-op once closed.
  status ack(ack_token token);

  /// Sends DISCONNECT (normal; the broker keeps the session per session expiry) and closes.
  void disconnect();
  void on_connection_lost();

  bytes take_output();
  bool has_output() const noexcept { return !_out.empty(); }
  std::optional<client_event> poll_event();

  std::size_t in_flight() const noexcept { return _window.size(); }
  bool read_paused() const noexcept { return _window.size() >= _cfg.receive_maximum; }
  bool connected() const noexcept { return _state == state::connected; }
  bool closed() const noexcept { return _state == state::closed; }
  std::uint64_t duplicates_dropped() const noexcept { return _duplicates; }

 private:
  enum class state { awaiting_connack, connected, closed };
  struct pending_sub {
    std::uint16_t packet_id;
    std::vector<std::string> filters;
    std::uint8_t qos;
  };

  void drain();
  void handle(packet&& p);
  void handle_connack(const connack& c);
  void handle_publish(publish&& p);
  void handle_suback(const suback& s);
  void send(const packet& p);
  void fail(errc e, close_reason why = close_reason::protocol_error, std::optional<std::uint8_t> peer = {});
  void finish(closed_event ev);
  std::uint16_t next_packet_id();

  client_config _cfg;
  state _state = state::awaiting_connack;
  decoder _decoder;
  inbound_window _window;
  std::vector<pending_sub> _subs;         // sent or waiting for CONNACK; bounded by packet ids in use
  std::vector<std::uint16_t> _unsent;     // packet ids of _subs still waiting for CONNACK
  std::uint16_t _last_packet_id = 0;
  std::uint16_t _keep_alive;
  steady_clock::time_point _connect_deadline;
  steady_clock::time_point _now;
  steady_clock::time_point _last_tx;
  std::optional<steady_clock::time_point> _ping_sent;
  std::uint64_t _duplicates = 0;
  bytes _out;
  std::deque<client_event> _events;
};

}  // namespace sd::mqtt
