#include "mqtt/properties.h"

#include <array>

namespace sd::mqtt {
namespace {

enum class kind : std::uint8_t { none, byte, two, four, varint, utf8, binary, pair };

constexpr std::uint16_t bit(property_context c) { return static_cast<std::uint16_t>(1u << static_cast<unsigned>(c)); }
using pc = property_context;

struct prop_info {
  kind k = kind::none;
  std::uint16_t allowed = 0;
};

constexpr std::array<prop_info, 0x2B> make_table() {
  std::array<prop_info, 0x2B> t{};
  const std::uint16_t all_acks = bit(pc::connack) | bit(pc::puback) | bit(pc::suback) | bit(pc::unsuback) |
                                 bit(pc::disconnect);
  const std::uint16_t everywhere = all_acks | bit(pc::connect) | bit(pc::publish) | bit(pc::subscribe) |
                                   bit(pc::unsubscribe) | bit(pc::will);
  t[0x01] = {kind::byte, static_cast<std::uint16_t>(bit(pc::publish) | bit(pc::will))};
  t[0x02] = {kind::four, static_cast<std::uint16_t>(bit(pc::publish) | bit(pc::will))};
  t[0x03] = {kind::utf8, static_cast<std::uint16_t>(bit(pc::publish) | bit(pc::will))};
  t[0x08] = {kind::utf8, static_cast<std::uint16_t>(bit(pc::publish) | bit(pc::will))};
  t[0x09] = {kind::binary, static_cast<std::uint16_t>(bit(pc::publish) | bit(pc::will))};
  t[0x0B] = {kind::varint, static_cast<std::uint16_t>(bit(pc::publish) | bit(pc::subscribe))};
  t[0x11] = {kind::four, static_cast<std::uint16_t>(bit(pc::connect) | bit(pc::connack) | bit(pc::disconnect))};
  t[0x12] = {kind::utf8, bit(pc::connack)};
  t[0x13] = {kind::two, bit(pc::connack)};
  t[0x15] = {kind::utf8, static_cast<std::uint16_t>(bit(pc::connect) | bit(pc::connack))};
  t[0x16] = {kind::binary, static_cast<std::uint16_t>(bit(pc::connect) | bit(pc::connack))};
  t[0x17] = {kind::byte, bit(pc::connect)};
  t[0x18] = {kind::four, bit(pc::will)};
  t[0x19] = {kind::byte, bit(pc::connect)};
  t[0x1A] = {kind::utf8, bit(pc::connack)};
  t[0x1C] = {kind::utf8, static_cast<std::uint16_t>(bit(pc::connack) | bit(pc::disconnect))};
  t[0x1F] = {kind::utf8, all_acks};
  t[0x21] = {kind::two, static_cast<std::uint16_t>(bit(pc::connect) | bit(pc::connack))};
  t[0x22] = {kind::two, static_cast<std::uint16_t>(bit(pc::connect) | bit(pc::connack))};
  t[0x23] = {kind::two, bit(pc::publish)};
  t[0x24] = {kind::byte, bit(pc::connack)};
  t[0x25] = {kind::byte, bit(pc::connack)};
  t[0x26] = {kind::pair, everywhere};
  t[0x27] = {kind::four, static_cast<std::uint16_t>(bit(pc::connect) | bit(pc::connack))};
  t[0x28] = {kind::byte, bit(pc::connack)};
  t[0x29] = {kind::byte, bit(pc::connack)};
  t[0x2A] = {kind::byte, bit(pc::connack)};
  return t;
}
constexpr auto table = make_table();

template <class T>
bool set_once(wire::reader& r, std::optional<T>& field, T v) {
  if (field) {
    r.fail(errc::duplicate_property);
    return false;
  }
  field = std::move(v);
  return true;
}

bool boolean(std::uint8_t v) { return v <= 1; }

}  // namespace

void read_properties(wire::reader& outer, property_context where, properties& out) {
  const std::uint32_t len = outer.varint();
  if (!outer.ok()) return;
  wire::reader r(outer.span(len));
  if (!outer.ok()) return;
  while (r.ok() && !r.at_end()) {
    // The identifier is a Variable Byte Integer; every defined one fits in one byte.
    const std::uint32_t id = r.varint();
    if (!r.ok()) break;
    if (id >= table.size() || table[id].k == kind::none) {
      r.fail(errc::unknown_property);
      break;
    }
    if (!(table[id].allowed & bit(where))) {
      r.fail(errc::property_not_allowed);
      break;
    }
    bool valid = true;
    switch (id) {
      case 0x01: { auto v = r.u8(); valid = boolean(v); set_once(r, out.payload_format_indicator, v); break; }
      case 0x02: set_once(r, out.message_expiry_interval, r.u32()); break;
      case 0x03: set_once(r, out.content_type, r.utf8()); break;
      case 0x08: set_once(r, out.response_topic, r.utf8()); break;
      case 0x09: set_once(r, out.correlation_data, r.binary()); break;
      case 0x0B: {
        auto v = r.varint();
        valid = v != 0;
        // Only PUBLISH may carry several; a SUBSCRIBE carries at most one.
        if (where == pc::subscribe && !out.subscription_identifiers.empty()) r.fail(errc::duplicate_property);
        out.subscription_identifiers.push_back(v);
        break;
      }
      case 0x11: set_once(r, out.session_expiry_interval, r.u32()); break;
      case 0x12: set_once(r, out.assigned_client_identifier, r.utf8()); break;
      case 0x13: set_once(r, out.server_keep_alive, r.u16()); break;
      case 0x15: set_once(r, out.authentication_method, r.utf8()); break;
      case 0x16: set_once(r, out.authentication_data, r.binary()); break;
      case 0x17: { auto v = r.u8(); valid = boolean(v); set_once(r, out.request_problem_information, v); break; }
      case 0x18: set_once(r, out.will_delay_interval, r.u32()); break;
      case 0x19: { auto v = r.u8(); valid = boolean(v); set_once(r, out.request_response_information, v); break; }
      case 0x1A: set_once(r, out.response_information, r.utf8()); break;
      case 0x1C: set_once(r, out.server_reference, r.utf8()); break;
      case 0x1F: set_once(r, out.reason_string, r.utf8()); break;
      case 0x21: { auto v = r.u16(); valid = v != 0; set_once(r, out.receive_maximum, v); break; }
      case 0x22: set_once(r, out.topic_alias_maximum, r.u16()); break;
      case 0x23: { auto v = r.u16(); valid = v != 0; set_once(r, out.topic_alias, v); break; }
      case 0x24: { auto v = r.u8(); valid = boolean(v); set_once(r, out.maximum_qos, v); break; }
      case 0x25: { auto v = r.u8(); valid = boolean(v); set_once(r, out.retain_available, v); break; }
      case 0x26: {
        user_property up;
        up.key = r.utf8();
        up.value = r.utf8();
        out.user_properties.push_back(std::move(up));
        break;
      }
      case 0x27: { auto v = r.u32(); valid = v != 0; set_once(r, out.maximum_packet_size, v); break; }
      case 0x28: { auto v = r.u8(); valid = boolean(v); set_once(r, out.wildcard_subscription_available, v); break; }
      case 0x29: { auto v = r.u8(); valid = boolean(v); set_once(r, out.subscription_identifier_available, v); break; }
      case 0x2A: { auto v = r.u8(); valid = boolean(v); set_once(r, out.shared_subscription_available, v); break; }
      default: r.fail(errc::unknown_property); break;
    }
    if (r.ok() && !valid) r.fail(errc::invalid_property_value);
  }
  if (!r.ok()) outer.fail(*r.error());
}

using wire::fits;

bool properties_allowed(const properties& p, property_context where) {
  auto ok = [&](unsigned id, bool present) { return !present || (table[id].allowed & bit(where)); };
  return ok(0x01, p.payload_format_indicator.has_value()) && ok(0x02, p.message_expiry_interval.has_value()) &&
         ok(0x03, p.content_type.has_value()) && ok(0x08, p.response_topic.has_value()) &&
         ok(0x09, p.correlation_data.has_value()) && ok(0x0B, !p.subscription_identifiers.empty()) &&
         ok(0x11, p.session_expiry_interval.has_value()) && ok(0x12, p.assigned_client_identifier.has_value()) &&
         ok(0x13, p.server_keep_alive.has_value()) && ok(0x15, p.authentication_method.has_value()) &&
         ok(0x16, p.authentication_data.has_value()) && ok(0x17, p.request_problem_information.has_value()) &&
         ok(0x18, p.will_delay_interval.has_value()) && ok(0x19, p.request_response_information.has_value()) &&
         ok(0x1A, p.response_information.has_value()) && ok(0x1C, p.server_reference.has_value()) &&
         ok(0x1F, p.reason_string.has_value()) && ok(0x21, p.receive_maximum.has_value()) &&
         ok(0x22, p.topic_alias_maximum.has_value()) && ok(0x23, p.topic_alias.has_value()) &&
         ok(0x24, p.maximum_qos.has_value()) && ok(0x25, p.retain_available.has_value()) &&
         ok(0x26, !p.user_properties.empty()) && ok(0x27, p.maximum_packet_size.has_value()) &&
         ok(0x28, p.wildcard_subscription_available.has_value()) &&
         ok(0x29, p.subscription_identifier_available.has_value()) &&
         ok(0x2A, p.shared_subscription_available.has_value()) &&
         (where != pc::subscribe || p.subscription_identifiers.size() <= 1);
}

bool write_properties(wire::writer& outer, const properties& p) {
  bytes body;
  wire::writer w(body);
  bool ok = true;
  auto byte = [&](std::uint8_t id, const std::optional<std::uint8_t>& v) {
    if (v) { w.u8(id); w.u8(*v); }
  };
  auto two = [&](std::uint8_t id, const std::optional<std::uint16_t>& v) {
    if (v) { w.u8(id); w.u16(*v); }
  };
  auto four = [&](std::uint8_t id, const std::optional<std::uint32_t>& v) {
    if (v) { w.u8(id); w.u32(*v); }
  };
  auto str = [&](std::uint8_t id, const std::optional<std::string>& v) {
    if (!v) return;
    ok = ok && fits(*v) && wire::valid_utf8(*v);
    w.u8(id);
    w.utf8(*v);
  };
  auto bin = [&](std::uint8_t id, const std::optional<bytes>& v) {
    if (!v) return;
    ok = ok && fits(*v);
    w.u8(id);
    w.binary(*v);
  };
  byte(0x01, p.payload_format_indicator);
  four(0x02, p.message_expiry_interval);
  str(0x03, p.content_type);
  str(0x08, p.response_topic);
  bin(0x09, p.correlation_data);
  for (auto id : p.subscription_identifiers) {
    ok = ok && id != 0 && id <= wire::max_varint;
    w.u8(0x0B);
    w.varint(id);
  }
  four(0x11, p.session_expiry_interval);
  str(0x12, p.assigned_client_identifier);
  two(0x13, p.server_keep_alive);
  str(0x15, p.authentication_method);
  bin(0x16, p.authentication_data);
  byte(0x17, p.request_problem_information);
  four(0x18, p.will_delay_interval);
  byte(0x19, p.request_response_information);
  str(0x1A, p.response_information);
  str(0x1C, p.server_reference);
  str(0x1F, p.reason_string);
  two(0x21, p.receive_maximum);
  two(0x22, p.topic_alias_maximum);
  two(0x23, p.topic_alias);
  byte(0x24, p.maximum_qos);
  byte(0x25, p.retain_available);
  for (const auto& up : p.user_properties) {
    ok = ok && fits(up.key) && fits(up.value) && wire::valid_utf8(up.key) && wire::valid_utf8(up.value);
    w.u8(0x26);
    w.utf8(up.key);
    w.utf8(up.value);
  }
  four(0x27, p.maximum_packet_size);
  byte(0x28, p.wildcard_subscription_available);
  byte(0x29, p.subscription_identifier_available);
  byte(0x2A, p.shared_subscription_available);
  if (body.size() > wire::max_varint) return false;
  outer.varint(static_cast<std::uint32_t>(body.size()));
  outer.raw(body);
  return ok;
}

}  // namespace sd::mqtt
