// Every malformed input the decoder must refuse, with its errc and the reason code the session sends.

#include <gtest/gtest.h>

#include "mqtt/codec.h"
#include "test_util.h"

namespace sd::mqtt {
namespace {

using test::decode_error;
using test::hex;

std::error_code ec(errc e) { return make_error_code(e); }

TEST(MqttMalformed, RemainingLengthOverFourBytes) {
  EXPECT_EQ(decode_error(hex("30 ff ff ff ff 01")), ec(errc::malformed_remaining_length));
  // Detected as soon as the fourth length byte still has its continuation bit, one byte at a time.
  decoder d;
  for (auto b : hex("30 80 80 80")) {
    d.feed(byte_span(&b, 1));
    auto r = d.next();
    ASSERT_TRUE(r);
    EXPECT_FALSE(*r);
  }
  std::uint8_t last = 0x80;
  d.feed(byte_span(&last, 1));
  EXPECT_EQ(d.next().error(), ec(errc::malformed_remaining_length));
  // Errors are sticky, whatever arrives later.
  d.feed(hex("c0 00"));
  EXPECT_EQ(d.next().error(), ec(errc::malformed_remaining_length));
  // The largest legal length is accepted as a header (and then waits for the body).
  decoder big(std::size_t{1} << 30);
  big.feed(hex("30 ff ff ff 7f"));
  auto r = big.next();
  ASSERT_TRUE(r);
  EXPECT_FALSE(*r);
}

TEST(MqttMalformed, PacketTooLargeIsRefusedBeforeItsBody) {
  decoder d(16);
  d.feed(hex("30 0f"));  // 2 + 15 = 17 bytes > 16
  EXPECT_EQ(d.next().error(), ec(errc::packet_too_large));
  decoder ok(17);
  ok.feed(hex("30 0f 00 01 61"));
  auto r = ok.next();
  ASSERT_TRUE(r);
  EXPECT_FALSE(*r);  // fits: waits for the rest
  EXPECT_EQ(reason_code_v5(errc::packet_too_large), reason::packet_too_large);
}

TEST(MqttMalformed, BadFixedHeaderFlags) {
  EXPECT_EQ(decode_error(hex("11 00")), ec(errc::bad_flags));                   // CONNECT flags 1
  EXPECT_EQ(decode_error(hex("80 05 00 01 00 00 00")), ec(errc::bad_flags));    // SUBSCRIBE flags 0
  EXPECT_EQ(decode_error(hex("a0 05 00 01 00 01 61")), ec(errc::bad_flags));    // UNSUBSCRIBE flags 0
  EXPECT_EQ(decode_error(hex("c1 00")), ec(errc::bad_flags));                   // PINGREQ
  EXPECT_EQ(decode_error(hex("42 02 00 01")), ec(errc::bad_flags));             // PUBACK
  EXPECT_EQ(decode_error(hex("e8 00")), ec(errc::bad_flags));                   // DISCONNECT
  EXPECT_EQ(decode_error(hex("38 04 00 01 61 78")), ec(errc::bad_flags));       // DUP with QoS 0
  EXPECT_EQ(decode_error(hex("36 06 00 01 61 00 01 78")), ec(errc::invalid_qos));  // QoS 3
  EXPECT_EQ(decode_error(hex("00 00")), ec(errc::reserved_packet_type));
  EXPECT_EQ(decode_error(hex("f0 00")), ec(errc::reserved_packet_type));        // AUTH before MQTT 5
  EXPECT_EQ(decode_error(hex("f0 00"), protocol_version::v5), ec(errc::unsupported_packet));
  EXPECT_EQ(decode_error(hex("50 02 00 01")), ec(errc::unsupported_packet));    // PUBREC
  EXPECT_EQ(decode_error(hex("62 02 00 01")), ec(errc::unsupported_packet));    // PUBREL
  EXPECT_EQ(decode_error(hex("70 02 00 01")), ec(errc::unsupported_packet));    // PUBCOMP
  // Found from the first byte alone.
  decoder d;
  d.feed(hex("c1"));
  EXPECT_EQ(d.next().error(), ec(errc::bad_flags));
}

TEST(MqttMalformed, InvalidUtf8) {
  EXPECT_EQ(decode_error(hex("30 05 00 03 61 00 62")), ec(errc::invalid_utf8));       // U+0000
  EXPECT_EQ(decode_error(hex("30 04 00 02 c0 80")), ec(errc::invalid_utf8));          // overlong NUL
  EXPECT_EQ(decode_error(hex("30 05 00 03 ed a0 80")), ec(errc::invalid_utf8));       // surrogate U+D800
  EXPECT_EQ(decode_error(hex("30 06 00 04 f4 90 80 80")), ec(errc::invalid_utf8));    // > U+10FFFF
  EXPECT_EQ(decode_error(hex("30 04 00 02 61 80")), ec(errc::invalid_utf8));          // stray continuation
  EXPECT_EQ(decode_error(hex("30 04 00 02 61 e2")), ec(errc::invalid_utf8));          // truncated sequence
  // Valid multi-byte: "é/€/😀" is a fine topic.
  EXPECT_FALSE(decode_error(hex("30 0d 00 0b c3 a9 2f e2 82 ac 2f f0 9f 98 80")));
  // Client id with U+0000 in CONNECT.
  EXPECT_EQ(decode_error(hex("10 0f 00 04 4d 51 54 54 04 02 00 3c 00 03 61 00 62")), ec(errc::invalid_utf8));
  // User property key in MQTT 5.
  EXPECT_EQ(decode_error(hex("30 0b 00 01 61 07 26 00 01 00 00 01 76"), protocol_version::v5),
            ec(errc::invalid_utf8));
  EXPECT_EQ(reason_code_v5(errc::invalid_utf8), reason::malformed_packet);
}

TEST(MqttMalformed, TopicNames) {
  EXPECT_EQ(decode_error(hex("30 05 00 03 61 2f 2b")), ec(errc::topic_name_invalid));  // a/+
  EXPECT_EQ(decode_error(hex("30 05 00 03 61 2f 23")), ec(errc::topic_name_invalid));  // a/#
  EXPECT_EQ(decode_error(hex("30 03 00 00 78")), ec(errc::topic_name_invalid));        // empty
  EXPECT_EQ(decode_error(hex("30 04 00 00 00 78"), protocol_version::v5), ec(errc::topic_name_invalid));
  EXPECT_FALSE(decode_error(hex("30 07 00 00 03 23 00 01 78"), protocol_version::v5));  // empty + alias
  // Will topic with a wildcard.
  EXPECT_EQ(decode_error(hex("10 15 00 04 4d 51 54 54 04 06 00 3c 00 01 63 00 03 61 2f 23 00 01 78")),
            ec(errc::topic_name_invalid));
  EXPECT_EQ(reason_code_v5(errc::topic_name_invalid), reason::topic_name_invalid);
}

TEST(MqttMalformed, PacketIdZero) {
  EXPECT_EQ(decode_error(hex("32 06 00 01 61 00 00 78")), ec(errc::packet_id_zero));  // PUBLISH QoS 1
  EXPECT_EQ(decode_error(hex("40 02 00 00")), ec(errc::packet_id_zero));              // PUBACK
  EXPECT_EQ(decode_error(hex("82 06 00 00 00 01 61 01")), ec(errc::packet_id_zero));  // SUBSCRIBE
  EXPECT_EQ(decode_error(hex("90 03 00 00 01")), ec(errc::packet_id_zero));           // SUBACK
  EXPECT_EQ(decode_error(hex("a2 05 00 00 00 01 61")), ec(errc::packet_id_zero));     // UNSUBSCRIBE
  EXPECT_EQ(decode_error(hex("b0 02 00 00")), ec(errc::packet_id_zero));              // UNSUBACK
  EXPECT_FALSE(decode_error(hex("30 03 00 01 61")));  // QoS 0 has no packet id at all
}

TEST(MqttMalformed, TruncatedAndTrailing) {
  EXPECT_EQ(decode_error(hex("30 02 00 05")), ec(errc::truncated));        // topic length past the end
  EXPECT_EQ(decode_error(hex("32 04 00 01 61 00")), ec(errc::truncated));  // half a packet id
  EXPECT_EQ(decode_error(hex("40 01 00")), ec(errc::truncated));
  EXPECT_EQ(decode_error(hex("10 0a 00 04 4d 51 54 54 04 02 00 3c")), ec(errc::truncated));  // no client id
  EXPECT_EQ(decode_error(hex("20 01 00")), ec(errc::truncated));
  EXPECT_EQ(decode_error(hex("c0 01 00")), ec(errc::trailing_bytes));
  EXPECT_EQ(decode_error(hex("40 03 00 01 00")), ec(errc::trailing_bytes));  // reason code in 3.1.1
  EXPECT_EQ(decode_error(hex("e0 01 00")), ec(errc::trailing_bytes));
  EXPECT_EQ(decode_error(hex("10 0e 00 04 4d 51 54 54 04 02 00 3c 00 01 63 ff")), ec(errc::trailing_bytes));
  // A property block longer than its packet.
  EXPECT_EQ(decode_error(hex("30 05 00 01 61 09 01"), protocol_version::v5), ec(errc::truncated));
}

TEST(MqttMalformed, Properties) {
  const auto v5 = protocol_version::v5;
  // PUBLISH "a" QoS 0 with a property block.
  EXPECT_EQ(decode_error(hex("30 06 00 01 61 02 05 00"), v5), ec(errc::unknown_property));  // 0x05
  EXPECT_EQ(decode_error(hex("30 06 00 01 61 02 7f 00"), v5), ec(errc::unknown_property));
  EXPECT_EQ(decode_error(hex("30 0c 00 01 61 08 03 00 01 61 03 00 01 62"), v5), ec(errc::duplicate_property));
  EXPECT_EQ(decode_error(hex("30 0a 00 01 61 06 23 00 01 23 00 02"), v5), ec(errc::duplicate_property));
  EXPECT_EQ(decode_error(hex("30 09 00 01 61 05 11 00 00 00 01"), v5), ec(errc::property_not_allowed));
  EXPECT_EQ(decode_error(hex("30 07 00 01 61 03 23 00 00"), v5), ec(errc::invalid_property_value));  // alias 0
  EXPECT_EQ(decode_error(hex("30 06 00 01 61 02 01 02"), v5), ec(errc::invalid_property_value));  // PFI 2
  EXPECT_EQ(decode_error(hex("30 06 00 01 61 02 0b 00"), v5), ec(errc::invalid_property_value));  // sub id 0
  // User properties and several Subscription Identifiers may repeat on PUBLISH.
  EXPECT_FALSE(decode_error(hex("30 12 00 01 61 0e 26 00 01 6b 00 01 76 26 00 01 6b 00 01 76"), v5));
  EXPECT_FALSE(decode_error(hex("30 08 00 01 61 04 0b 01 0b 02"), v5));
  // ... but not on SUBSCRIBE.
  EXPECT_EQ(decode_error(hex("82 0b 00 01 04 0b 01 0b 02 00 01 61 01"), v5), ec(errc::duplicate_property));
  // CONNECT with Receive Maximum 0.
  EXPECT_EQ(decode_error(hex("10 10 00 04 4d 51 54 54 05 02 00 3c 03 21 00 00 00 00"), v5),
            ec(errc::invalid_property_value));
  // A property varint identifier longer than 4 bytes.
  EXPECT_EQ(decode_error(hex("30 09 00 01 61 05 80 80 80 80 01"), v5), ec(errc::malformed_remaining_length));
  EXPECT_EQ(reason_code_v5(errc::unknown_property), reason::malformed_packet);
  EXPECT_EQ(reason_code_v5(errc::duplicate_property), reason::protocol_error);
}

TEST(MqttMalformed, ConnectProtocolNameLevelAndFlags) {
  // Level 6 of "MQTT": unsupported version -> CONNACK 0x01 (3.1.1) / 0x84 (5).
  EXPECT_EQ(decode_error(hex("10 0d 00 04 4d 51 54 54 06 02 00 3c 00 01 63")), ec(errc::unsupported_protocol_version));
  EXPECT_EQ(connack_code_v3(errc::unsupported_protocol_version), connack_v3::unacceptable_protocol_version);
  EXPECT_EQ(reason_code_v5(errc::unsupported_protocol_version), reason::unsupported_protocol_version);
  // "MQTX", and "MQIsdp" with level 4.
  EXPECT_EQ(decode_error(hex("10 0d 00 04 4d 51 54 58 04 02 00 3c 00 01 63")), ec(errc::bad_protocol_name));
  EXPECT_EQ(decode_error(hex("10 0f 00 06 4d 51 49 73 64 70 04 02 00 3c 00 01 63")), ec(errc::bad_protocol_name));
  EXPECT_EQ(connack_code_v3(errc::bad_protocol_name), connack_v3::unacceptable_protocol_version);
  // Reserved flag bit 0; will QoS without will flag; will QoS 3; password without user name (3.1.1).
  EXPECT_EQ(decode_error(hex("10 0d 00 04 4d 51 54 54 04 03 00 3c 00 01 63")), ec(errc::reserved_bits_set));
  EXPECT_EQ(decode_error(hex("10 0d 00 04 4d 51 54 54 04 0a 00 3c 00 01 63")), ec(errc::reserved_bits_set));
  EXPECT_EQ(decode_error(hex("10 0d 00 04 4d 51 54 54 04 1e 00 3c 00 01 63")), ec(errc::invalid_qos));
  EXPECT_EQ(decode_error(hex("10 10 00 04 4d 51 54 54 04 42 00 3c 00 01 63 00 01 70")), ec(errc::reserved_bits_set));
  // Malformed packets get no CONNACK in 3.1.1.
  EXPECT_EQ(connack_code_v3(errc::truncated), std::nullopt);
  // CONNACK with reserved acknowledge flags.
  EXPECT_EQ(decode_error(hex("20 02 02 00")), ec(errc::reserved_bits_set));
}

TEST(MqttMalformed, SubscribeAndUnsubscribe) {
  EXPECT_EQ(decode_error(hex("82 02 00 01")), ec(errc::empty_subscription_list));
  EXPECT_EQ(decode_error(hex("a2 02 00 01")), ec(errc::empty_subscription_list));
  EXPECT_EQ(decode_error(hex("82 07 00 01 00 02 61 23 01")), ec(errc::topic_filter_invalid));  // "a#"
  EXPECT_EQ(decode_error(hex("82 08 00 01 00 03 23 2f 61 01")), ec(errc::topic_filter_invalid));  // "#/a"
  EXPECT_EQ(decode_error(hex("a2 06 00 01 00 02 2b 61")), ec(errc::topic_filter_invalid));  // "+a"
  EXPECT_EQ(decode_error(hex("82 06 00 01 00 01 61 03")), ec(errc::invalid_qos));
  EXPECT_EQ(decode_error(hex("82 06 00 01 00 01 61 04")), ec(errc::reserved_bits_set));  // 3.1.1 options
  EXPECT_FALSE(decode_error(hex("82 07 00 01 00 00 01 61 2c"), protocol_version::v5));    // 5: NL, RAP, RH 2
  EXPECT_EQ(decode_error(hex("82 07 00 01 00 00 01 61 31"), protocol_version::v5), ec(errc::protocol_error));  // RH 3
  EXPECT_EQ(decode_error(hex("82 07 00 01 00 00 01 61 41"), protocol_version::v5), ec(errc::reserved_bits_set));
  EXPECT_EQ(decode_error(hex("90 03 00 01 03")), ec(errc::protocol_error));  // SUBACK code 3 in 3.1.1
}

}  // namespace
}  // namespace sd::mqtt
