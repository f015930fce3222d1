#include "client/settings.h"

#include <gtest/gtest.h>

namespace sd::client {
namespace {

using std::chrono::milliseconds;

TEST(parse_setting, splits_at_first_equals) {
  auto kv = parse_setting("sasl.jaas=a=b");
  ASSERT_TRUE(kv);
  EXPECT_EQ(kv->first, "sasl.jaas");
  EXPECT_EQ(kv->second, "a=b");
  auto empty_value = parse_setting("client.id=");
  ASSERT_TRUE(empty_value);
  EXPECT_EQ(empty_value->second, "");
}

TEST(parse_setting, rejects_malformed) {
  for (const char* bad : {"", "novalue", "=x", " =x", "=", "\t=1"}) {
    auto kv = parse_setting(bad);
    ASSERT_FALSE(kv) << bad;
    EXPECT_EQ(kv.error(), errc::malformed_setting) << bad;
  }
}

TEST(parse_duration, units) {
  EXPECT_EQ(*parse_duration("250"), milliseconds(250));
  EXPECT_EQ(*parse_duration("250ms"), milliseconds(250));
  EXPECT_EQ(*parse_duration("3s"), milliseconds(3000));
  EXPECT_EQ(*parse_duration("2m"), milliseconds(120000));
  EXPECT_EQ(*parse_duration("1h"), milliseconds(3600000));
  EXPECT_EQ(*parse_duration("7d"), milliseconds(7LL * 86400000));
  EXPECT_EQ(*parse_duration("0s"), milliseconds(0));
}

TEST(parse_duration, rejects_malformed) {
  for (const char* bad : {"", "s", "-1s", "1.5s", "10 s", "10sec", "1y", "99999999999999999999", "18446744073709h"}) {
    auto d = parse_duration(bad);
    ASSERT_FALSE(d) << bad;
    EXPECT_EQ(d.error(), errc::malformed_duration) << bad;
  }
}

TEST(backoff, doubles_from_min_and_caps_at_max) {
  auto p = parse_backoff("100ms:1s");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->delay_after(1), milliseconds(100));
  EXPECT_EQ(p->delay_after(2), milliseconds(200));
  EXPECT_EQ(p->delay_after(3), milliseconds(400));
  EXPECT_EQ(p->delay_after(4), milliseconds(800));
  EXPECT_EQ(p->delay_after(5), milliseconds(1000));
  EXPECT_EQ(p->delay_after(60), milliseconds(1000));  // no overflow for large attempt counts
  EXPECT_EQ(p->delay_after(0), milliseconds(100));
}

TEST(backoff, default_is_100ms_to_10s) {
  backoff_policy p;
  EXPECT_EQ(p.delay_after(1), milliseconds(100));
  EXPECT_EQ(p.delay_after(7), milliseconds(6400));
  EXPECT_EQ(p.delay_after(8), milliseconds(10000));
}

TEST(backoff, min_only_keeps_default_cap) {
  auto p = parse_backoff("2s");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->min, milliseconds(2000));
  EXPECT_EQ(p->max, milliseconds(10000));
  auto big = parse_backoff("30s");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->max, milliseconds(30000));
}

TEST(backoff, rejects_malformed) {
  for (const char* bad : {"", ":", "0:1s", "2s:1s", "x:1s", "1s:y", "1s:2s:3s"}) {
    auto p = parse_backoff(bad);
    ASSERT_FALSE(p) << bad;
    EXPECT_EQ(p.error(), errc::malformed_backoff) << bad;
  }
}

}  // namespace
}  // namespace sd::client
