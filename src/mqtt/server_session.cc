#include "mqtt/server_session.h"

#include <cassert>

namespace sd::mqtt {

std::string_view to_string(close_reason r) noexcept {
  switch (r) {
    case close_reason::client_disconnect: return "client_disconnect";
    case close_reason::protocol_error: return "protocol_error";
    case close_reason::refused: return "refused";
    case close_reason::keep_alive_timeout: return "keep_alive_timeout";
    case close_reason::connect_timeout: return "connect_timeout";
    case close_reason::session_taken_over: return "session_taken_over";
    case close_reason::server_close: return "server_close";
    case close_reason::connection_lost: return "connection_lost";
    case close_reason::server_disconnect: return "server_disconnect";
  }
  return "unknown";
}

server_session::server_session(server_config cfg, session_store& store, std::uint64_t connection_id,
                               steady_clock::time_point now)
    : _cfg(std::move(cfg)),
      _store(store),
      _conn_id(connection_id),
      _decoder(_cfg.max_packet_size),
      _connect_deadline(now + _cfg.connect_timeout),
      _last_rx(now) {
  if (_cfg.receive_maximum == 0) _cfg.receive_maximum = 1;  // 0 is not a valid Receive Maximum
}

bool server_session::read_paused() const noexcept {
  return _state == state::connected && _window.size() >= _cfg.receive_maximum;
}

void server_session::on_bytes(byte_span data, steady_clock::time_point now) {
  if (closed()) return;
  if (!data.empty()) _last_rx = now;
  _decoder.feed(data);
  drain();
}

void server_session::drain() {
  // MQTT 5 peers must respect Receive Maximum (checked in handle_publish); older ones are held in the
  // decoder's buffer while the window is full (read_paused()).
  while (!closed() && !(read_paused() && _version != protocol_version::v5)) {
    auto r = _decoder.next();
    if (!r) {
      const auto e = static_cast<errc>(r.error().value());
      if (_state == state::awaiting_connect) {
        refuse(e);
      } else {
        fail(e);
      }
      return;
    }
    if (!*r) return;
    handle(std::move(**r));
  }
}

void server_session::on_timer(steady_clock::time_point now) {
  if (closed()) return;
  auto d = next_deadline();
  if (!d || now < *d) return;
  if (_state == state::awaiting_connect) {
    fail(errc::connect_timeout, close_reason::connect_timeout);
  } else {
    fail(errc::keep_alive_timeout, close_reason::keep_alive_timeout);
  }
}

std::optional<steady_clock::time_point> server_session::next_deadline() const {
  if (_state == state::awaiting_connect) return _connect_deadline;
  if (_state == state::closed || _keep_alive == 0) return std::nullopt;
  // [MQTT-3.1.2-24]: one and a half times the keep alive period.
  return _last_rx + std::chrono::milliseconds(std::int64_t{_keep_alive} * 1500);
}

void server_session::handle(packet&& p) {
  if (_state == state::awaiting_connect) {
    if (auto* c = std::get_if<connect>(&p)) return handle_connect(std::move(*c));
    return fail(errc::first_packet_not_connect);  // [MQTT-3.1.0-1]: close without CONNACK
  }
  std::visit(
      [this](auto&& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, publish>) {
          handle_publish(std::move(v));
        } else if constexpr (std::is_same_v<T, pingreq>) {
          send(pingresp{});
        } else if constexpr (std::is_same_v<T, disconnect>) {
          handle_disconnect(v);
        } else if constexpr (std::is_same_v<T, subscribe>) {
          suback s{v.packet_id, std::vector<std::uint8_t>(v.subscriptions.size(), suback_failure), {}};
          send(s);
        } else if constexpr (std::is_same_v<T, unsubscribe>) {
          unsuback u{v.packet_id, {}, {}};
          if (_version == protocol_version::v5) u.reason_codes.assign(v.filters.size(), reason::no_subscription_existed);
          send(u);
        } else if constexpr (std::is_same_v<T, connect>) {
          fail(errc::protocol_error);  // a second CONNECT [MQTT-3.1.0-2]
        } else {
          fail(errc::unexpected_packet);  // CONNACK, SUBACK, UNSUBACK, PINGRESP; PUBACK: we never send QoS 1
        }
      },
      std::move(p));
}

void server_session::handle_connect(connect&& c) {
  _version = c.version;
  _decoder.set_version(c.version);
  const bool v5 = c.version == protocol_version::v5;
  connack ack;
  _client_id = c.client_id;
  if (_client_id.empty()) {
    // 3.1 requires an id; 3.1.1 may assign one only with clean session [MQTT-3.1.3-7]; 5 may always.
    const bool assignable = c.version == protocol_version::v5 || (c.version == protocol_version::v311 && c.clean_start);
    if (!assignable || !_cfg.assign_client_ids) return refuse(errc::client_id_rejected);
    _client_id = "sd-" + std::to_string(_conn_id);
    if (v5) ack.props.assigned_client_identifier = _client_id;
  }
  if (_cfg.authenticate) {
    if (auto e = _cfg.authenticate(c)) return refuse(*e);
  }
  if (v5) {
    _session_expiry = std::min(c.props.session_expiry_interval.value_or(0), _cfg.max_session_expiry);
    if (_session_expiry != c.props.session_expiry_interval.value_or(0)) ack.props.session_expiry_interval = _session_expiry;
  } else {
    _session_expiry = c.clean_start ? 0 : session_never_expires;
  }
  _keep_alive = c.keep_alive;
  if (v5 && _cfg.server_keep_alive) {
    _keep_alive = *_cfg.server_keep_alive;
    ack.props.server_keep_alive = _keep_alive;
  }
  auto attached = _store.attach(_client_id, c.clean_start, _conn_id, _last_rx);
  ack.session_present = attached.session_present && c.version != protocol_version::v31;
  if (v5) {
    if (_cfg.receive_maximum != 0xFFFF) ack.props.receive_maximum = _cfg.receive_maximum;
    if (_cfg.max_packet_size < 0xFFFFFFFFu) ack.props.maximum_packet_size = static_cast<std::uint32_t>(_cfg.max_packet_size);
    if (_cfg.topic_alias_maximum) ack.props.topic_alias_maximum = _cfg.topic_alias_maximum;
    ack.props.maximum_qos = 1;
    _aliases.assign(_cfg.topic_alias_maximum, std::string{});
  }
  _state = state::connected;
  send(ack);
  _events.emplace_back(connected_event{_client_id, c.version, c.clean_start, ack.session_present, _keep_alive,
                                       _session_expiry, std::move(c.username), attached.taken_over});
}

void server_session::handle_publish(publish&& p) {
  if (_version == protocol_version::v5) {
    if (!p.props.subscription_identifiers.empty()) return fail(errc::protocol_error);  // [MQTT-3.3.4-6]
    if (auto alias = p.props.topic_alias) {
      if (*alias > _aliases.size()) return fail(errc::topic_alias_invalid);
      auto& slot = _aliases[*alias - 1];
      if (p.topic.empty()) {
        if (slot.empty()) return fail(errc::protocol_error);  // alias never set [MQTT-3.3.2-8]
        p.topic = slot;
      } else {
        slot = p.topic;
      }
      p.props.topic_alias.reset();
    }
  }
  if (p.qos == 2) return fail(errc::qos_not_supported);
  if (p.qos == 0) {
    _events.emplace_back(publish_event{std::move(p), std::nullopt});
    return;
  }
  if (_window.contains(p.packet_id)) {
    ++_duplicates;  // redelivery of a message still in flight: its PUBACK comes with the first copy
    return;
  }
  if (_version == protocol_version::v5 && _window.size() >= _cfg.receive_maximum)
    return fail(errc::receive_maximum_exceeded);
  auto token = _window.admit(p.packet_id);
  assert(token);
  _events.emplace_back(publish_event{std::move(p), token});
}

void server_session::handle_disconnect(const disconnect& d) {
  closed_event ev{close_reason::client_disconnect, {}, std::nullopt};
  if (_version == protocol_version::v5) {
    ev.peer_reason_code = d.reason_code;
    if (auto e = d.props.session_expiry_interval) {
      // Raising the expiry from 0 at DISCONNECT is a protocol error [MQTT-3.14.2-2].
      if (_session_expiry == 0 && *e != 0) return fail(errc::protocol_error);
      _session_expiry = std::min(*e, _cfg.max_session_expiry);
    }
  }
  finish(ev);
}

status server_session::ack(ack_token token) {
  if (closed()) return ok();
  std::vector<std::uint16_t> ready;
  SD_TRY(_window.ack(token, ready));
  for (auto id : ready) send(puback{id, reason::success, {}});
  drain();  // a full window may have held packets back (read_paused)
  return ok();
}

void server_session::close(close_reason why) {
  if (closed()) return;
  if (_state == state::connected && _version == protocol_version::v5) {
    send(disconnect{why == close_reason::session_taken_over ? reason::session_taken_over
                                                            : reason::server_shutting_down, {}});
  }
  finish({why, why == close_reason::session_taken_over ? make_error_code(errc::session_taken_over) : std::error_code{},
          std::nullopt});
}

void server_session::on_connection_lost() {
  if (!closed()) finish({close_reason::connection_lost, {}, std::nullopt});
}

void server_session::send(const packet& p) {
  // Everything this session sends is built here from validated values, so encoding cannot fail.
  auto b = encode(p, _version);
  assert(b);
  if (b) _out.insert(_out.end(), b->begin(), b->end());
}

void server_session::refuse(errc e) {
  // Pick the CONNACK format from the level the CONNECT announced (if it got that far).
  const auto level = _decoder.connect_level();
  if (level == 5 && e != errc::bad_protocol_name) {
    _version = protocol_version::v5;
    send(connack{false, reason_code_v5(e), {}});
  } else if (auto code = connack_code_v3(e)) {
    // Unknown levels get the 3.1.1 format, which every version's client reads as a refusal.
    _version = level == 3 ? protocol_version::v31 : protocol_version::v311;
    send(connack{false, *code, {}});
  }
  finish({close_reason::refused, make_error_code(e), std::nullopt});
}

void server_session::fail(errc e, close_reason why) {
  if (closed()) return;
  if (_state == state::connected && _version == protocol_version::v5) send(disconnect{reason_code_v5(e), {}});
  finish({why, make_error_code(e), std::nullopt});
}

void server_session::finish(closed_event ev) {
  const bool was_connected = _state == state::connected;
  _state = state::closed;
  if (was_connected) _store.detach(_client_id, _conn_id, _session_expiry, _last_rx);
  _events.emplace_back(std::move(ev));
}

bytes server_session::take_output() {
  bytes out;
  out.swap(_out);
  return out;
}

std::optional<server_event> server_session::poll_event() {
  if (_events.empty()) return std::nullopt;
  auto e = std::move(_events.front());
  _events.pop_front();
  return e;
}

}  // namespace sd::mqtt
