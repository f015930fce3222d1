#pragma once
// MQTT 3.1, 3.1.1 and 5.0 control packets as plain values. One struct per packet type the relay sends or
// receives; the same struct serves every protocol version, and fields that a version lacks (properties and
// reason codes before MQTT 5) are ignored when encoding it and left default when decoding it. QoS 2 flows
// (PUBREC, PUBREL, PUBCOMP) and AUTH are not offered: the decoder reports them as errc::unsupported_packet.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/bytes.h"

namespace sd::mqtt {

/// The CONNECT protocol level: 3 = MQTT 3.1 ("MQIsdp"), 4 = 3.1.1, 5 = 5.0.
enum class protocol_version : std::uint8_t { v31 = 3, v311 = 4, v5 = 5 };
inline bool is_v5(protocol_version v) noexcept { return v == protocol_version::v5; }

enum class packet_type : std::uint8_t {
  connect = 1, connack, publish, puback, pubrec, pubrel, pubcomp,
  subscribe, suback, unsubscribe, unsuback, pingreq, pingresp, disconnect, auth,
};
std::string_view to_string(packet_type t) noexcept;

/// MQTT 5 reason codes used by this module (CONNACK, PUBACK, SUBACK, UNSUBACK, DISCONNECT).
namespace reason {
inline constexpr std::uint8_t success = 0x00;  // also: normal disconnection, granted QoS 0
inline constexpr std::uint8_t granted_qos_1 = 0x01;
inline constexpr std::uint8_t granted_qos_2 = 0x02;
inline constexpr std::uint8_t disconnect_with_will = 0x04;
inline constexpr std::uint8_t no_subscription_existed = 0x11;
inline constexpr std::uint8_t unspecified_error = 0x80;
inline constexpr std::uint8_t malformed_packet = 0x81;
inline constexpr std::uint8_t protocol_error = 0x82;
inline constexpr std::uint8_t implementation_specific_error = 0x83;
inline constexpr std::uint8_t unsupported_protocol_version = 0x84;
inline constexpr std::uint8_t client_identifier_not_valid = 0x85;
inline constexpr std::uint8_t bad_username_or_password = 0x86;
inline constexpr std::uint8_t not_authorized = 0x87;
inline constexpr std::uint8_t server_unavailable = 0x88;
inline constexpr std::uint8_t server_busy = 0x89;
inline constexpr std::uint8_t server_shutting_down = 0x8B;
inline constexpr std::uint8_t keep_alive_timeout = 0x8D;
inline constexpr std::uint8_t session_taken_over = 0x8E;
inline constexpr std::uint8_t topic_filter_invalid = 0x8F;
inline constexpr std::uint8_t topic_name_invalid = 0x90;
inline constexpr std::uint8_t receive_maximum_exceeded = 0x93;
inline constexpr std::uint8_t topic_alias_invalid = 0x94;
inline constexpr std::uint8_t packet_too_large = 0x95;
inline constexpr std::uint8_t quota_exceeded = 0x97;
inline constexpr std::uint8_t qos_not_supported = 0x9B;
inline constexpr std::uint8_t maximum_connect_time = 0xA0;
inline constexpr std::uint8_t wildcard_subscriptions_not_supported = 0xA2;
}  // namespace reason

/// MQTT 3.1/3.1.1 CONNACK return codes; SUBACK failure is 0x80 in every version.
namespace connack_v3 {
inline constexpr std::uint8_t accepted = 0;
inline constexpr std::uint8_t unacceptable_protocol_version = 1;
inline constexpr std::uint8_t identifier_rejected = 2;
inline constexpr std::uint8_t server_unavailable = 3;
inline constexpr std::uint8_t bad_username_or_password = 4;
inline constexpr std::uint8_t not_authorized = 5;
}  // namespace connack_v3
inline constexpr std::uint8_t suback_failure = 0x80;

struct user_property {
  std::string key;
  std::string value;
  bool operator==(const user_property&) const = default;
};

/// MQTT 5 properties. One struct for every packet type; the decoder accepts only the properties the spec
/// allows on the packet being decoded (errc::property_not_allowed otherwise) and each at most once, except
/// User Property and Subscription Identifier. User properties keep their order (they become Kafka headers).
struct properties {
  std::optional<std::uint8_t> payload_format_indicator;        // 0x01: 0 bytes, 1 UTF-8
  std::optional<std::uint32_t> message_expiry_interval;        // 0x02 seconds
  std::optional<std::string> content_type;                     // 0x03
  std::optional<std::string> response_topic;                   // 0x08
  std::optional<bytes> correlation_data;                       // 0x09
  std::vector<std::uint32_t> subscription_identifiers;         // 0x0B
  std::optional<std::uint32_t> session_expiry_interval;        // 0x11 seconds, 0xFFFFFFFF = never
  std::optional<std::string> assigned_client_identifier;       // 0x12
  std::optional<std::uint16_t> server_keep_alive;              // 0x13 seconds
  std::optional<std::string> authentication_method;            // 0x15
  std::optional<bytes> authentication_data;                    // 0x16
  std::optional<std::uint8_t> request_problem_information;     // 0x17
  std::optional<std::uint32_t> will_delay_interval;            // 0x18
  std::optional<std::uint8_t> request_response_information;    // 0x19
  std::optional<std::string> response_information;             // 0x1A
  std::optional<std::string> server_reference;                 // 0x1C
  std::optional<std::string> reason_string;                    // 0x1F
  std::optional<std::uint16_t> receive_maximum;                // 0x21, never 0
  std::optional<std::uint16_t> topic_alias_maximum;            // 0x22
  std::optional<std::uint16_t> topic_alias;                    // 0x23, never 0
  std::optional<std::uint8_t> maximum_qos;                     // 0x24: 0 or 1
  std::optional<std::uint8_t> retain_available;                // 0x25
  std::vector<user_property> user_properties;                  // 0x26
  std::optional<std::uint32_t> maximum_packet_size;            // 0x27, never 0
  std::optional<std::uint8_t> wildcard_subscription_available; // 0x28
  std::optional<std::uint8_t> subscription_identifier_available;  // 0x29
  std::optional<std::uint8_t> shared_subscription_available;   // 0x2A
  bool operator==(const properties&) const = default;
};

struct will_message {
  std::string topic;
  bytes payload;
  std::uint8_t qos = 0;
  bool retain = false;
  properties props;  // MQTT 5 will properties
  bool operator==(const will_message&) const = default;
};

struct connect {
  protocol_version version = protocol_version::v311;
  bool clean_start = true;  // 3.1.1 "clean session"
  std::uint16_t keep_alive = 0;  // seconds, 0 = no keep alive
  std::string client_id;
  std::optional<will_message> will;
  std::optional<std::string> username;
  std::optional<bytes> password;
  properties props;
  bool operator==(const connect&) const = default;
};

struct connack {
  bool session_present = false;
  std::uint8_t reason_code = 0;  // MQTT 5 reason code, or the 3.1/3.1.1 return code (connack_v3)
  properties props;
  bool operator==(const connack&) const = default;
};

struct publish {
  std::string topic;  // may be empty only in MQTT 5 with props.topic_alias set
  bytes payload;
  std::uint8_t qos = 0;
  bool retain = false;
  bool dup = false;
  std::uint16_t packet_id = 0;  // non-zero iff qos > 0
  properties props;
  bool operator==(const publish&) const = default;
};

struct puback {
  std::uint16_t packet_id = 0;
  std::uint8_t reason_code = 0;  // MQTT 5
  properties props;
  bool operator==(const puback&) const = default;
};

struct subscription {
  std::string filter;
  std::uint8_t qos = 0;
  bool no_local = false;              // MQTT 5 options
  bool retain_as_published = false;
  std::uint8_t retain_handling = 0;   // 0..2
  bool operator==(const subscription&) const = default;
};

struct subscribe {
  std::uint16_t packet_id = 0;
  std::vector<subscription> subscriptions;  // at least one
  properties props;
  bool operator==(const subscribe&) const = default;
};

struct suback {
  std::uint16_t packet_id = 0;
  std::vector<std::uint8_t> reason_codes;  // granted QoS or a failure code (>= 0x80), one per filter
  properties props;
  bool operator==(const suback&) const = default;
};

struct unsubscribe {
  std::uint16_t packet_id = 0;
  std::vector<std::string> filters;  // at least one
  properties props;
  bool operator==(const unsubscribe&) const = default;
};

struct unsuback {
  std::uint16_t packet_id = 0;
  std::vector<std::uint8_t> reason_codes;  // MQTT 5 only
  properties props;
  bool operator==(const unsuback&) const = default;
};

struct pingreq {
  bool operator==(const pingreq&) const = default;
};
struct pingresp {
  bool operator==(const pingresp&) const = default;
};

struct disconnect {
  std::uint8_t reason_code = 0;  // MQTT 5
  properties props;
  bool operator==(const disconnect&) const = default;
};

using packet = std::variant<connect, connack, publish, puback, subscribe, suback, unsubscribe, unsuback, pingreq,
                            pingresp, disconnect>;

packet_type type_of(const packet& p) noexcept;

}  // namespace sd::mqtt
