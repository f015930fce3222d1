// The HTTP gateway's pure pieces: cursors, start points and route patterns.
#include <gtest/gtest.h>

#include "gateway/gateway_impl.h"
#include "gateway/group_member.h"
#include "http/http_server.h"

namespace sd::gateway {
namespace {

TEST(Cursor, RecordAndStreamCursorsRoundTrip) {
  EXPECT_EQ(record_cursor(3, 42), "3:42");
  std::map<std::int32_t, std::int64_t> m{{0, 15}, {2, 7}, {10, 0}};
  EXPECT_EQ(stream_cursor(m), "0:15,2:7,10:0");
  EXPECT_EQ(parse_cursor("0:15,2:7,10:0"), m);
  EXPECT_EQ(parse_cursor("3:42"), (std::map<std::int32_t, std::int64_t>{{3, 42}}));
  EXPECT_EQ(parse_cursor("0:-1"), (std::map<std::int32_t, std::int64_t>{{0, -1}}));  // nothing delivered yet
}

TEST(Cursor, MalformedCursorsAreRefused) {
  for (const char* bad : {"", ":", "1", "a:1", "1:a", "1:2,", ",1:2", "1:2,,3:4", "-1:5", "1:-2", "1:2x", "1 :2",
                          "99999999999:1"})
    EXPECT_FALSE(parse_cursor(bad)) << bad;
}

TEST(StartPoint, NamesOffsetsAndTimestamps) {
  EXPECT_EQ(parse_start_point("earliest")->k, start_point::kind::earliest);
  EXPECT_EQ(parse_start_point("latest")->k, start_point::kind::latest);
  auto o = parse_start_point("17");
  ASSERT_TRUE(o);
  EXPECT_EQ(o->k, start_point::kind::offset);
  EXPECT_EQ(o->value, 17);
  auto t = parse_start_point("@1700000000000");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->k, start_point::kind::timestamp);
  EXPECT_EQ(t->value, 1700000000000);
  for (const char* bad : {"", "@", "-1", "@-5", "1.5", "soon", "12abc"}) EXPECT_FALSE(parse_start_point(bad)) << bad;
}

TEST(ErrorCodes, AreKafkasNamesInLowerCase) {
  EXPECT_EQ(error_code_name(broker::kafka_error::unknown_topic_or_partition), "unknown_topic_or_partition");
  EXPECT_EQ(error_code_name(broker::kafka_error::offset_out_of_range), "offset_out_of_range");
}

TEST(RoutePattern, MatchesWholeSegmentsAndDecodesThem) {
  std::vector<std::string> params;
  EXPECT_TRUE(http::match_pattern("/v1/topics/{}/partitions/{}/records", "/v1/topics/a%2Fb/partitions/3/records", params));
  EXPECT_EQ(params, (std::vector<std::string>{"a/b", "3"}));
  EXPECT_FALSE(http::match_pattern("/v1/topics/{}/records", "/v1/topics//records", params));
  EXPECT_FALSE(http::match_pattern("/v1/topics/{}/records", "/v1/topics/x/records/more", params));
  EXPECT_FALSE(http::match_pattern("/v1/topics/{}/records", "/v1/topics/x", params));
  EXPECT_FALSE(http::match_pattern("/topics/{}", "/topicsx/y", params));
  EXPECT_TRUE(http::match_pattern("/v1/ws/consume", "/v1/ws/consume", params));
  EXPECT_TRUE(params.empty());
}

}  // namespace
}  // namespace sd::gateway

namespace sd::gateway {
namespace {

using tp_list = std::vector<group::topic_partition>;

TEST(GroupAssign, RangeGivesEachMemberAContiguousRangeFirstOnesOneMore) {
  auto a = group_member::assign("range", {{"a", {"t"}}, {"b", {"t"}}, {"c", {"t"}}}, {{"t", 7}});
  EXPECT_EQ(a["a"], (tp_list{{"t", 0}, {"t", 1}, {"t", 2}}));
  EXPECT_EQ(a["b"], (tp_list{{"t", 3}, {"t", 4}}));
  EXPECT_EQ(a["c"], (tp_list{{"t", 5}, {"t", 6}}));
}

TEST(GroupAssign, RoundRobinDealsPartitionsInTurnSkippingNonSubscribers) {
  auto a = group_member::assign("roundrobin", {{"a", {"t", "u"}}, {"b", {"t"}}}, {{"t", 3}, {"u", 2}});
  EXPECT_EQ(a["a"], (tp_list{{"t", 0}, {"t", 2}, {"u", 0}, {"u", 1}}));
  EXPECT_EQ(a["b"], (tp_list{{"t", 1}}));
  // Every partition exactly once, whatever the member count.
  auto many = group_member::assign("RoundRobinAssigner", {{"a", {"t"}}, {"b", {"t"}}, {"c", {"t"}}, {"d", {"t"}}},
                                   {{"t", 2}});
  std::size_t total = 0;
  for (auto& [m, tps] : many) total += tps.size();
  EXPECT_EQ(total, 2u);
  EXPECT_TRUE(many["c"].empty());
}

}  // namespace
}  // namespace sd::gateway
