#pragma once
// server_session: the server side of one MQTT connection (the relay's `mqtt-server` source), sans-IO.
//
// The relay owns the socket. It feeds received bytes to on_bytes(), writes whatever take_output() returns,
// calls on_timer() at next_deadline(), and handles events from poll_event():
//   connected_event  CONNECT accepted (CONNACK already queued). If taken_over is set, the relay closes that
//                    older connection with close(close_reason::session_taken_over).
//   publish_event    an inbound PUBLISH. QoS 1 carries a token: the relay calls ack(token) only once the
//                    record is durable; PUBACKs leave strictly in receive order (inbound_window.h).
//   closed_event     the session is over: the relay writes the remaining output, then closes the socket.
//
// Delivery semantics: at least once. A PUBLISH whose packet id is still in flight on this connection is a
// redelivery and is not delivered twice. After a reconnect the in-flight state is gone (acks for tokens of a
// closed session are ignored and never reach the device), so the device resends unacknowledged messages and
// they ARE delivered again; consumers deduplicate if they need to.
//
// Flow control: in_flight() counts delivered QoS 1 messages not yet PUBACKed. MQTT 5 clients are told
// Receive Maximum = receive_maximum and exceeding it is a protocol error (DISCONNECT 0x93). MQTT 3.1.1 has no
// such limit: once in_flight() reaches receive_maximum the session stops taking packets out of its buffer
// and read_paused() is true; the relay must stop reading the socket until an ack() clears it.
//
// First packet must be CONNECT within connect_timeout, else the connection closes without CONNACK.
// Keep alive: no bytes for 1.5 x keep alive closes the connection (MQTT 5: DISCONNECT 0x8D first).
// The relay never delivers messages to devices: SUBSCRIBE is answered with failure (0x80) per filter.
// QoS 2 PUBLISH is refused (MQTT 5: CONNACK advertises Maximum QoS 1; DISCONNECT 0x9B).

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/result.h"
#include "mqtt/codec.h"
#include "mqtt/inbound_window.h"
#include "mqtt/packet.h"
#include "mqtt/session_store.h"

namespace sd::mqtt {

enum class close_reason {
  client_disconnect,   // the peer sent DISCONNECT
  protocol_error,      // the peer broke the protocol (error says how)
  refused,             // CONNECT refused (CONNACK with a failure code) / client: the broker refused
  keep_alive_timeout,
  connect_timeout,
  session_taken_over,  // the relay closed it because the client id connected again
  server_close,        // the application closed it (shutdown)
  connection_lost,     // the socket ended without DISCONNECT
  server_disconnect,   // client side: the broker sent DISCONNECT
};
std::string_view to_string(close_reason r) noexcept;

struct server_config {
  std::size_t max_packet_size = 1 << 20;     // inbound bound; MQTT 5 CONNACK Maximum Packet Size
  std::uint16_t receive_maximum = 64;        // unacknowledged inbound QoS 1 bound (see flow control above)
  std::uint16_t topic_alias_maximum = 16;    // MQTT 5 inbound topic aliases accepted (0 = none)
  std::uint32_t max_session_expiry = session_never_expires;  // MQTT 5 session expiry is clamped to this
  std::optional<std::uint16_t> server_keep_alive;  // MQTT 5: overrides the client's keep alive
  std::chrono::milliseconds connect_timeout{10'000};
  bool assign_client_ids = true;  // an empty client id with clean start gets "sd-<connection id>"
  /// Optional: nullopt accepts; errc::bad_username_or_password or errc::not_authorized refuses.
  std::function<std::optional<errc>(const connect&)> authenticate;
};

struct connected_event {
  std::string client_id;  // assigned one if the client sent none
  protocol_version version = protocol_version::v311;
  bool clean_start = true;
  bool session_present = false;
  std::uint16_t keep_alive = 0;          // effective seconds
  std::uint32_t session_expiry = 0;      // seconds kept after the connection ends
  std::optional<std::string> username;
  std::optional<std::uint64_t> taken_over;  // connection id the relay must close
};

struct publish_event {
  publish message;                 // topic resolved from a topic alias; props.topic_alias cleared
  std::optional<ack_token> token;  // QoS 1: pass to ack() once durable
};

struct closed_event {
  close_reason reason = close_reason::connection_lost;
  std::error_code error;  // the mqtt::errc for protocol_error, refused, timeouts and takeovers
  std::optional<std::uint8_t> peer_reason_code;  // MQTT 5 reason code from the peer's DISCONNECT/CONNACK
};

using server_event = std::variant<connected_event, publish_event, closed_event>;

class server_session {
 public:
  server_session(server_config cfg, session_store& store, std::uint64_t connection_id, steady_clock::time_point now);

  /// Bytes from the socket. Produces events and output. No effect once closed.
  void on_bytes(byte_span data, steady_clock::time_point now);
  /// Checks connect and keep-alive deadlines.
  void on_timer(steady_clock::time_point now);
  /// When on_timer must next run; nullopt once closed or with keep alive 0.
  std::optional<steady_clock::time_point> next_deadline() const;

  /// The record behind token is durable: queue its PUBACK (and any later ones now in order). No-op once
  /// closed. errc::unknown_token for a token not in flight.
  status ack(ack_token token);

  /// Application close (takeover, shutdown): MQTT 5 gets a DISCONNECT with the matching reason code.
  void close(close_reason why);
  /// The socket ended (EOF or error) without DISCONNECT.
  void on_connection_lost();

  bytes take_output();
  bool has_output() const noexcept { return !_out.empty(); }
  std::optional<server_event> poll_event();

  std::size_t in_flight() const noexcept { return _window.size(); }
  bool read_paused() const noexcept;
  bool connected() const noexcept { return _state == state::connected; }
  bool closed() const noexcept { return _state == state::closed; }
  std::uint64_t connection_id() const noexcept { return _conn_id; }
  const std::string& client_id() const noexcept { return _client_id; }
  std::uint64_t duplicates_dropped() const noexcept { return _duplicates; }

 private:
  enum class state { awaiting_connect, connected, closed };

  void drain();
  void handle(packet&& p);
  void handle_connect(connect&& c);
  void handle_publish(publish&& p);
  void handle_disconnect(const disconnect& d);
  void send(const packet& p);
  void refuse(errc e);                 // CONNACK with the failure code (if the version has one), close
  void fail(errc e, close_reason why = close_reason::protocol_error);
  void finish(closed_event ev);

  server_config _cfg;
  session_store& _store;
  std::uint64_t _conn_id;
  state _state = state::awaiting_connect;
  protocol_version _version = protocol_version::v311;
  decoder _decoder;
  inbound_window _window;
  std::vector<std::string> _aliases;   // MQTT 5 topic alias -> topic (index alias - 1)
  std::string _client_id;
  std::uint32_t _session_expiry = 0;
  std::uint16_t _keep_alive = 0;
  steady_clock::time_point _connect_deadline;
  steady_clock::time_point _last_rx;
  std::uint64_t _duplicates = 0;
  bytes _out;
  std::deque<server_event> _events;
};

}  // namespace sd::mqtt
