#include <gtest/gtest.h>

#include "mqtt/topic_filter.h"

namespace sd::mqtt {
namespace {

struct match_case {
  const char* filter;
  const char* topic;
  bool matches;
};

TEST(MqttTopicFilter, MatchingTable) {
  const match_case cases[] = {
      {"a/b/c", "a/b/c", true},
      {"a/b/c", "a/b", false},
      {"a/b", "a/b/c", false},
      {"a/b/c", "a/B/c", false},
      {"+", "a", true},
      {"+", "a/b", false},
      {"+", "/a", false},
      {"+/+", "/a", true},
      {"/+", "/a", true},
      {"+/b", "a/b", true},
      {"a/+", "a/", true},  // '+' matches an empty level
      {"a/+", "a", false},
      {"a/+/c", "a//c", true},
      {"sensors/+/temp", "sensors/dev7/temp", true},
      {"sensors/+/temp", "sensors/dev7/humidity", false},
      {"sensors/+/temp", "sensors/dev7/temp/x", false},
      {"#", "a", true},
      {"#", "a/b/c", true},
      {"#", "/", true},
      {"a/#", "a", true},  // '#' matches the parent level
      {"a/#", "a/b", true},
      {"a/#", "a/b/c", true},
      {"a/#", "ab", false},
      {"a/#", "b/a", false},
      {"a/+/#", "a/b", true},
      {"a/+/#", "a", false},
      {"+/+/#", "a/b/c/d", true},
      {"#", "$SYS/broker", false},  // wildcards at the first level skip $ topics
      {"+/broker", "$SYS/broker", false},
      {"$SYS/#", "$SYS/broker", true},
      {"$SYS/+", "$SYS/broker", true},
      {"a/$x", "a/$x", true},
      {"+/$x", "a/$x", true},
      {"é/+", "é/€", true},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(topic_matches(c.filter, c.topic), c.matches) << c.filter << " vs " << c.topic;
  }
}

TEST(MqttTopicFilter, WildcardLevels) {
  auto m = match_topic("sensors/+/temp", "sensors/dev7/temp");
  ASSERT_TRUE(m);
  ASSERT_EQ(m->single.size(), 1u);
  EXPECT_EQ(m->single[0], "dev7");
  EXPECT_FALSE(m->multi);
  m = match_topic("+/x/+/#", "site1/x/dev2/a/b");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->single, (std::vector<std::string_view>{"site1", "dev2"}));
  EXPECT_EQ(m->multi, "a/b");
  m = match_topic("a/#", "a");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->multi, "");
  m = match_topic("a/+/c", "a//c");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->single, (std::vector<std::string_view>{""}));
  EXPECT_FALSE(match_topic("a/+", "b/c"));
}

TEST(MqttTopicFilter, Levels) {
  EXPECT_EQ(split_levels("a//b"), (std::vector<std::string_view>{"a", "", "b"}));
  EXPECT_EQ(split_levels("/a"), (std::vector<std::string_view>{"", "a"}));
  EXPECT_EQ(split_levels("a"), (std::vector<std::string_view>{"a"}));
  EXPECT_EQ(topic_level("sensors/dev7/temp", 0), "sensors");
  EXPECT_EQ(topic_level("sensors/dev7/temp", 1), "dev7");
  EXPECT_EQ(topic_level("sensors/dev7/temp", 2), "temp");
  EXPECT_EQ(topic_level("sensors/dev7/temp", 3), std::nullopt);
  EXPECT_EQ(topic_level("a/", 1), "");
}

TEST(MqttTopicFilter, Validation) {
  for (const char* ok : {"a", "a/b", "/", "//", "+", "#", "a/+", "+/+", "a/#", "+/#", "$SYS/#", "$share/g/a/+"}) {
    EXPECT_TRUE(validate_topic_filter(ok)) << ok;
  }
  for (const char* bad : {"", "a#", "a/#/b", "#/", "a+", "+a", "a/b+", "++", "##"}) {
    EXPECT_EQ(validate_topic_filter(bad).error(), make_error_code(errc::topic_filter_invalid)) << bad;
  }
  EXPECT_EQ(validate_topic_filter(std::string("a\0b", 3)).error(), make_error_code(errc::invalid_utf8));
  for (const char* ok : {"a", "/", "a//b", "$SYS/x", "é"}) EXPECT_TRUE(validate_topic_name(ok)) << ok;
  for (const char* bad : {"", "a/+", "#", "a+b"}) {
    EXPECT_EQ(validate_topic_name(bad).error(), make_error_code(errc::topic_name_invalid)) << bad;
  }
  EXPECT_EQ(validate_topic_name("\xc0\x80").error(), make_error_code(errc::invalid_utf8));
  EXPECT_EQ(validate_topic_name(std::string(65536, 'a')).error(), make_error_code(errc::topic_name_invalid));
}

}  // namespace
}  // namespace sd::mqtt
