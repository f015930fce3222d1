#include "mqtt/codec.h"

#include "mqtt/properties.h"
#include "mqtt/topic_filter.h"
#include "mqtt/wire.h"

namespace sd::mqtt {
namespace {

// The fixed header's first byte: a defined type for this version and the flags that type allows.
std::optional<errc> check_first_byte(std::uint8_t b, protocol_version v) {
  const unsigned type = b >> 4;
  const unsigned flags = b & 0x0F;
  switch (static_cast<packet_type>(type)) {
    case packet_type::publish:
      if (((flags >> 1) & 3) == 3) return errc::invalid_qos;
      if ((flags & 0x08) && ((flags >> 1) & 3) == 0) return errc::bad_flags;  // DUP on QoS 0 [MQTT-3.3.1-2]
      return std::nullopt;
    case packet_type::subscribe:
    case packet_type::unsubscribe:
      return flags == 0x2 ? std::nullopt : std::optional(errc::bad_flags);
    case packet_type::pubrec:
    case packet_type::pubrel:
    case packet_type::pubcomp:
      return errc::unsupported_packet;
    case packet_type::auth:
      return v == protocol_version::v5 ? errc::unsupported_packet : errc::reserved_packet_type;
    case packet_type::connect:
    case packet_type::connack:
    case packet_type::puback:
    case packet_type::suback:
    case packet_type::unsuback:
    case packet_type::pingreq:
    case packet_type::pingresp:
    case packet_type::disconnect:
      return flags == 0 ? std::nullopt : std::optional(errc::bad_flags);
  }
  return errc::reserved_packet_type;  // type 0
}


std::uint16_t packet_id(wire::reader& r) {
  auto id = r.u16();
  if (r.ok() && id == 0) r.fail(errc::packet_id_zero);
  return id;
}

connect decode_connect(wire::reader& r) {
  connect c;
  const auto name_len = r.u16();
  const auto name = as_chars(r.span(name_len));
  const auto level = r.u8();
  if (!r.ok()) return c;
  if (name != "MQTT" && name != "MQIsdp") {
    r.fail(errc::bad_protocol_name);
    return c;
  }
  if (level < 3 || level > 5) {
    r.fail(errc::unsupported_protocol_version);
    return c;
  }
  if ((level == 3) != (name == "MQIsdp")) {
    r.fail(errc::bad_protocol_name);
    return c;
  }
  c.version = static_cast<protocol_version>(level);
  const auto flags = r.u8();
  c.keep_alive = r.u16();
  if (!r.ok()) return c;
  const bool will = flags & 0x04;
  const std::uint8_t will_qos = (flags >> 3) & 3;
  const bool will_retain = flags & 0x20;
  const bool has_password = flags & 0x40;
  const bool has_username = flags & 0x80;
  if (flags & 0x01) return r.fail(errc::reserved_bits_set), c;  // [MQTT-3.1.2-3]
  if (will_qos == 3) return r.fail(errc::invalid_qos), c;
  if (!will && (will_qos != 0 || will_retain)) return r.fail(errc::reserved_bits_set), c;  // [MQTT-3.1.2-11]
  if (!is_v5(c.version) && has_password && !has_username) return r.fail(errc::reserved_bits_set), c;
  c.clean_start = flags & 0x02;
  if (is_v5(c.version)) read_properties(r, property_context::connect, c.props);
  c.client_id = r.utf8();
  if (will) {
    will_message w;
    if (is_v5(c.version)) read_properties(r, property_context::will, w.props);
    w.topic = r.utf8();
    if (r.ok()) {
      if (auto st = validate_topic_name(w.topic); !st) r.fail(static_cast<errc>(st.error().value()));
    }
    w.payload = r.binary();
    w.qos = will_qos;
    w.retain = will_retain;
    c.will = std::move(w);
  }
  if (has_username) c.username = r.utf8();
  if (has_password) c.password = r.binary();
  return c;
}

connack decode_connack(wire::reader& r, protocol_version v) {
  connack c;
  const auto flags = r.u8();
  if (r.ok() && (flags & 0xFE)) r.fail(errc::reserved_bits_set);
  c.session_present = flags & 1;
  c.reason_code = r.u8();
  if (is_v5(v)) read_properties(r, property_context::connack, c.props);
  return c;
}

publish decode_publish(wire::reader& r, std::uint8_t flags, protocol_version v) {
  publish p;
  p.dup = flags & 0x08;
  p.qos = (flags >> 1) & 3;
  p.retain = flags & 0x01;
  p.topic = r.utf8();
  if (p.qos > 0) p.packet_id = packet_id(r);
  if (is_v5(v)) read_properties(r, property_context::publish, p.props);
  if (!r.ok()) return p;
  // MQTT 5 allows an empty topic when a Topic Alias stands for it; the session resolves the alias.
  if (!(is_v5(v) && p.topic.empty() && p.props.topic_alias)) {
    if (auto st = validate_topic_name(p.topic); !st) return r.fail(static_cast<errc>(st.error().value())), p;
  }
  auto rest = r.span(r.remaining());
  p.payload.assign(rest.begin(), rest.end());
  return p;
}

puback decode_puback(wire::reader& r, protocol_version v) {
  puback a;
  a.packet_id = packet_id(r);
  if (is_v5(v) && r.remaining() > 0) {
    a.reason_code = r.u8();
    if (r.remaining() > 0) read_properties(r, property_context::puback, a.props);
  }
  return a;
}

subscribe decode_subscribe(wire::reader& r, protocol_version v) {
  subscribe s;
  s.packet_id = packet_id(r);
  if (is_v5(v)) read_properties(r, property_context::subscribe, s.props);
  while (r.ok() && !r.at_end()) {
    subscription sub;
    sub.filter = r.utf8();
    const auto opts = r.u8();
    if (!r.ok()) break;
    if (auto st = validate_topic_filter(sub.filter); !st) return r.fail(static_cast<errc>(st.error().value())), s;
    sub.qos = opts & 3;
    if (sub.qos == 3) return r.fail(errc::invalid_qos), s;
    if (is_v5(v)) {
      if (opts & 0xC0) return r.fail(errc::reserved_bits_set), s;
      sub.no_local = opts & 0x04;
      sub.retain_as_published = opts & 0x08;
      sub.retain_handling = (opts >> 4) & 3;
      if (sub.retain_handling == 3) return r.fail(errc::protocol_error), s;
    } else if (opts & 0xFC) {
      return r.fail(errc::reserved_bits_set), s;
    }
    s.subscriptions.push_back(std::move(sub));
  }
  if (r.ok() && s.subscriptions.empty()) r.fail(errc::empty_subscription_list);
  return s;
}

suback decode_suback(wire::reader& r, protocol_version v) {
  suback s;
  s.packet_id = packet_id(r);
  if (is_v5(v)) read_properties(r, property_context::suback, s.props);
  auto rest = r.span(r.remaining());
  s.reason_codes.assign(rest.begin(), rest.end());
  if (r.ok() && s.reason_codes.empty()) r.fail(errc::empty_subscription_list);
  if (!is_v5(v)) {
    for (auto c : s.reason_codes) {
      if (c > 2 && c != suback_failure) return r.fail(errc::protocol_error), s;
    }
  }
  return s;
}

unsubscribe decode_unsubscribe(wire::reader& r, protocol_version v) {
  unsubscribe u;
  u.packet_id = packet_id(r);
  if (is_v5(v)) read_properties(r, property_context::unsubscribe, u.props);
  while (r.ok() && !r.at_end()) {
    auto f = r.utf8();
    if (!r.ok()) break;
    if (auto st = validate_topic_filter(f); !st) return r.fail(static_cast<errc>(st.error().value())), u;
    u.filters.push_back(std::move(f));
  }
  if (r.ok() && u.filters.empty()) r.fail(errc::empty_subscription_list);
  return u;
}

unsuback decode_unsuback(wire::reader& r, protocol_version v) {
  unsuback u;
  u.packet_id = packet_id(r);
  if (is_v5(v)) {
    read_properties(r, property_context::unsuback, u.props);
    auto rest = r.span(r.remaining());
    u.reason_codes.assign(rest.begin(), rest.end());
    if (r.ok() && u.reason_codes.empty()) r.fail(errc::empty_subscription_list);
  }
  return u;
}

disconnect decode_disconnect(wire::reader& r, protocol_version v) {
  disconnect d;
  if (is_v5(v) && r.remaining() > 0) {
    d.reason_code = r.u8();
    if (r.remaining() > 0) read_properties(r, property_context::disconnect, d.props);
  }
  return d;
}

template <class T>
result<packet> finish(wire::reader& r, T&& value) {
  if (r.ok() && !r.at_end()) r.fail(errc::trailing_bytes);
  if (!r.ok()) return *r.error();
  return packet(std::forward<T>(value));
}

}  // namespace

std::optional<std::uint8_t> peek_connect_level(byte_span body) noexcept {
  if (body.size() < 2) return std::nullopt;
  const std::size_t name_len = load_be<std::uint16_t>(body.data());
  if (body.size() < 2 + name_len + 1) return std::nullopt;
  return body[2 + name_len];
}

result<packet> decode_packet(std::uint8_t first_byte, byte_span body, protocol_version v) {
  if (auto e = check_first_byte(first_byte, v)) return *e;
  wire::reader r(body);
  switch (static_cast<packet_type>(first_byte >> 4)) {
    case packet_type::connect: return finish(r, decode_connect(r));
    case packet_type::connack: return finish(r, decode_connack(r, v));
    case packet_type::publish: return finish(r, decode_publish(r, first_byte & 0x0F, v));
    case packet_type::puback: return finish(r, decode_puback(r, v));
    case packet_type::subscribe: return finish(r, decode_subscribe(r, v));
    case packet_type::suback: return finish(r, decode_suback(r, v));
    case packet_type::unsubscribe: return finish(r, decode_unsubscribe(r, v));
    case packet_type::unsuback: return finish(r, decode_unsuback(r, v));
    case packet_type::pingreq: return finish(r, pingreq{});
    case packet_type::pingresp: return finish(r, pingresp{});
    case packet_type::disconnect: return finish(r, decode_disconnect(r, v));
    default: return errc::reserved_packet_type;  // excluded by check_first_byte
  }
}

void decoder::feed(byte_span chunk) {
  if (_error) return;
  if (_pos == _buf.size()) {
    _buf.clear();
    _pos = 0;
  } else if (_pos > 4096 && _pos * 2 > _buf.size()) {
    _buf.erase(_buf.begin(), _buf.begin() + static_cast<std::ptrdiff_t>(_pos));
    _pos = 0;
  }
  _buf.insert(_buf.end(), chunk.begin(), chunk.end());
}

result<std::optional<packet>> decoder::next() {
  if (_error) return *_error;
  const std::size_t avail = _buf.size() - _pos;
  if (avail == 0) return std::optional<packet>{};
  const std::uint8_t b0 = _buf[_pos];
  if (auto e = check_first_byte(b0, _version)) return *(_error = *e);
  // Remaining Length: 1 to 4 bytes, 7 bits each, least significant first.
  std::uint32_t len = 0;
  std::size_t header = 1;
  for (;;) {
    if (header >= avail) return std::optional<packet>{};
    const std::uint8_t b = _buf[_pos + header];
    len |= static_cast<std::uint32_t>(b & 0x7F) << (7 * (header - 1));
    ++header;
    if (!(b & 0x80)) break;
    if (header == 5) return *(_error = errc::malformed_remaining_length);
  }
  const std::size_t total = header + len;
  if (total > _max) return *(_error = errc::packet_too_large);
  if (avail < total) return std::optional<packet>{};
  byte_span body(_buf.data() + _pos + header, len);
  if ((b0 >> 4) == static_cast<unsigned>(packet_type::connect)) _connect_level = peek_connect_level(body);
  auto p = decode_packet(b0, body, _version);
  _pos += total;
  if (!p) return *(_error = static_cast<errc>(p.error().value()));
  return std::optional<packet>(std::move(*p));
}

}  // namespace sd::mqtt
