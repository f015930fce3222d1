#include "mqtt/client_session.h"

#include <algorithm>
#include <cassert>

#include "mqtt/topic_filter.h"

namespace sd::mqtt {

client_session::client_session(client_config cfg, steady_clock::time_point now)
    : _cfg(std::move(cfg)),
      _decoder(_cfg.max_packet_size, _cfg.version),
      _keep_alive(_cfg.keep_alive),
      _connect_deadline(now + _cfg.connect_timeout),
      _now(now),
      _last_tx(now) {
  if (_cfg.receive_maximum == 0) _cfg.receive_maximum = 1;
  connect c;
  c.version = _cfg.version;
  c.clean_start = _cfg.clean_start;
  c.keep_alive = _cfg.keep_alive;
  c.client_id = _cfg.client_id;
  c.username = _cfg.username;
  c.password = _cfg.password;
  if (_cfg.version == protocol_version::v5) {
    if (_cfg.session_expiry) c.props.session_expiry_interval = _cfg.session_expiry;
    if (_cfg.receive_maximum != 0xFFFF) c.props.receive_maximum = _cfg.receive_maximum;
    if (_cfg.max_packet_size < 0xFFFFFFFFu) c.props.maximum_packet_size = static_cast<std::uint32_t>(_cfg.max_packet_size);
  }
  auto b = _cfg.version == protocol_version::v31 ? result<bytes>(errc::invalid_argument) : encode(c, c.version);
  if (!b) {
    finish({close_reason::protocol_error, make_error_code(errc::invalid_argument), std::nullopt});
    return;
  }
  _out = std::move(*b);
}

void client_session::on_bytes(byte_span data, steady_clock::time_point now) {
  _now = now;
  if (closed()) return;
  _decoder.feed(data);
  drain();
}

void client_session::drain() {
  while (!closed() && !(read_paused() && _cfg.version != protocol_version::v5)) {
    auto r = _decoder.next();
    if (!r) return fail(static_cast<errc>(r.error().value()));
    if (!*r) return;
    handle(std::move(**r));
  }
}

std::optional<steady_clock::time_point> client_session::next_deadline() const {
  if (_state == state::awaiting_connack) return _connect_deadline;
  if (_state == state::closed || _keep_alive == 0) return std::nullopt;
  const auto ka = std::chrono::seconds(_keep_alive);
  return _ping_sent ? *_ping_sent + ka : _last_tx + ka;
}

void client_session::on_timer(steady_clock::time_point now) {
  _now = now;
  if (closed()) return;
  auto d = next_deadline();
  if (!d || now < *d) return;
  if (_state == state::awaiting_connack) return fail(errc::connect_timeout, close_reason::connect_timeout);
  if (_ping_sent) return fail(errc::keep_alive_timeout, close_reason::keep_alive_timeout);
  send(pingreq{});
  _ping_sent = now;
}

void client_session::handle(packet&& p) {
  if (_state == state::awaiting_connack) {
    if (auto* c = std::get_if<connack>(&p)) return handle_connack(*c);
    return fail(errc::protocol_error);  // the broker's first packet must be CONNACK
  }
  std::visit(
      [this](auto&& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, publish>) {
          handle_publish(std::move(v));
        } else if constexpr (std::is_same_v<T, suback>) {
          handle_suback(v);
        } else if constexpr (std::is_same_v<T, pingresp>) {
          _ping_sent.reset();
        } else if constexpr (std::is_same_v<T, mqtt::disconnect>) {
          finish({close_reason::server_disconnect, {}, v.reason_code});
        } else {
          // A second CONNACK, CONNECT/SUBSCRIBE/UNSUBSCRIBE/PINGREQ (server-bound), PUBACK (we publish
          // nothing), UNSUBACK (we never unsubscribe).
          fail(errc::unexpected_packet);
        }
      },
      std::move(p));
}

void client_session::handle_connack(const connack& c) {
  if (c.reason_code != 0) return fail(errc::connection_refused, close_reason::refused, c.reason_code);
  _state = state::connected;
  if (c.props.server_keep_alive) _keep_alive = *c.props.server_keep_alive;
  _ping_sent.reset();
  _events.emplace_back(client_connected_event{c.session_present, _keep_alive, c.props});
  for (auto id : _unsent) {
    auto it = std::find_if(_subs.begin(), _subs.end(), [&](const pending_sub& s) { return s.packet_id == id; });
    mqtt::subscribe s{id, {}, {}};
    for (const auto& f : it->filters) s.subscriptions.push_back({f, it->qos});
    send(s);
  }
  _unsent.clear();
}

void client_session::handle_publish(publish&& p) {
  // We advertise no Topic Alias Maximum, so the broker may not use aliases [MQTT-3.3.2-9].
  if (p.props.topic_alias) return fail(errc::topic_alias_invalid);
  if (p.qos == 2) return fail(errc::qos_not_supported);  // we subscribe at QoS <= 1
  if (p.qos == 0) {
    _events.emplace_back(publish_event{std::move(p), std::nullopt});
    return;
  }
  if (_window.contains(p.packet_id)) {
    ++_duplicates;
    return;
  }
  if (_cfg.version == protocol_version::v5 && _window.size() >= _cfg.receive_maximum)
    return fail(errc::receive_maximum_exceeded);
  auto token = _window.admit(p.packet_id);
  _events.emplace_back(publish_event{std::move(p), token});
}

void client_session::handle_suback(const suback& s) {
  auto it = std::find_if(_subs.begin(), _subs.end(), [&](const pending_sub& p) { return p.packet_id == s.packet_id; });
  if (it == _subs.end() || std::find(_unsent.begin(), _unsent.end(), s.packet_id) != _unsent.end())
    return fail(errc::protocol_error);  // SUBACK for no SUBSCRIBE of ours
  if (s.reason_codes.size() != it->filters.size()) return fail(errc::protocol_error);
  subscribed_event ev{s.packet_id, std::move(it->filters), s.reason_codes, true};
  for (auto c : s.reason_codes) ev.all_granted = ev.all_granted && c < 0x80 && c >= it->qos;
  _subs.erase(it);
  _events.emplace_back(std::move(ev));
}

result<std::uint16_t> client_session::subscribe(std::span<const std::string> filters, std::uint8_t qos) {
  if (closed()) return errc::not_connected;
  if (filters.empty() || qos > 2) return errc::invalid_argument;
  for (const auto& f : filters) {
    if (!validate_topic_filter(f)) return errc::invalid_argument;
  }
  if (_subs.size() >= 0xFFFF) return errc::invalid_argument;  // every packet id in use
  const auto id = next_packet_id();
  pending_sub ps{id, std::vector<std::string>(filters.begin(), filters.end()), qos};
  mqtt::subscribe s{id, {}, {}};
  for (const auto& f : ps.filters) s.subscriptions.push_back({f, qos});
  // Check the packet encodes (size limits) before remembering it.
  if (!encode(s, _cfg.version)) return errc::invalid_argument;
  _subs.push_back(std::move(ps));
  if (_state == state::connected) {
    send(s);
  } else {
    _unsent.push_back(id);
  }
  return id;
}

std::uint16_t client_session::next_packet_id() {
  for (;;) {
    _last_packet_id = static_cast<std::uint16_t>(_last_packet_id == 0xFFFF ? 1 : _last_packet_id + 1);
    const auto id = _last_packet_id;
    if (std::none_of(_subs.begin(), _subs.end(), [&](const pending_sub& s) { return s.packet_id == id; })) return id;
  }
}

status client_session::ack(ack_token token) {
  if (closed()) return ok();
  std::vector<std::uint16_t> ready;
  SD_TRY(_window.ack(token, ready));
  for (auto id : ready) send(puback{id, reason::success, {}});
  drain();
  return ok();
}

void client_session::disconnect() {
  if (closed()) return;
  if (_state == state::connected) send(mqtt::disconnect{});
  finish({close_reason::server_close, {}, std::nullopt});
}

void client_session::on_connection_lost() {
  if (!closed()) finish({close_reason::connection_lost, {}, std::nullopt});
}

void client_session::send(const packet& p) {
  auto b = encode(p, _cfg.version);
  assert(b);
  if (!b) return;
  _out.insert(_out.end(), b->begin(), b->end());
  _last_tx = _now;
}

void client_session::fail(errc e, close_reason why, std::optional<std::uint8_t> peer) {
  if (closed()) return;
  if (_state == state::connected && _cfg.version == protocol_version::v5) {
    send(mqtt::disconnect{reason_code_v5(e), {}});
  }
  finish({why, make_error_code(e), peer});
}

void client_session::finish(closed_event ev) {
  _state = state::closed;
  _events.emplace_back(std::move(ev));
}

bytes client_session::take_output() {
  bytes out;
  out.swap(_out);
  return out;
}

std::optional<client_event> client_session::poll_event() {
  if (_events.empty()) return std::nullopt;
  auto e = std::move(_events.front());
  _events.pop_front();
  return e;
}

}  // namespace sd::mqtt
