// mqtt_router: MQTT message -> spool record (topic by first matching mapping, else the default topic; key
// rules; value unchanged; headers mqtt.topic, user properties, mqtt.content_type).

#include "relay/sources/mqtt_router.h"

#include <gtest/gtest.h>

namespace sd::relay {
namespace {

mqtt::publish msg(std::string topic, std::string_view payload) {
  mqtt::publish p;
  p.topic = std::move(topic);
  p.payload.assign(payload.begin(), payload.end());
  p.qos = 1;
  p.packet_id = 7;
  return p;
}

key_rule rule(const std::string& text) {
  auto r = parse_key_rule(text);
  EXPECT_TRUE(r.has_value()) << text;
  return r.value_or(key_rule{});
}

source_config with_mappings() {
  source_config c;
  c.name = "mqtt-server-0";
  c.type = source_type::mqtt_server;
  c.topic = "default-topic";
  c.key = rule("level:2");
  c.mappings.push_back({"sensors/+/temp", "temps", rule("json:device")});
  c.mappings.push_back({"sensors/#", "sensors", key_rule{}});     // no key rule: the source's applies
  c.mappings.push_back({"sensors/a/temp", "never", key_rule{}});  // shadowed by the first mapping
  return c;
}

TEST(mqtt_router, first_matching_mapping_wins_and_its_key_rule_applies) {
  mqtt_router r(with_mappings());
  auto rec = r.route(msg("sensors/a/temp", R"({"device":"d1","t":21.5})"));
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->topic, "temps");
  EXPECT_EQ(rec->key, "d1");
  EXPECT_EQ(rec->value, R"({"device":"d1","t":21.5})");
  EXPECT_EQ(rec->timestamp_ms, 0);
  EXPECT_EQ(rec->partition, -1);
}

TEST(mqtt_router, mapping_without_key_rule_uses_the_source_key_rule) {
  mqtt_router r(with_mappings());
  auto rec = r.route(msg("sensors/b/humidity", "42"));
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->topic, "sensors");
  EXPECT_EQ(rec->key, "b");  // level:2
}

TEST(mqtt_router, no_match_falls_back_to_the_default_topic) {
  mqtt_router r(with_mappings());
  auto rec = r.route(msg("other/x", "v"));
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->topic, "default-topic");
  EXPECT_EQ(rec->key, "x");
}

TEST(mqtt_router, no_match_and_no_default_topic_is_unroutable) {
  auto cfg = with_mappings();
  cfg.topic.clear();
  mqtt_router r(cfg);
  EXPECT_FALSE(r.route(msg("other/x", "v")));
  EXPECT_TRUE(r.route(msg("sensors/x", "v")));
}

TEST(mqtt_router, headers_carry_topic_user_properties_in_order_and_content_type) {
  source_config cfg;
  cfg.topic = "t";
  mqtt_router r(cfg);
  auto m = msg("a/b", "payload");
  m.props.user_properties = {{"z", "1"}, {"a", "2"}, {"z", "3"}};
  m.props.content_type = "application/json";
  auto rec = r.route(std::move(m));
  ASSERT_TRUE(rec);
  const std::vector<spool::header> want{
      {"mqtt.topic", "a/b"}, {"z", "1"}, {"a", "2"}, {"z", "3"}, {"mqtt.content_type", "application/json"}};
  EXPECT_EQ(rec->headers, want);
  EXPECT_FALSE(rec->key);  // no key rule: null key
}

TEST(mqtt_router, value_is_the_payload_unchanged_including_binary_and_empty) {
  source_config cfg;
  cfg.topic = "t";
  mqtt_router r(cfg);
  const std::string binary("\x00\xff\x01\n\x80", 5);
  auto rec = r.route(msg("a", binary));
  ASSERT_TRUE(rec && rec->value);
  EXPECT_EQ(*rec->value, binary);
  auto empty = r.route(msg("a", ""));
  ASSERT_TRUE(empty && empty->value);  // an empty payload is an empty value, not null
  EXPECT_EQ(*empty->value, "");
  EXPECT_EQ(empty->headers.size(), 1u);
}

TEST(mqtt_router, level_key_rule) {
  const std::string topic = "site/7//dev";
  EXPECT_EQ(mqtt_key(rule("level:1"), topic, {}), "site");
  EXPECT_EQ(mqtt_key(rule("level:2"), topic, {}), "7");
  EXPECT_EQ(mqtt_key(rule("level:3"), topic, {}), "");  // an empty level is an empty key
  EXPECT_EQ(mqtt_key(rule("level:4"), topic, {}), "dev");
  EXPECT_EQ(mqtt_key(rule("level:5"), topic, {}), std::nullopt);  // fewer levels: null key
  EXPECT_EQ(mqtt_key(rule("level:1"), "/lead", {}), "");
}

TEST(mqtt_router, json_key_rule) {
  auto key = [](std::string_view field, std::string_view payload) {
    return mqtt_key(rule("json:" + std::string(field)), "t", as_bytes(payload));
  };
  EXPECT_EQ(key("id", R"({"id":"dev-1","x":1})"), "dev-1");
  EXPECT_EQ(key("id", R"({"id":42})"), "42");
  EXPECT_EQ(key("id", R"({"id":1.5})"), "1.5");
  EXPECT_EQ(key("id", R"({"id":true})"), "true");
  EXPECT_EQ(key("id", R"({"id": {"a" : [1, 2]}})"), R"({"a":[1,2]})");  // compact text
  EXPECT_EQ(key("id", R"({"id":"caf\u00e9"})"), "caf\xc3\xa9");
  EXPECT_EQ(key("id", R"({"other":1})"), std::nullopt);  // missing
  EXPECT_EQ(key("id", R"({"id":null})"), std::nullopt);  // JSON null: null key
  EXPECT_EQ(key("id", "not json"), std::nullopt);
  EXPECT_EQ(key("id", R"({"id":"x")"), std::nullopt);  // truncated
  EXPECT_EQ(key("id", R"(["id"])"), std::nullopt);     // not an object
  EXPECT_EQ(key("id", ""), std::nullopt);
  EXPECT_EQ(key("b", R"({"a":{"b":"nested"}})"), std::nullopt);  // top level only
  EXPECT_EQ(mqtt_key(key_rule{}, "a/b", as_bytes(R"({"id":1})")), std::nullopt);
}

TEST(mqtt_router, mappings_honour_dollar_topics_and_multi_level_parent) {
  source_config cfg;
  cfg.mappings.push_back({"#", "all", key_rule{}});
  cfg.mappings.push_back({"$SYS/#", "sys", key_rule{}});
  cfg.mappings.push_back({"a/#", "a", key_rule{}});
  mqtt_router r(cfg);
  auto sys = r.route(msg("$SYS/broker/load", "1"));
  ASSERT_TRUE(sys);
  EXPECT_EQ(sys->topic, "sys");  // '#' does not match topics starting with '$'
  auto a = r.route(msg("a", "1"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->topic, "all");  // first match wins
}

}  // namespace
}  // namespace sd::relay
