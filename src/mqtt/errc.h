#pragma once
// Errors of the MQTT module: what the decoder found wrong with the peer's bytes, and what the sessions
// refused. Each maps to the MQTT 5 reason code to send (CONNACK or DISCONNECT) and, for errors found in a
// CONNECT, to the MQTT 3.1.1 CONNACK return code. Only the relay decides what to log or count.

#include <cstdint>
#include <optional>
#include <system_error>

namespace sd::mqtt {

enum class errc {
  // Framing and field syntax (decoder).
  malformed_remaining_length = 1,  // the Remaining Length (or a property varint) runs past 4 bytes
  packet_too_large,                // the packet exceeds the configured maximum packet size
  bad_flags,                       // fixed-header flags not allowed for this packet type (or DUP on QoS 0)
  reserved_packet_type,            // packet type 0, or AUTH before MQTT 5
  unsupported_packet,              // PUBREC/PUBREL/PUBCOMP/AUTH: QoS 2 and enhanced auth are not offered
  truncated,                       // a field runs past the end of its packet
  trailing_bytes,                  // bytes left in the packet after its last field
  invalid_utf8,                    // a UTF-8 string is ill-formed or contains U+0000
  topic_name_invalid,              // empty PUBLISH topic or one containing + or #
  topic_filter_invalid,            // a SUBSCRIBE/UNSUBSCRIBE filter with misplaced wildcards, or empty
  invalid_qos,                     // QoS 3 (PUBLISH, will, subscription options)
  packet_id_zero,                  // packet identifier 0 where a non-zero one is required
  empty_subscription_list,         // SUBSCRIBE/UNSUBSCRIBE without any topic filter
  reserved_bits_set,               // reserved bits in CONNECT flags or subscription options
  unknown_property,                // an MQTT 5 property identifier that the spec does not define
  duplicate_property,              // a property other than User Property / Subscription Identifier twice
  property_not_allowed,            // a defined property on a packet type it does not belong to
  invalid_property_value,          // e.g. Receive Maximum 0, Topic Alias 0, Payload Format Indicator 2
  bad_protocol_name,               // CONNECT protocol name neither MQTT (4, 5) nor MQIsdp (3)
  unsupported_protocol_version,    // CONNECT protocol level other than 3, 4, 5
  // Session (CONNECT handling).
  client_id_rejected,              // empty/invalid client id where the server cannot assign one
  bad_username_or_password,        // the relay's authenticator refused the credentials
  not_authorized,
  // Session (protocol flow).
  first_packet_not_connect,        // a server connection must start with CONNECT
  unexpected_packet,               // a packet this side never receives (e.g. CONNACK sent to a server)
  receive_maximum_exceeded,        // more unacknowledged QoS 1 PUBLISH than the Receive Maximum granted
  topic_alias_invalid,             // Topic Alias 0, above the maximum, or unknown
  qos_not_supported,               // inbound QoS 2
  keep_alive_timeout,              // nothing received within 1.5 x keep alive (server) / no PINGRESP (client)
  connect_timeout,                 // no CONNECT (server) or CONNACK (client) in time
  session_taken_over,              // another connection connected with the same client id
  connection_refused,              // client: the broker's CONNACK refused the connection
  protocol_error,                  // any other flow violation (e.g. DISCONNECT raising session expiry from 0)
  unknown_token,                   // ack() of a token not in flight (never issued, or acked twice)
  not_connected,                   // client: an operation that needs an accepted connection
  invalid_argument,                // a packet the application asked to encode cannot be encoded
};

const std::error_category& error_category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), error_category()}; }

/// The MQTT 5 reason code that reports e to the peer (CONNACK before a connection is accepted, DISCONNECT
/// after). Errors that are local only (unknown_token, ...) map to 0x80 Unspecified error.
std::uint8_t reason_code_v5(errc e) noexcept;

/// The MQTT 3.1/3.1.1 CONNACK return code for an error found while handling CONNECT, or nullopt where
/// 3.1.1 says to close the connection without a CONNACK (malformed packets).
std::optional<std::uint8_t> connack_code_v3(errc e) noexcept;

}  // namespace sd::mqtt

template <>
struct std::is_error_code_enum<sd::mqtt::errc> : std::true_type {};
