// Parsing of [[alert]] rules (alert.<index>.<field> keys): good rules, and every bad input names its key.
#include <gtest/gtest.h>

#include "alerts/rule.h"

namespace sd::alerts {
namespace {

std::string parse_error(const std::map<std::string, std::string>& keys) {
  std::string error;
  auto r = parse_alert_rules(keys, error);
  EXPECT_FALSE(r.has_value());
  return error;
}

TEST(AlertRule, ParsesEveryField) {
  std::string error;
  auto rules = parse_alert_rules({{"alert.0.name", "orders-lag"},
                                  {"alert.0.kind", "consumer_lag_records"},
                                  {"alert.0.group", "g"},
                                  {"alert.0.topic", "t"},
                                  {"alert.0.partition", "2"},
                                  {"alert.0.threshold", "1000"},
                                  {"alert.0.for_seconds", "1.5"},
                                  {"alert.1.name", "errors"},
                                  {"alert.1.kind", "error_rate"},
                                  {"alert.1.threshold", "0.5"},
                                  {"alert.1.window_seconds", "30"},
                                  {"alert.2.name", "disk"},
                                  {"alert.2.kind", "disk_free_ratio"},
                                  {"alert.2.threshold", "0.1"}},
                                 error);
  ASSERT_TRUE(rules) << error;
  ASSERT_EQ(rules->size(), 3u);
  const auto& r = (*rules)[0];
  EXPECT_EQ(r.name, "orders-lag");
  EXPECT_EQ(r.kind, alert_kind::consumer_lag_records);
  EXPECT_EQ(r.group, "g");
  EXPECT_EQ(r.topic, "t");
  EXPECT_EQ(r.partition, 2);
  EXPECT_EQ(r.threshold, 1000);
  EXPECT_EQ(r.for_ms, 1500);
  EXPECT_EQ((*rules)[1].kind, alert_kind::error_rate);
  EXPECT_EQ((*rules)[1].window_ms, 30000);
  EXPECT_EQ((*rules)[2].threshold, 0.1);
  EXPECT_TRUE(breaches_below((*rules)[2].kind));
}

TEST(AlertRule, NoKeysNoRules) {
  std::string error;
  auto rules = parse_alert_rules({{"num.partitions", "3"}}, error);
  ASSERT_TRUE(rules);
  EXPECT_TRUE(rules->empty());
}

TEST(AlertRule, BadInputNamesTheKey) {
  const std::map<std::string, std::string> good = {
      {"alert.0.name", "a"}, {"alert.0.kind", "consumer_lag_seconds"}, {"alert.0.threshold", "5"}};
  auto with = [&](const std::string& k, const std::string& v) {
    auto m = good;
    m[k] = v;
    return m;
  };
  auto without = [&](const std::string& k) {
    auto m = good;
    m.erase(k);
    return m;
  };
  EXPECT_NE(parse_error(with("alert.0.kind", "lag")).find("'alert.0.kind'"), std::string::npos);
  EXPECT_NE(parse_error(with("alert.0.threshold", "ten")).find("'alert.0.threshold'"), std::string::npos);
  EXPECT_NE(parse_error(with("alert.0.for_seconds", "-1")).find("'alert.0.for_seconds'"), std::string::npos);
  EXPECT_NE(parse_error(with("alert.0.partition", "x")).find("'alert.0.partition'"), std::string::npos);
  EXPECT_NE(parse_error(with("alert.0.colour", "red")).find("unknown config key 'alert.0.colour'"), std::string::npos);
  EXPECT_NE(parse_error(with("alert.zero.name", "b")).find("'alert.zero.name'"), std::string::npos);
  EXPECT_NE(parse_error(with("alert.0.window_seconds", "5")).find("'alert.0.window_seconds'"), std::string::npos);
  EXPECT_NE(parse_error(without("alert.0.name")).find("'alert.0.name'"), std::string::npos);
  EXPECT_NE(parse_error(without("alert.0.kind")).find("'alert.0.kind'"), std::string::npos);
  EXPECT_NE(parse_error(without("alert.0.threshold")).find("'alert.0.threshold'"), std::string::npos);
  // Filters only for lag kinds; ratios in [0, 1]; unique names.
  auto disk = with("alert.0.kind", "disk_free_ratio");
  disk["alert.0.threshold"] = "0.5";
  disk["alert.0.topic"] = "t";
  EXPECT_NE(parse_error(disk).find("'alert.0.topic'"), std::string::npos);
  auto ratio = with("alert.0.kind", "disk_free_ratio");
  EXPECT_NE(parse_error(ratio).find("'alert.0.threshold'"), std::string::npos);
  auto dup = good;
  dup["alert.1.name"] = "a";
  dup["alert.1.kind"] = "error_rate";
  dup["alert.1.threshold"] = "1";
  EXPECT_NE(parse_error(dup).find("'alert.1.name'"), std::string::npos);
}

TEST(AlertRule, TakeAlertKeysLeavesTheRest) {
  std::map<std::string, std::string> m = {{"alert.0.name", "a"}, {"alerts.x", "1"}, {"num.partitions", "3"}};
  auto taken = take_alert_keys(m);
  EXPECT_EQ(taken.size(), 1u);
  EXPECT_EQ(m.size(), 2u);
  EXPECT_TRUE(m.contains("alerts.x"));  // not an alert rule key: broker_config will refuse it
}

}  // namespace
}  // namespace sd::alerts
