#include <gtest/gtest.h>

#include "mqtt/client_session.h"
#include "test_util.h"

namespace sd::mqtt {
namespace {

using namespace std::chrono_literals;
using test::hex;
using test::str_bytes;

const auto client_t0 = steady_clock::time_point{} + 1000s;

struct client_harness {
  std::unique_ptr<client_session> c;
  protocol_version v;

  explicit client_harness(client_config cfg) : v(cfg.version) { c = std::make_unique<client_session>(cfg, client_t0); }
  void feed(const packet& p, steady_clock::time_point now = client_t0) { c->on_bytes(*encode(p, v), now); }
  std::vector<client_event> events() {
    std::vector<client_event> out;
    while (auto e = c->poll_event()) out.push_back(std::move(*e));
    return out;
  }
  std::vector<packet> output() { return test::decode_all(c->take_output(), v); }
};

client_config relay_v4() {
  client_config cfg;
  cfg.client_id = "relay1";
  cfg.keep_alive = 60;
  cfg.username = "user";
  cfg.password = str_bytes("pass");
  return cfg;
}

const std::vector<std::string> filters = {"sensors/+/temp"};

TEST(MqttClientSession, ConnectAndSubscribeBytesMatchMosquittoSub) {
  client_harness h(relay_v4());
  // mosquitto_sub -V mqttv311 -i relay1 -c -q 1 -t 'sensors/+/temp' -k 60 -u user -P pass
  EXPECT_EQ(h.c->take_output(),
            hex("10 1e 00 04 4d 51 54 54 04 c0 00 3c 00 06 72 65 6c 61 79 31 00 04 75 73 65 72 00 04 70 61 73 73"));
  auto id = h.c->subscribe(filters, 1);
  ASSERT_TRUE(id);
  EXPECT_EQ(*id, 1);
  EXPECT_FALSE(h.c->has_output());  // held until CONNACK
  h.c->on_bytes(hex("20 02 01 00"), client_t0);
  EXPECT_EQ(h.c->take_output(), hex("82 13 00 01 00 0e 73 65 6e 73 6f 72 73 2f 2b 2f 74 65 6d 70 01"));
  auto ev = h.events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_TRUE(std::get<client_connected_event>(ev[0]).session_present);
  h.c->on_bytes(hex("90 03 00 01 01"), client_t0);
  ev = h.events();
  ASSERT_EQ(ev.size(), 1u);
  const auto& s = std::get<subscribed_event>(ev[0]);
  EXPECT_TRUE(s.all_granted);
  EXPECT_EQ(s.filters, filters);
}

TEST(MqttClientSession, ConnectV5MatchesMosquittoSub) {
  client_config cfg;
  cfg.version = protocol_version::v5;
  cfg.client_id = "relay1";
  cfg.keep_alive = 60;
  cfg.session_expiry = 86400;
  cfg.receive_maximum = 20;
  cfg.max_packet_size = 0xFFFFFFFF;  // not announced, as mosquitto_sub does
  client_harness h(cfg);
  // mosquitto_sub -V mqttv5 -i relay1 -c -q 1 -t 'sensors/+/temp' -k 60 -x 86400
  EXPECT_EQ(h.c->take_output(),
            hex("10 1b 00 04 4d 51 54 54 05 00 00 3c 08 11 00 01 51 80 21 00 14 00 06 72 65 6c 61 79 31"));
  h.c->on_bytes(hex("20 03 00 00 00"), client_t0);
  ASSERT_TRUE(h.c->subscribe(filters, 1));
  EXPECT_EQ(h.c->take_output(), hex("82 14 00 01 00 00 0e 73 65 6e 73 6f 72 73 2f 2b 2f 74 65 6d 70 01"));
}

TEST(MqttClientSession, RefusedOrDowngradedSubscriptions) {
  client_harness h(relay_v4());
  h.feed(connack{});
  ASSERT_TRUE(h.c->subscribe(filters, 1));
  ASSERT_TRUE(h.c->subscribe(filters, 1));
  h.feed(suback{1, {suback_failure}, {}});
  h.feed(suback{2, {0}, {}});  // granted QoS 0 only
  auto ev = h.events();
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_FALSE(std::get<subscribed_event>(ev[1]).all_granted);
  EXPECT_FALSE(std::get<subscribed_event>(ev[2]).all_granted);
  // A SUBACK for nothing we sent.
  h.feed(suback{9, {1}, {}});
  EXPECT_EQ(std::get<closed_event>(h.events().at(0)).error, make_error_code(errc::protocol_error));
  EXPECT_EQ(h.c->subscribe(filters).error(), make_error_code(errc::not_connected));
}

TEST(MqttClientSession, SubscribeValidatesFilters) {
  client_harness h(relay_v4());
  std::vector<std::string> bad = {"a#"};
  EXPECT_EQ(h.c->subscribe(bad).error(), make_error_code(errc::invalid_argument));
  EXPECT_EQ(h.c->subscribe({}).error(), make_error_code(errc::invalid_argument));
  EXPECT_EQ(h.c->subscribe(filters, 3).error(), make_error_code(errc::invalid_argument));
}

TEST(MqttClientSession, ConnackRefused) {
  client_harness h(relay_v4());
  h.c->on_bytes(hex("20 02 00 05"), client_t0);
  auto ev = h.events();
  ASSERT_EQ(ev.size(), 1u);
  const auto& c = std::get<closed_event>(ev[0]);
  EXPECT_EQ(c.reason, close_reason::refused);
  EXPECT_EQ(c.peer_reason_code, connack_v3::not_authorized);
  EXPECT_EQ(c.error, make_error_code(errc::connection_refused));
}

TEST(MqttClientSession, PubacksInReceiveOrderAndDuplicates) {
  client_harness h(relay_v4());
  h.feed(connack{true, 0, {}});
  (void)h.c->take_output();
  (void)h.events();
  for (std::uint16_t id : {100, 101, 102}) h.feed(publish{"sensors/a/temp", str_bytes("v"), 1, false, false, id, {}});
  h.feed(publish{"sensors/a/temp", str_bytes("v"), 1, false, true, 101, {}});  // redelivery in flight
  auto ev = h.events();
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(h.c->duplicates_dropped(), 1u);
  std::vector<ack_token> t;
  for (auto& e : ev) t.push_back(*std::get<publish_event>(e).token);
  ASSERT_TRUE(h.c->ack(t[1]));
  ASSERT_TRUE(h.c->ack(t[2]));
  EXPECT_FALSE(h.c->has_output());
  ASSERT_TRUE(h.c->ack(t[0]));
  EXPECT_EQ(h.output(), (std::vector<packet>{puback{100, 0, {}}, puback{101, 0, {}}, puback{102, 0, {}}}));
  EXPECT_EQ(h.c->ack(t[0]).error(), make_error_code(errc::unknown_token));
}

TEST(MqttClientSession, ReadPauseInV311) {
  auto cfg = relay_v4();
  cfg.receive_maximum = 1;
  client_harness h(cfg);
  h.feed(connack{});
  (void)h.events();
  bytes two = test::concat({*encode(publish{"a", {}, 1, false, false, 1, {}}, h.v),
                            *encode(publish{"a", {}, 1, false, false, 2, {}}, h.v)});
  h.c->on_bytes(two, client_t0);
  auto ev = h.events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_TRUE(h.c->read_paused());
  ASSERT_TRUE(h.c->ack(*std::get<publish_event>(ev[0]).token));
  EXPECT_EQ(std::get<publish_event>(h.events().at(0)).message.packet_id, 2);
}

TEST(MqttClientSession, KeepAlivePingAndTimeout) {
  auto cfg = relay_v4();
  cfg.keep_alive = 10;
  client_harness h(cfg);
  (void)h.c->take_output();
  EXPECT_EQ(h.c->next_deadline(), client_t0 + 10s);  // connect timeout (10 s) until CONNACK
  h.feed(connack{}, client_t0 + 1s);
  EXPECT_EQ(h.c->next_deadline(), client_t0 + 10s);  // CONNECT was the last packet sent, at client_t0
  h.c->on_timer(client_t0 + 9s);
  EXPECT_FALSE(h.c->has_output());
  h.c->on_timer(client_t0 + 10s);
  EXPECT_EQ(h.output(), (std::vector<packet>{pingreq{}}));
  EXPECT_EQ(h.c->next_deadline(), client_t0 + 20s);
  h.feed(pingresp{}, client_t0 + 11s);
  h.c->on_timer(client_t0 + 20s);  // idle since the PINGREQ at 10 s: ping again
  EXPECT_EQ(h.output(), (std::vector<packet>{pingreq{}}));
  h.c->on_timer(client_t0 + 30s);  // no PINGRESP
  EXPECT_TRUE(h.c->closed());
  auto ev = h.events();
  EXPECT_EQ(std::get<closed_event>(ev.back()).reason, close_reason::keep_alive_timeout);
}

TEST(MqttClientSession, ConnectTimeoutAndServerDisconnect) {
  auto cfg = relay_v4();
  cfg.connect_timeout = 3s;
  client_harness h(cfg);
  h.c->on_timer(client_t0 + 3s);
  EXPECT_EQ(std::get<closed_event>(h.events().at(0)).reason, close_reason::connect_timeout);

  client_config v5;
  v5.version = protocol_version::v5;
  v5.client_id = "r";
  client_harness h5(v5);
  connack ack;
  ack.props.server_keep_alive = 5;
  h5.feed(ack);
  EXPECT_EQ(std::get<client_connected_event>(h5.events().at(0)).keep_alive, 5);
  h5.feed(disconnect{reason::server_shutting_down, {}});
  const auto c = std::get<closed_event>(h5.events().at(0));
  EXPECT_EQ(c.reason, close_reason::server_disconnect);
  EXPECT_EQ(c.peer_reason_code, reason::server_shutting_down);
}

TEST(MqttClientSession, DisconnectAndProtocolErrors) {
  client_harness h(relay_v4());
  h.feed(connack{});
  (void)h.c->take_output();
  h.c->disconnect();
  EXPECT_EQ(h.c->take_output(), hex("e0 00"));
  EXPECT_TRUE(h.c->closed());
  // First packet other than CONNACK.
  client_harness h2(relay_v4());
  h2.feed(pingresp{});
  EXPECT_EQ(std::get<closed_event>(h2.events().at(0)).error, make_error_code(errc::protocol_error));
  // QoS 2 from the broker.
  client_harness h3(relay_v4());
  h3.feed(connack{});
  h3.feed(publish{"a", {}, 2, false, false, 1, {}});
  EXPECT_EQ(std::get<closed_event>(h3.events().back()).error, make_error_code(errc::qos_not_supported));
}

}  // namespace
}  // namespace sd::mqtt
