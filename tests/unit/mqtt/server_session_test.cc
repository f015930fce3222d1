#include <gtest/gtest.h>

#include "mqtt/server_session.h"
#include "test_util.h"

namespace sd::mqtt {
namespace {

using namespace std::chrono_literals;
using test::hex;
using test::str_bytes;

const auto t0 = steady_clock::time_point{} + 1000s;

bytes enc(const packet& p, protocol_version v) { return *encode(p, v); }

connect make_connect(protocol_version v, std::string id, bool clean, std::uint16_t ka = 30) {
  connect c;
  c.version = v;
  c.client_id = std::move(id);
  c.clean_start = clean;
  c.keep_alive = ka;
  return c;
}

publish pub1(std::uint16_t id, std::string payload = "x", bool dup = false) {
  return publish{"sensors/a/temp", str_bytes(payload), 1, false, dup, id, {}};
}

struct harness {
  memory_session_store store;
  server_config cfg;
  std::unique_ptr<server_session> s;
  std::uint64_t next_conn = 1;
  protocol_version v = protocol_version::v311;

  void open(protocol_version version = protocol_version::v311) {
    v = version;
    s = std::make_unique<server_session>(cfg, store, next_conn++, t0);
  }
  void feed(const bytes& b, steady_clock::time_point now = t0) { s->on_bytes(b, now); }
  void feed(const packet& p, steady_clock::time_point now = t0) { feed(enc(p, v), now); }
  std::vector<server_event> events() {
    std::vector<server_event> out;
    while (auto e = s->poll_event()) out.push_back(std::move(*e));
    return out;
  }
  std::vector<packet> output() { return test::decode_all(s->take_output(), v); }
};

TEST(MqttServerSession, ConnectV311AndPersistentSession) {
  harness h;
  h.open();
  h.feed(make_connect(protocol_version::v311, "dev1", false));
  EXPECT_EQ(h.s->take_output(), hex("20 02 00 00"));
  auto ev = h.events();
  ASSERT_EQ(ev.size(), 1u);
  const auto& c = std::get<connected_event>(ev[0]);
  EXPECT_EQ(c.client_id, "dev1");
  EXPECT_FALSE(c.session_present);
  EXPECT_EQ(c.keep_alive, 30);
  EXPECT_EQ(c.session_expiry, session_never_expires);
  h.feed(disconnect{});
  ev = h.events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(std::get<closed_event>(ev[0]).reason, close_reason::client_disconnect);
  EXPECT_TRUE(h.s->closed());
  // Reconnect without clean session: session present.
  h.open();
  h.feed(make_connect(protocol_version::v311, "dev1", false));
  EXPECT_EQ(h.s->take_output(), hex("20 02 01 00"));
  h.s->on_connection_lost();
  // Clean session discards it, and with clean session it is not kept afterwards either.
  h.open();
  h.feed(make_connect(protocol_version::v311, "dev1", true));
  EXPECT_EQ(h.s->take_output(), hex("20 02 00 00"));
  h.s->on_connection_lost();
  EXPECT_FALSE(h.store.has_session("dev1", t0));
}

TEST(MqttServerSession, V5SessionExpiryAndConnackProperties) {
  harness h;
  h.cfg.receive_maximum = 8;
  h.cfg.max_session_expiry = 600;
  h.open(protocol_version::v5);
  auto c = make_connect(protocol_version::v5, "dev5", false);
  c.props.session_expiry_interval = 3600;
  h.feed(c);
  auto out = h.output();
  ASSERT_EQ(out.size(), 1u);
  const auto& ack = std::get<connack>(out[0]);
  EXPECT_EQ(ack.reason_code, 0);
  EXPECT_EQ(ack.props.receive_maximum, 8);
  EXPECT_EQ(ack.props.maximum_qos, 1);
  EXPECT_EQ(ack.props.session_expiry_interval, 600u);  // clamped, so announced
  EXPECT_EQ(ack.props.maximum_packet_size, 1u << 20);
  h.feed(disconnect{});
  EXPECT_TRUE(h.store.has_session("dev5", t0 + 599s));
  EXPECT_FALSE(h.store.has_session("dev5", t0 + 601s));
  // Session expiry 0 at CONNECT cannot be raised at DISCONNECT.
  h.open(protocol_version::v5);
  h.feed(make_connect(protocol_version::v5, "dev6", true));
  (void)h.output();
  disconnect d;
  d.props.session_expiry_interval = 100;
  h.feed(d);
  auto ev = h.events();
  const auto& closed = std::get<closed_event>(ev.back());
  EXPECT_EQ(closed.reason, close_reason::protocol_error);
  EXPECT_EQ(closed.error, make_error_code(errc::protocol_error));
  EXPECT_EQ(std::get<disconnect>(h.output().at(0)).reason_code, reason::protocol_error);
}

TEST(MqttServerSession, PubacksLeaveInReceiveOrder) {
  harness h;
  h.open();
  h.feed(make_connect(protocol_version::v311, "dev1", false));
  (void)h.s->take_output();
  (void)h.events();
  h.feed(test::concat({enc(pub1(10, "a"), h.v), enc(pub1(11, "b"), h.v), enc(pub1(12, "c"), h.v),
                       enc(publish{"q0", str_bytes("z"), 0, false, false, 0, {}}, h.v)}));
  auto ev = h.events();
  ASSERT_EQ(ev.size(), 4u);
  std::vector<ack_token> tokens;
  for (int i = 0; i < 3; ++i) tokens.push_back(*std::get<publish_event>(ev[i]).token);
  EXPECT_FALSE(std::get<publish_event>(ev[3]).token);
  EXPECT_EQ(std::get<publish_event>(ev[1]).message.payload, str_bytes("b"));
  EXPECT_EQ(h.s->in_flight(), 3u);
  ASSERT_TRUE(h.s->ack(tokens[2]));
  EXPECT_FALSE(h.s->has_output());  // 12 waits for 10 and 11
  ASSERT_TRUE(h.s->ack(tokens[0]));
  EXPECT_EQ(h.output(), (std::vector<packet>{puback{10, 0, {}}}));
  ASSERT_TRUE(h.s->ack(tokens[1]));
  EXPECT_EQ(h.output(), (std::vector<packet>{puback{11, 0, {}}, puback{12, 0, {}}}));
  EXPECT_EQ(h.s->in_flight(), 0u);
  EXPECT_EQ(h.s->ack(tokens[1]).error(), make_error_code(errc::unknown_token));
  EXPECT_EQ(h.s->ack(999).error(), make_error_code(errc::unknown_token));
  // A packet id may be reused after its PUBACK: a new message.
  h.feed(pub1(10, "again"));
  ev = h.events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(std::get<publish_event>(ev[0]).message.payload, str_bytes("again"));
}

TEST(MqttServerSession, DuplicateInFlightIsNotDeliveredTwiceButRedeliveryAfterReconnectIs) {
  harness h;
  h.open();
  h.feed(make_connect(protocol_version::v311, "dev1", false));
  (void)h.s->take_output();
  (void)h.events();
  h.feed(pub1(7, "m"));
  h.feed(pub1(7, "m", true));  // DUP while 7 is in flight
  auto ev = h.events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(h.s->duplicates_dropped(), 1u);
  auto token = *std::get<publish_event>(ev[0]).token;
  ASSERT_TRUE(h.s->ack(token));
  EXPECT_EQ(h.output(), (std::vector<packet>{puback{7, 0, {}}}));  // one PUBACK for both copies
  // The connection drops before the next message is acked; the device resends it on the new connection.
  h.feed(pub1(8, "n"));
  auto lost = *std::get<publish_event>(h.events().at(0)).token;
  h.s->on_connection_lost();
  EXPECT_TRUE(h.s->ack(lost));  // ignored once closed
  EXPECT_FALSE(h.s->has_output());
  h.open();
  h.feed(make_connect(protocol_version::v311, "dev1", false));
  EXPECT_EQ(h.s->take_output(), hex("20 02 01 00"));
  (void)h.events();
  h.feed(pub1(8, "n", true));
  ev = h.events();
  ASSERT_EQ(ev.size(), 1u);  // delivered again: at least once
  EXPECT_TRUE(std::get<publish_event>(ev[0]).message.dup);
}

TEST(MqttServerSession, KeepAliveExpiresAtOneAndAHalfTimes) {
  harness h;
  h.open(protocol_version::v5);
  h.feed(make_connect(protocol_version::v5, "dev1", true, 10));
  (void)h.output();
  (void)h.events();
  h.feed(pingreq{}, t0 + 5s);
  EXPECT_EQ(h.output(), (std::vector<packet>{pingresp{}}));
  EXPECT_EQ(h.s->next_deadline(), t0 + 5s + 15s);
  h.s->on_timer(t0 + 19s);
  EXPECT_FALSE(h.s->closed());
  h.s->on_timer(t0 + 20s);
  EXPECT_TRUE(h.s->closed());
  EXPECT_EQ(h.output(), (std::vector<packet>{disconnect{reason::keep_alive_timeout, {}}}));
  EXPECT_EQ(std::get<closed_event>(h.events().at(0)).reason, close_reason::keep_alive_timeout);
  EXPECT_FALSE(h.s->next_deadline());
}

TEST(MqttServerSession, ConnectTimeoutAndKeepAliveZero) {
  harness h;
  h.cfg.connect_timeout = 5s;
  h.open();
  EXPECT_EQ(h.s->next_deadline(), t0 + 5s);
  h.s->on_timer(t0 + 5s);
  EXPECT_EQ(std::get<closed_event>(h.events().at(0)).reason, close_reason::connect_timeout);
  EXPECT_FALSE(h.s->has_output());
  h.open();
  h.feed(make_connect(protocol_version::v311, "d", true, 0));
  EXPECT_FALSE(h.s->next_deadline());
}

TEST(MqttServerSession, FirstPacketMustBeConnect) {
  harness h;
  h.open();
  h.feed(hex("c0 00"));
  auto ev = h.events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(std::get<closed_event>(ev[0]).error, make_error_code(errc::first_packet_not_connect));
  EXPECT_FALSE(h.s->has_output());
  // A second CONNECT is a protocol error too.
  h.open();
  h.feed(make_connect(protocol_version::v311, "d", true));
  h.feed(make_connect(protocol_version::v311, "d", true));
  EXPECT_EQ(std::get<closed_event>(h.events().back()).error, make_error_code(errc::protocol_error));
}

TEST(MqttServerSession, RefusedConnects) {
  harness h;
  // Protocol level 6: CONNACK 0x01 in 3.1.1 format.
  h.open();
  h.feed(hex("10 0d 00 04 4d 51 54 54 06 02 00 3c 00 01 63"));
  EXPECT_EQ(h.s->take_output(), hex("20 02 00 01"));
  EXPECT_EQ(std::get<closed_event>(h.events().at(0)).reason, close_reason::refused);
  // 3.1.1, empty client id without clean session: 0x02.
  h.open();
  h.feed(make_connect(protocol_version::v311, "", false));
  EXPECT_EQ(h.s->take_output(), hex("20 02 00 02"));
  // 3.1.1 malformed CONNECT: closed without CONNACK.
  h.open();
  h.feed(hex("10 0d 00 04 4d 51 54 54 04 03 00 3c 00 01 63"));
  EXPECT_FALSE(h.s->has_output());
  EXPECT_EQ(std::get<closed_event>(h.events().at(0)).error, make_error_code(errc::reserved_bits_set));
  // MQTT 5 CONNECT with an unknown property: CONNACK 0x81 in 5 format.
  h.open(protocol_version::v5);
  h.feed(hex("10 10 00 04 4d 51 54 54 05 02 00 3c 03 05 00 00 00 00"));
  EXPECT_EQ(h.s->take_output(), hex("20 03 00 81 00"));
  // Authentication refused.
  h.cfg.authenticate = [](const connect& c) -> std::optional<errc> {
    if (c.username == "good") return std::nullopt;
    return errc::bad_username_or_password;
  };
  h.open();
  h.feed(make_connect(protocol_version::v311, "d", true));
  EXPECT_EQ(h.s->take_output(), hex("20 02 00 04"));
  h.open(protocol_version::v5);
  h.feed(make_connect(protocol_version::v5, "d", true));
  EXPECT_EQ(h.output(), (std::vector<packet>{connack{false, reason::bad_username_or_password, {}}}));
  h.open();
  auto good = make_connect(protocol_version::v311, "d", true);
  good.username = "good";
  h.feed(good);
  EXPECT_EQ(h.s->take_output(), hex("20 02 00 00"));
}

TEST(MqttServerSession, AssignsClientIds) {
  harness h;
  h.open(protocol_version::v5);
  h.feed(make_connect(protocol_version::v5, "", true));
  auto out = h.output();
  EXPECT_EQ(std::get<connack>(out.at(0)).props.assigned_client_identifier, "sd-1");
  EXPECT_EQ(std::get<connected_event>(h.events().at(0)).client_id, "sd-1");
  h.open();
  h.feed(make_connect(protocol_version::v311, "", true));
  EXPECT_EQ(h.s->take_output(), hex("20 02 00 00"));
}

TEST(MqttServerSession, ReceiveMaximumV5IsEnforced) {
  harness h;
  h.cfg.receive_maximum = 2;
  h.open(protocol_version::v5);
  h.feed(make_connect(protocol_version::v5, "d", true));
  (void)h.output();
  h.feed(pub1(1));
  h.feed(pub1(2));
  EXPECT_TRUE(h.s->read_paused());
  h.feed(pub1(3));
  EXPECT_TRUE(h.s->closed());
  EXPECT_EQ(h.output(), (std::vector<packet>{disconnect{reason::receive_maximum_exceeded, {}}}));
}

TEST(MqttServerSession, V311ReadPauseHoldsPacketsUntilAcked) {
  harness h;
  h.cfg.receive_maximum = 2;
  h.open();
  h.feed(make_connect(protocol_version::v311, "d", true));
  (void)h.s->take_output();
  (void)h.events();
  h.feed(test::concat({enc(pub1(1), h.v), enc(pub1(2), h.v), enc(pub1(3), h.v), enc(pingreq{}, h.v)}));
  auto ev = h.events();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_TRUE(h.s->read_paused());
  EXPECT_EQ(h.s->in_flight(), 2u);
  ASSERT_TRUE(h.s->ack(*std::get<publish_event>(ev[0]).token));
  ev = h.events();
  ASSERT_EQ(ev.size(), 1u);  // the held third message
  EXPECT_EQ(std::get<publish_event>(ev[0]).message.packet_id, 3);
  EXPECT_EQ(h.output(), (std::vector<packet>{puback{1, 0, {}}}));
}

TEST(MqttServerSession, TakeoverBySameClientId) {
  memory_session_store store;
  server_config cfg;
  server_session a(cfg, store, 1, t0), b(cfg, store, 2, t0);
  a.on_bytes(enc(make_connect(protocol_version::v5, "dev", false), protocol_version::v5), t0);
  auto ca = std::get<connected_event>(*a.poll_event());
  EXPECT_FALSE(ca.taken_over);
  b.on_bytes(enc(make_connect(protocol_version::v5, "dev", false), protocol_version::v5), t0);
  auto cb = std::get<connected_event>(*b.poll_event());
  EXPECT_EQ(cb.taken_over, 1u);
  EXPECT_TRUE(cb.session_present);
  (void)a.take_output();
  a.close(close_reason::session_taken_over);
  EXPECT_EQ(test::decode_all(a.take_output(), protocol_version::v5),
            (std::vector<packet>{disconnect{reason::session_taken_over, {}}}));
  EXPECT_EQ(std::get<closed_event>(*a.poll_event()).reason, close_reason::session_taken_over);
  // The old connection's end does not end the new one's session; the new one's end (expiry 0) does.
  EXPECT_TRUE(store.has_session("dev", t0));
  b.on_connection_lost();
  EXPECT_FALSE(store.has_session("dev", t0));
}

TEST(MqttServerSession, PingSubscribeUnsubscribe) {
  harness h;
  h.open();
  h.feed(make_connect(protocol_version::v311, "d", true));
  (void)h.s->take_output();
  h.feed(hex("c0 00"));
  EXPECT_EQ(h.s->take_output(), hex("d0 00"));
  h.feed(mqtt::subscribe{5, {{"a/+", 1}, {"b", 0}}, {}});
  EXPECT_EQ(h.output(), (std::vector<packet>{suback{5, {suback_failure, suback_failure}, {}}}));
  h.feed(mqtt::unsubscribe{6, {"a/+"}, {}});
  EXPECT_EQ(h.output(), (std::vector<packet>{unsuback{6, {}, {}}}));
  EXPECT_TRUE(h.s->connected());
  // A PUBACK from the device: we never sent it a QoS 1 message.
  h.feed(puback{5, 0, {}});
  EXPECT_EQ(std::get<closed_event>(h.events().back()).error, make_error_code(errc::unexpected_packet));
}

TEST(MqttServerSession, V5TopicAliasesAndUserProperties) {
  harness h;
  h.cfg.topic_alias_maximum = 2;
  h.open(protocol_version::v5);
  h.feed(make_connect(protocol_version::v5, "d", true));
  (void)h.output();
  (void)h.events();
  publish first{"sensors/x/temp", str_bytes("1"), 1, false, false, 1, {}};
  first.props.topic_alias = 2;
  first.props.user_properties = {{"unit", "C"}};
  first.props.content_type = "text/plain";
  h.feed(first);
  publish second{"", str_bytes("2"), 0, false, false, 0, {}};
  second.props.topic_alias = 2;
  h.feed(second);
  auto ev = h.events();
  ASSERT_EQ(ev.size(), 2u);
  const auto& m1 = std::get<publish_event>(ev[0]).message;
  EXPECT_EQ(m1.topic, "sensors/x/temp");
  EXPECT_FALSE(m1.props.topic_alias);
  EXPECT_EQ(m1.props.user_properties, (std::vector<user_property>{{"unit", "C"}}));
  EXPECT_EQ(m1.props.content_type, "text/plain");
  EXPECT_EQ(std::get<publish_event>(ev[1]).message.topic, "sensors/x/temp");
  // Alias above the maximum.
  publish third{"t", {}, 0, false, false, 0, {}};
  third.props.topic_alias = 3;
  h.feed(third);
  EXPECT_EQ(h.output(), (std::vector<packet>{disconnect{reason::topic_alias_invalid, {}}}));
  // An alias used before it was set.
  h.open(protocol_version::v5);
  h.feed(make_connect(protocol_version::v5, "d", true));
  (void)h.output();
  publish unset{"", {}, 0, false, false, 0, {}};
  unset.props.topic_alias = 1;
  h.feed(unset);
  EXPECT_EQ(h.output(), (std::vector<packet>{disconnect{reason::protocol_error, {}}}));
}

TEST(MqttServerSession, Qos2IsRefused) {
  harness h;
  h.open(protocol_version::v5);
  h.feed(make_connect(protocol_version::v5, "d", true));
  (void)h.output();
  h.feed(publish{"a", {}, 2, false, false, 9, {}});
  EXPECT_EQ(h.output(), (std::vector<packet>{disconnect{reason::qos_not_supported, {}}}));
  h.open();
  h.feed(make_connect(protocol_version::v311, "d", true));
  (void)h.s->take_output();
  h.feed(publish{"a", {}, 2, false, false, 9, {}});
  EXPECT_TRUE(h.s->closed());
  EXPECT_FALSE(h.s->has_output());  // 3.1.1 just closes
}

TEST(MqttServerSession, MalformedAfterConnectClosesWithReason) {
  harness h;
  h.open(protocol_version::v5);
  h.feed(make_connect(protocol_version::v5, "d", true));
  (void)h.output();
  h.feed(hex("30 05 00 03 61 2f 23"));  // wildcard in a PUBLISH topic (v5 layout: no props -> truncated first)
  EXPECT_TRUE(h.s->closed());
  auto out = h.output();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_GE(std::get<disconnect>(out[0]).reason_code, 0x80);
  // Bytes after close are ignored.
  h.feed(hex("c0 00"));
  EXPECT_FALSE(h.s->has_output());
}

TEST(MqttServerSession, CapturedMosquittoPubSession) {
  // mosquitto_pub -V mqttv311 -i dev1 -q 1 -t sensors/a/temp -m hello -k 30, one byte at a time.
  harness h;
  h.open();
  const auto wire = hex(
      "10 10 00 04 4d 51 54 54 04 02 00 1e 00 04 64 65 76 31"
      "32 17 00 0e 73 65 6e 73 6f 72 73 2f 61 2f 74 65 6d 70 00 01 68 65 6c 6c 6f e0 00");
  for (auto b : wire) h.s->on_bytes(byte_span(&b, 1), t0);
  auto ev = h.events();
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(std::get<connected_event>(ev[0]).client_id, "dev1");
  const auto& p = std::get<publish_event>(ev[1]);
  EXPECT_EQ(p.message.payload, str_bytes("hello"));
  EXPECT_EQ(std::get<closed_event>(ev[2]).reason, close_reason::client_disconnect);
  EXPECT_EQ(h.s->take_output(), hex("20 02 00 00"));
}

}  // namespace
}  // namespace sd::mqtt
