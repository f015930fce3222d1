// encode(): the writing half of codec.h. Every check here mirrors one in the decoder, so that whatever is
// encoded decodes to the same value.

#include "mqtt/codec.h"
#include "mqtt/properties.h"
#include "mqtt/topic_filter.h"
#include "mqtt/wire.h"

namespace sd::mqtt {
namespace {

using wire::fits;
bool utf8_ok(std::string_view s) { return fits(s) && wire::valid_utf8(s); }

// Writes a packet body and answers the fixed header's first byte; false if the packet cannot be encoded.
struct body_writer {
  protocol_version v;
  bytes& body;
  std::uint8_t first = 0;

  bool props(const properties& p, property_context where) {
    if (!is_v5(v)) return true;
    wire::writer w(body);
    return properties_allowed(p, where) && write_properties(w, p);
  }

  bool operator()(const connect& c) {
    first = 0x10;
    wire::writer w(body);
    const bool v3 = c.version == protocol_version::v31;
    w.utf8(v3 ? "MQIsdp" : "MQTT");
    w.u8(static_cast<std::uint8_t>(c.version));
    std::uint8_t flags = c.clean_start ? 0x02 : 0;
    if (c.will) {
      if (c.will->qos > 2 || !validate_topic_name(c.will->topic) || !fits(c.will->payload)) return false;
      flags |= 0x04 | static_cast<std::uint8_t>(c.will->qos << 3) | (c.will->retain ? 0x20 : 0);
    }
    if (c.password) flags |= 0x40;
    if (c.username) flags |= 0x80;
    if (c.password && !c.username && !is_v5(v)) return false;
    w.u8(flags);
    w.u16(c.keep_alive);
    if (!props(c.props, property_context::connect)) return false;
    if (!utf8_ok(c.client_id)) return false;
    w.utf8(c.client_id);
    if (c.will) {
      if (!props(c.will->props, property_context::will)) return false;
      w.utf8(c.will->topic);
      w.binary(c.will->payload);
    }
    if (c.username) {
      if (!utf8_ok(*c.username)) return false;
      w.utf8(*c.username);
    }
    if (c.password) {
      if (!fits(*c.password)) return false;
      w.binary(*c.password);
    }
    return true;
  }

  bool operator()(const connack& c) {
    first = 0x20;
    wire::writer w(body);
    w.u8(c.session_present ? 1 : 0);
    w.u8(c.reason_code);
    return props(c.props, property_context::connack);
  }

  bool operator()(const publish& p) {
    if (p.qos > 2 || (p.qos == 0 && (p.dup || p.packet_id != 0)) || (p.qos > 0 && p.packet_id == 0)) return false;
    first = static_cast<std::uint8_t>(0x30 | (p.dup ? 0x08 : 0) | (p.qos << 1) | (p.retain ? 1 : 0));
    const bool aliased = is_v5(v) && p.topic.empty() && p.props.topic_alias;
    if (!aliased && !validate_topic_name(p.topic)) return false;
    wire::writer w(body);
    w.utf8(p.topic);
    if (p.qos > 0) w.u16(p.packet_id);
    if (!props(p.props, property_context::publish)) return false;
    w.raw(p.payload);
    return true;
  }

  bool operator()(const puback& a) {
    first = 0x40;
    if (a.packet_id == 0) return false;
    wire::writer w(body);
    w.u16(a.packet_id);
    // MQTT 5 short forms: reason and properties may be left out when they are success and empty.
    if (is_v5(v) && (a.reason_code != 0 || a.props != properties{})) {
      w.u8(a.reason_code);
      if (a.props != properties{}) return props(a.props, property_context::puback);
    }
    return true;
  }

  bool operator()(const subscribe& s) {
    first = 0x82;
    if (s.packet_id == 0 || s.subscriptions.empty()) return false;
    wire::writer w(body);
    w.u16(s.packet_id);
    if (!props(s.props, property_context::subscribe)) return false;
    for (const auto& sub : s.subscriptions) {
      if (!validate_topic_filter(sub.filter) || sub.qos > 2) return false;
      std::uint8_t opts = sub.qos;
      if (is_v5(v)) {
        if (sub.retain_handling > 2) return false;
        opts |= static_cast<std::uint8_t>((sub.no_local ? 0x04 : 0) | (sub.retain_as_published ? 0x08 : 0) |
                                          (sub.retain_handling << 4));
      }
      w.utf8(sub.filter);
      w.u8(opts);
    }
    return true;
  }

  bool operator()(const suback& s) {
    first = 0x90;
    if (s.packet_id == 0 || s.reason_codes.empty()) return false;
    wire::writer w(body);
    w.u16(s.packet_id);
    if (!props(s.props, property_context::suback)) return false;
    for (auto c : s.reason_codes) {
      if (!is_v5(v) && c > 2 && c != suback_failure) return false;
    }
    w.raw(s.reason_codes);
    return true;
  }

  bool operator()(const unsubscribe& u) {
    first = 0xA2;
    if (u.packet_id == 0 || u.filters.empty()) return false;
    wire::writer w(body);
    w.u16(u.packet_id);
    if (!props(u.props, property_context::unsubscribe)) return false;
    for (const auto& f : u.filters) {
      if (!validate_topic_filter(f)) return false;
      w.utf8(f);
    }
    return true;
  }

  bool operator()(const unsuback& u) {
    first = 0xB0;
    if (u.packet_id == 0) return false;
    wire::writer w(body);
    w.u16(u.packet_id);
    if (is_v5(v)) {
      if (u.reason_codes.empty()) return false;
      if (!props(u.props, property_context::unsuback)) return false;
      w.raw(u.reason_codes);
    }
    return true;
  }

  bool operator()(const pingreq&) {
    first = 0xC0;
    return true;
  }
  bool operator()(const pingresp&) {
    first = 0xD0;
    return true;
  }

  bool operator()(const disconnect& d) {
    first = 0xE0;
    if (is_v5(v) && (d.reason_code != 0 || d.props != properties{})) {
      wire::writer w(body);
      w.u8(d.reason_code);
      if (d.props != properties{}) return props(d.props, property_context::disconnect);
    }
    return true;
  }
};

}  // namespace

result<bytes> encode(const packet& p, protocol_version v) {
  if (const auto* c = std::get_if<connect>(&p)) v = c->version;  // CONNECT carries its own level
  bytes body;
  body_writer bw{v, body};
  if (!std::visit(bw, p) || body.size() > wire::max_varint) return errc::invalid_argument;
  bytes out;
  out.reserve(1 + wire::varint_size(static_cast<std::uint32_t>(body.size())) + body.size());
  wire::writer w(out);
  w.u8(bw.first);
  w.varint(static_cast<std::uint32_t>(body.size()));
  w.raw(body);
  return out;
}

}  // namespace sd::mqtt
