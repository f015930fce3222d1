#include "mqtt/errc.h"

#include <string>

#include "base/error_category.h"
#include "mqtt/packet.h"

namespace sd::mqtt {
namespace {
std::string describe(int c) {
  switch (static_cast<errc>(c)) {
    case errc::malformed_remaining_length: return "malformed variable byte integer (more than 4 bytes)";
    case errc::packet_too_large: return "packet exceeds the maximum packet size";
    case errc::bad_flags: return "fixed header flags not allowed for the packet type";
    case errc::reserved_packet_type: return "reserved packet type";
    case errc::unsupported_packet: return "packet type not supported (QoS 2 or AUTH)";
    case errc::truncated: return "field runs past the end of the packet";
    case errc::trailing_bytes: return "bytes after the last field of the packet";
    case errc::invalid_utf8: return "ill-formed UTF-8 string or U+0000";
    case errc::topic_name_invalid: return "invalid topic name";
    case errc::topic_filter_invalid: return "invalid topic filter";
    case errc::invalid_qos: return "invalid QoS";
    case errc::packet_id_zero: return "packet identifier 0";
    case errc::empty_subscription_list: return "no topic filter in SUBSCRIBE/UNSUBSCRIBE";
    case errc::reserved_bits_set: return "reserved bits set";
    case errc::unknown_property: return "unknown property identifier";
    case errc::duplicate_property: return "property included more than once";
    case errc::property_not_allowed: return "property not allowed on this packet type";
    case errc::invalid_property_value: return "invalid property value";
    case errc::bad_protocol_name: return "wrong protocol name";
    case errc::unsupported_protocol_version: return "unsupported protocol version";
    case errc::client_id_rejected: return "client identifier rejected";
    case errc::bad_username_or_password: return "bad user name or password";
    case errc::not_authorized: return "not authorized";
    case errc::first_packet_not_connect: return "first packet is not CONNECT";
    case errc::unexpected_packet: return "unexpected packet type";
    case errc::receive_maximum_exceeded: return "receive maximum exceeded";
    case errc::topic_alias_invalid: return "invalid topic alias";
    case errc::qos_not_supported: return "QoS not supported";
    case errc::keep_alive_timeout: return "keep alive timeout";
    case errc::connect_timeout: return "connect timeout";
    case errc::session_taken_over: return "session taken over";
    case errc::connection_refused: return "connection refused by the broker";
    case errc::protocol_error: return "protocol error";
    case errc::unknown_token: return "unknown or already acknowledged token";
    case errc::not_connected: return "not connected";
    case errc::invalid_argument: return "invalid argument";
  }
  return "unknown mqtt error";
}
}  // namespace

const std::error_category& error_category() noexcept {
  static const sd::named_error_category cat("mqtt", [](int c) { return describe(c); });
  return cat;
}

std::uint8_t reason_code_v5(errc e) noexcept {
  using namespace reason;
  switch (e) {
    case errc::malformed_remaining_length:
    case errc::bad_flags:
    case errc::reserved_packet_type:
    case errc::truncated:
    case errc::trailing_bytes:
    case errc::invalid_utf8:
    case errc::invalid_qos:
    case errc::packet_id_zero:
    case errc::reserved_bits_set:
    case errc::unknown_property: return malformed_packet;
    case errc::packet_too_large: return packet_too_large;
    case errc::unsupported_packet:
    case errc::empty_subscription_list:
    case errc::duplicate_property:
    case errc::property_not_allowed:
    case errc::invalid_property_value:
    case errc::first_packet_not_connect:
    case errc::unexpected_packet:
    case errc::protocol_error: return protocol_error;
    case errc::topic_name_invalid: return topic_name_invalid;
    case errc::topic_filter_invalid: return topic_filter_invalid;
    case errc::bad_protocol_name:
    case errc::unsupported_protocol_version: return unsupported_protocol_version;
    case errc::client_id_rejected: return client_identifier_not_valid;
    case errc::bad_username_or_password: return bad_username_or_password;
    case errc::not_authorized: return not_authorized;
    case errc::receive_maximum_exceeded: return receive_maximum_exceeded;
    case errc::topic_alias_invalid: return topic_alias_invalid;
    case errc::qos_not_supported: return qos_not_supported;
    case errc::keep_alive_timeout: return keep_alive_timeout;
    case errc::connect_timeout: return maximum_connect_time;
    case errc::session_taken_over: return session_taken_over;
    case errc::connection_refused:
    case errc::unknown_token:
    case errc::not_connected:
    case errc::invalid_argument: return unspecified_error;
  }
  return unspecified_error;
}

std::optional<std::uint8_t> connack_code_v3(errc e) noexcept {
  switch (e) {
    case errc::unsupported_protocol_version:
    case errc::bad_protocol_name: return connack_v3::unacceptable_protocol_version;
    case errc::client_id_rejected: return connack_v3::identifier_rejected;
    case errc::bad_username_or_password: return connack_v3::bad_username_or_password;
    case errc::not_authorized: return connack_v3::not_authorized;
    default: return std::nullopt;
  }
}

}  // namespace sd::mqtt
