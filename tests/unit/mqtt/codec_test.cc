// Round trips of every packet type in MQTT 3.1.1 and 5, byte-at-a-time decoding, and byte sequences
// captured from mosquitto_pub / mosquitto_sub 2.0.11 (Debian bookworm) talking to a listening socket.

#include <gtest/gtest.h>

#include "mqtt/codec.h"
#include "test_util.h"

namespace sd::mqtt {
namespace {

using test::hex;
using test::str_bytes;
using test::concat_encoded;

properties rich_publish_props() {
  properties p;
  p.payload_format_indicator = 1;
  p.message_expiry_interval = 60;
  p.content_type = "application/json";
  p.response_topic = "reply/here";
  p.correlation_data = bytes{1, 2, 3};
  p.topic_alias = 7;
  p.user_properties = {{"trace", "abc"}, {"trace", "def"}, {"k", ""}};
  return p;
}

std::vector<packet> v4_packets() {
  connect c;
  c.version = protocol_version::v311;
  c.clean_start = false;
  c.keep_alive = 30;
  c.client_id = "dev-1";
  c.will = will_message{"last/will", str_bytes("gone"), 1, true, {}};
  c.username = "user";
  c.password = bytes{0, 1, 2, 0xff};
  connect minimal;
  minimal.client_id = "x";
  return {
      c,
      minimal,
      connack{true, 0, {}},
      connack{false, connack_v3::not_authorized, {}},
      publish{"sensors/a/temp", str_bytes("21.5"), 1, true, true, 513, {}},
      publish{"a", {}, 0, false, false, 0, {}},
      publish{"/leading/slash//empty", bytes(300, 0x5a), 2, false, false, 65535, {}},
      puback{1, 0, {}},
      mqtt::subscribe{10, {{"sensors/+/temp", 1}, {"#", 0}, {"a/b", 2}}, {}},
      suback{10, {1, 0, suback_failure}, {}},
      mqtt::unsubscribe{11, {"sensors/+/temp", "a/#"}, {}},
      unsuback{11, {}, {}},
      pingreq{},
      pingresp{},
      disconnect{},
  };
}

std::vector<packet> v5_packets() {
  connect c;
  c.version = protocol_version::v5;
  c.clean_start = false;
  c.keep_alive = 45;
  c.client_id = "dev-5";
  c.props.session_expiry_interval = 3600;
  c.props.receive_maximum = 10;
  c.props.maximum_packet_size = 65536;
  c.props.topic_alias_maximum = 5;
  c.props.request_problem_information = 0;
  c.props.user_properties = {{"site", "north"}};
  will_message w{"last/will", str_bytes("bye"), 0, false, {}};
  w.props.will_delay_interval = 5;
  w.props.content_type = "text/plain";
  c.will = w;
  c.password = bytes{9, 9};  // MQTT 5 allows a password without a user name
  connack ack{true, 0, {}};
  ack.props.receive_maximum = 64;
  ack.props.maximum_packet_size = 1 << 20;
  ack.props.topic_alias_maximum = 16;
  ack.props.maximum_qos = 1;
  ack.props.assigned_client_identifier = "sd-7";
  ack.props.server_keep_alive = 20;
  ack.props.reason_string = "welcome";
  publish pub{"sensors/a/temp", str_bytes("{\"t\":1}"), 1, false, false, 42, rich_publish_props()};
  publish aliased{"", str_bytes("x"), 0, false, false, 0, {}};
  aliased.props.topic_alias = 7;
  publish with_subid{"t", {}, 0, false, false, 0, {}};
  with_subid.props.subscription_identifiers = {1, 268435455};
  puback pa_reason{7, reason::quota_exceeded, {}};
  puback pa_props{8, 0, {}};
  pa_props.props.reason_string = "ok";
  mqtt::subscribe sub{3, {{"a/+", 1, true, true, 2}, {"b", 0}}, {}};
  sub.props.subscription_identifiers = {99};
  suback sa{3, {reason::granted_qos_1, reason::not_authorized}, {}};
  sa.props.user_properties = {{"why", "acl"}};
  disconnect d{reason::session_taken_over, {}};
  d.props.session_expiry_interval = 0;
  d.props.server_reference = "other:1883";
  return {
      c,
      connect{protocol_version::v5, true, 0, "", std::nullopt, std::nullopt, std::nullopt, {}},
      ack,
      connack{false, reason::bad_username_or_password, {}},
      pub,
      aliased,
      with_subid,
      puback{6, 0, {}},
      pa_reason,
      pa_props,
      sub,
      sa,
      mqtt::unsubscribe{4, {"a/+"}, {}},
      unsuback{4, {reason::success, reason::no_subscription_existed}, {}},
      pingreq{},
      pingresp{},
      disconnect{},
      disconnect{reason::disconnect_with_will, {}},
      d,
  };
}

void expect_round_trip(const std::vector<packet>& packets, protocol_version v) {
  bytes stream;
  for (const auto& p : packets) {
    auto b = encode(p, v);
    ASSERT_TRUE(b) << to_string(type_of(p)) << ": " << b.error().message();
    stream.insert(stream.end(), b->begin(), b->end());
  }
  // The whole stream in one chunk.
  auto all = test::decode_all(stream, v);
  ASSERT_EQ(all.size(), packets.size());
  for (std::size_t i = 0; i < packets.size(); ++i) EXPECT_EQ(all[i], packets[i]) << "packet " << i;
  // One byte at a time: a packet appears exactly when its last byte arrives.
  decoder d(1 << 20, v);
  std::vector<packet> got;
  for (std::size_t i = 0; i < stream.size(); ++i) {
    d.feed(byte_span(&stream[i], 1));
    for (;;) {
      auto r = d.next();
      ASSERT_TRUE(r) << r.error().message();
      if (!*r) break;
      got.push_back(std::move(**r));
    }
  }
  EXPECT_EQ(got, packets);
  EXPECT_EQ(d.buffered(), 0u);
}

TEST(MqttCodec, RoundTripV311) { expect_round_trip(v4_packets(), protocol_version::v311); }
TEST(MqttCodec, RoundTripV5) { expect_round_trip(v5_packets(), protocol_version::v5); }

TEST(MqttCodec, RoundTripV31Connect) {
  connect c;
  c.version = protocol_version::v31;
  c.client_id = "old-client";
  c.keep_alive = 10;
  auto b = encode(c, protocol_version::v31);
  ASSERT_TRUE(b);
  EXPECT_EQ(bytes(b->begin() + 2, b->begin() + 10), (bytes{0, 6, 'M', 'Q', 'I', 's', 'd', 'p'}));
  auto all = test::decode_all(*b, protocol_version::v311);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(std::get<connect>(all[0]), c);
}

TEST(MqttCodec, LargePacketUsesFourByteRemainingLength) {
  publish p{"big", bytes(2'100'000, 7), 0, false, false, 0, {}};
  auto b = encode(p, protocol_version::v311);
  ASSERT_TRUE(b);
  EXPECT_EQ((*b)[1] & 0x80, 0x80);
  EXPECT_EQ((*b)[3] & 0x80, 0x80);
  EXPECT_EQ((*b)[4] & 0x80, 0);
  decoder d(4 << 20);
  d.feed(*b);
  auto r = d.next();
  ASSERT_TRUE(r && *r);
  EXPECT_EQ(std::get<publish>(**r), p);
}

TEST(MqttCodec, V5ShortFormsAreAccepted) {
  // PUBACK with only a packet id; with id + reason; DISCONNECT with no body; with reason only.
  auto all = test::decode_all(hex("40 02 00 05  40 03 00 06 10  e0 00  e0 01 8e"), protocol_version::v5);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(std::get<puback>(all[0]), (puback{5, 0, {}}));
  EXPECT_EQ(std::get<puback>(all[1]), (puback{6, 0x10, {}}));
  EXPECT_EQ(std::get<disconnect>(all[2]), disconnect{});
  EXPECT_EQ(std::get<disconnect>(all[3]).reason_code, reason::session_taken_over);
  // And the encoder writes the shortest form.
  EXPECT_EQ(*encode(puback{5, 0, {}}, protocol_version::v5), hex("40 02 00 05"));
  EXPECT_EQ(*encode(disconnect{}, protocol_version::v5), hex("e0 00"));
}

TEST(MqttCodec, EncodeRefusesWhatCannotBeDecoded) {
  EXPECT_FALSE(encode(publish{"a/+", {}, 0, false, false, 0, {}}, protocol_version::v311));
  EXPECT_FALSE(encode(publish{"a", {}, 1, false, false, 0, {}}, protocol_version::v311));
  EXPECT_FALSE(encode(publish{"a", {}, 0, false, true, 0, {}}, protocol_version::v311));
  EXPECT_FALSE(encode(publish{"", {}, 0, false, false, 0, {}}, protocol_version::v5));
  EXPECT_FALSE(encode(publish{std::string(70000, 'a'), {}, 0, false, false, 0, {}}, protocol_version::v311));
  EXPECT_FALSE(encode(mqtt::subscribe{1, {}, {}}, protocol_version::v311));
  EXPECT_FALSE(encode(mqtt::subscribe{1, {{"a#", 1}}, {}}, protocol_version::v311));
  EXPECT_FALSE(encode(puback{0, 0, {}}, protocol_version::v311));
  publish bad_prop{"a", {}, 0, false, false, 0, {}};
  bad_prop.props.session_expiry_interval = 1;  // not a PUBLISH property
  EXPECT_FALSE(encode(bad_prop, protocol_version::v5));
  EXPECT_TRUE(encode(bad_prop, protocol_version::v311));  // 3.1.1 has no properties: ignored
  connect c;
  c.client_id = std::string("a\0b", 3);
  EXPECT_FALSE(encode(c, protocol_version::v311));
}

// --- bytes captured from mosquitto_pub / mosquitto_sub 2.0.11 ---

TEST(MqttCodec, MosquittoPubV311) {
  // mosquitto_pub -V mqttv311 -i dev1 -q 1 -t sensors/a/temp -m hello -k 30
  const auto wire = hex(
      "10 10 00 04 4d 51 54 54 04 02 00 1e 00 04 64 65 76 31"
      "32 17 00 0e 73 65 6e 73 6f 72 73 2f 61 2f 74 65 6d 70 00 01 68 65 6c 6c 6f");
  auto all = test::decode_all(wire, protocol_version::v311);
  ASSERT_EQ(all.size(), 2u);
  connect c;
  c.version = protocol_version::v311;
  c.clean_start = true;
  c.keep_alive = 30;
  c.client_id = "dev1";
  EXPECT_EQ(std::get<connect>(all[0]), c);
  publish p{"sensors/a/temp", str_bytes("hello"), 1, false, false, 1, {}};
  EXPECT_EQ(std::get<publish>(all[1]), p);
  EXPECT_EQ(concat_encoded({c, p}, protocol_version::v311), wire);
}

TEST(MqttCodec, MosquittoPubV5WithUserPropertyAndContentType) {
  // mosquitto_pub -V mqttv5 -i dev1 -q 1 -t sensors/a/temp -m hello -k 30 -D publish user-property k v
  //   -D publish content-type text/plain -D connect session-expiry-interval 3600
  const auto wire = hex(
      "10 19 00 04 4d 51 54 54 05 02 00 1e 08 11 00 00 0e 10 21 00 14 00 04 64 65 76 31"
      "32 2c 00 0e 73 65 6e 73 6f 72 73 2f 61 2f 74 65 6d 70 00 01 14 26 00 01 6b 00 01 76 03 00 0a"
      "74 65 78 74 2f 70 6c 61 69 6e 68 65 6c 6c 6f");
  auto all = test::decode_all(wire, protocol_version::v5);
  ASSERT_EQ(all.size(), 2u);
  const auto& c = std::get<connect>(all[0]);
  EXPECT_EQ(c.version, protocol_version::v5);
  EXPECT_EQ(c.props.session_expiry_interval, 3600u);
  EXPECT_EQ(c.props.receive_maximum, 20);
  const auto& p = std::get<publish>(all[1]);
  EXPECT_EQ(p.topic, "sensors/a/temp");
  EXPECT_EQ(p.packet_id, 1);
  EXPECT_EQ(p.payload, str_bytes("hello"));
  ASSERT_EQ(p.props.user_properties.size(), 1u);
  EXPECT_EQ(p.props.user_properties[0], (user_property{"k", "v"}));
  EXPECT_EQ(p.props.content_type, "text/plain");
  // Our encoder writes user properties after content type; the decoded value survives a round trip.
  EXPECT_EQ(test::decode_all(*encode(p, protocol_version::v5), protocol_version::v5)[0], all[1]);
}

TEST(MqttCodec, MosquittoSubV311WithCredentialsAndQos0Publish) {
  // mosquitto_sub -V mqttv311 -i relay1 -c -q 1 -t 'sensors/+/temp' -k 60 -u user -P pass
  const auto sub = hex(
      "10 1e 00 04 4d 51 54 54 04 c0 00 3c 00 06 72 65 6c 61 79 31 00 04 75 73 65 72 00 04 70 61 73 73"
      "82 13 00 01 00 0e 73 65 6e 73 6f 72 73 2f 2b 2f 74 65 6d 70 01");
  auto all = test::decode_all(sub, protocol_version::v311);
  ASSERT_EQ(all.size(), 2u);
  const auto& c = std::get<connect>(all[0]);
  EXPECT_FALSE(c.clean_start);
  EXPECT_EQ(c.username, "user");
  EXPECT_EQ(c.password, str_bytes("pass"));
  EXPECT_EQ(std::get<mqtt::subscribe>(all[1]), (mqtt::subscribe{1, {{"sensors/+/temp", 1}}, {}}));
  EXPECT_EQ(concat_encoded(all, protocol_version::v311), sub);
  // mosquitto_pub -V mqttv311 -q 0 -i d0 -t a/b -m x: CONNECT, PUBLISH QoS 0, DISCONNECT.
  const auto pub0 = hex("10 0e 00 04 4d 51 54 54 04 02 00 3c 00 02 64 30  30 06 00 03 61 2f 62 78  e0 00");
  auto p0 = test::decode_all(pub0, protocol_version::v311);
  ASSERT_EQ(p0.size(), 3u);
  EXPECT_EQ(std::get<publish>(p0[1]), (publish{"a/b", str_bytes("x"), 0, false, false, 0, {}}));
  EXPECT_TRUE(std::holds_alternative<disconnect>(p0[2]));
  EXPECT_EQ(concat_encoded(p0, protocol_version::v311), pub0);
}

TEST(MqttCodec, MosquittoSubV5) {
  // mosquitto_sub -V mqttv5 -i relay1 -c -q 1 -t 'sensors/+/temp' -k 60 -x 86400
  const auto wire = hex(
      "10 1b 00 04 4d 51 54 54 05 00 00 3c 08 11 00 01 51 80 21 00 14 00 06 72 65 6c 61 79 31"
      "82 14 00 01 00 00 0e 73 65 6e 73 6f 72 73 2f 2b 2f 74 65 6d 70 01");
  auto all = test::decode_all(wire, protocol_version::v5);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(std::get<connect>(all[0]).props.session_expiry_interval, 86400u);
  EXPECT_EQ(concat_encoded(all, protocol_version::v5), wire);
}

}  // namespace
}  // namespace sd::mqtt
