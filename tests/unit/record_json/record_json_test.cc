#include "record_json/record_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace sd::record_json {
namespace {

const record& rec(const item& i) {
  EXPECT_TRUE(std::holds_alternative<record>(i)) << (std::holds_alternative<item_error>(i) ? std::get<item_error>(i).message : "");
  return std::get<record>(i);
}

TEST(RecordJson, ArrayOfRecordsKeepsOrderAndNullsDifferFromEmpty) {
  auto body = parse_body("application/json; charset=utf-8",
                         R"([{"key":"k","value":"v"},{"key":null,"value":""},{},{"value":{"a":[1,2]},"partition":2}])");
  ASSERT_TRUE(body.error.empty()) << body.error;
  ASSERT_EQ(body.items.size(), 4u);
  EXPECT_EQ(rec(body.items[0]).key, "k");
  EXPECT_EQ(rec(body.items[0]).value, "v");
  EXPECT_FALSE(rec(body.items[1]).key.has_value());
  EXPECT_EQ(rec(body.items[1]).value, "");
  EXPECT_FALSE(rec(body.items[2]).value.has_value());
  EXPECT_EQ(rec(body.items[3]).value, R"({"a":[1,2]})");
  EXPECT_EQ(rec(body.items[3]).partition, 2);
  EXPECT_EQ(rec(body.items[0]).partition, -1);
}

TEST(RecordJson, OneObjectAndTheRecordsWrapper) {
  auto one = parse_body("application/json", R"({"value":"x","timestamp":1700000000000})");
  ASSERT_EQ(one.items.size(), 1u);
  EXPECT_EQ(rec(one.items[0]).timestamp_ms, 1700000000000);
  auto wrapped = parse_body("application/json", R"({"records":[{"value":"a"},{"value":"b"}]})");
  ASSERT_EQ(wrapped.items.size(), 2u);
  EXPECT_EQ(rec(wrapped.items[1]).value, "b");
}

TEST(RecordJson, HeadersInAllThreeShapes) {
  auto body = parse_body("application/json", R"([
    {"headers":{"a":"1","b":null}},
    {"headers":[["a","1"],["a","2"]]},
    {"headers":[{"key":"x","value":"y"}]}])");
  ASSERT_EQ(body.items.size(), 3u);
  EXPECT_EQ(rec(body.items[0]).headers.size(), 2u);
  EXPECT_EQ(rec(body.items[0]).headers[1], (std::pair<std::string, std::string>{"b", ""}));
  EXPECT_EQ(rec(body.items[1]).headers[1].second, "2");
  EXPECT_EQ(rec(body.items[2]).headers[0], (std::pair<std::string, std::string>{"x", "y"}));
}

TEST(RecordJson, Base64PerRecordAndByDefault) {
  auto body = parse_body("application/json", R"([{"value":"AAH/","value_encoding":"base64"},{"key":"AA==","value":"AQ=="}])",
                         body_defaults{encoding::base64, encoding::base64});
  ASSERT_EQ(body.items.size(), 2u);
  EXPECT_EQ(rec(body.items[0]).value, std::string("\0\1\xff", 3));
  EXPECT_EQ(rec(body.items[1]).key, std::string("\0", 1));
  EXPECT_EQ(rec(body.items[1]).value, std::string("\1", 1));
}

TEST(RecordJson, NdjsonBadLineIsAnErrorInItsPlace) {
  auto body = parse_body("application/x-ndjson", "{\"value\":\"a\"}\r\n\nnot json\n{\"value\":\"c\"}");
  ASSERT_TRUE(body.error.empty());
  ASSERT_EQ(body.items.size(), 3u);
  EXPECT_EQ(rec(body.items[0]).value, "a");
  EXPECT_TRUE(std::holds_alternative<item_error>(body.items[1]));
  EXPECT_EQ(rec(body.items[2]).value, "c");
}

TEST(RecordJson, RawBodyIsOneRecord) {
  const std::string raw("\0binary\n{", 9);
  auto body = parse_body("application/octet-stream", raw);
  ASSERT_EQ(body.items.size(), 1u);
  EXPECT_EQ(rec(body.items[0]).value, raw);
  EXPECT_FALSE(rec(body.items[0]).key.has_value());
}

TEST(RecordJson, BodyErrors) {
  EXPECT_FALSE(parse_body("application/json", "[{").error.empty());
  EXPECT_FALSE(parse_body("application/json", "42").error.empty());
  EXPECT_FALSE(parse_body("application/json", "[]").error.empty());
  EXPECT_FALSE(parse_body("application/x-ndjson", "\n \n").error.empty());
  EXPECT_FALSE(parse_body("image/png", "x").error.empty());
}

TEST(RecordJson, RecordErrors) {
  for (const char* bad : {R"("x")", R"({"partition":"1"})", R"({"partition":-2})", R"({"timestamp":-5})",
                          R"({"value":5,"value_encoding":"base64"})", R"({"value":"@@@@","value_encoding":"base64"})",
                          R"({"key_encoding":"hex"})", R"({"headers":"h"})", R"({"headers":[["a",1]]})",
                          R"({"headers":[["a"]]})"}) {
    EXPECT_TRUE(std::holds_alternative<item_error>(parse_record_text(bad))) << bad;
  }
}

TEST(RecordJson, PrintedLineParsesBackToTheSameRecord) {
  printed_record p{"t", 3, 42, 1700000000001, std::nullopt, std::string("\0\xff", 2), {{"h", "v"}}};
  for (auto enc : {encoding::json, encoding::base64}) {
    auto line = to_json_line(p, enc);
    auto back = parse_record_text(line);
    const auto& r = rec(back);
    EXPECT_FALSE(r.key.has_value());
    EXPECT_EQ(r.headers, p.headers);
    if (enc == encoding::base64) {
      EXPECT_EQ(r.value, p.value) << line;
    }
  }
  EXPECT_NE(to_json_line(p).find(R"("offset":42)"), std::string::npos);
  EXPECT_NE(to_json_line(p).find(R"("partition":3)"), std::string::npos);
}

}  // namespace
}  // namespace sd::record_json

namespace sd::record_json {
namespace {

TEST(RecordJsonPrinter, EscapesLikeJsonAndReplacesInvalidUtf8) {
  const std::string tricky = std::string("q\"b\\s\b\f\n\r\t\x01\x1f") + "é€😀 plain";
  printed_record p;
  p.topic = "t\"x";
  p.value = tricky;
  p.key = std::string("\xff\xc0\xaf ok \xed\xa0\x80 \xe2\x82", 14);  // invalid lead, overlong, surrogate, truncated
  p.headers = {{"h\n", "v\x7f"}};
  const auto line = to_json_line(p);
  auto j = nlohmann::json::parse(line);  // throws if the printer wrote invalid JSON
  EXPECT_EQ(j["value"], tricky);
  EXPECT_EQ(j["topic"], "t\"x");
  EXPECT_EQ(j["headers"][0][0], "h\n");
  EXPECT_EQ(j["headers"][0][1], "v\x7f");
  const std::string key = j["key"];
  EXPECT_NE(key.find(" ok "), std::string::npos);
  EXPECT_EQ(key.find('\xff'), std::string::npos);
  EXPECT_NE(key.find("\xef\xbf\xbd"), std::string::npos);
  // The same bytes as nlohmann prints them for valid text (the shape clients already parse).
  nlohmann::json ref{{"headers", nlohmann::json::array()}, {"key", nullptr}, {"offset", 7}, {"partition", 2},
                     {"timestamp", 5}, {"topic", "a"}, {"value", tricky}};
  printed_record q;
  q.topic = "a";
  q.partition = 2;
  q.offset = 7;
  q.timestamp_ms = 5;
  q.value = tricky;
  EXPECT_EQ(to_json_line(q), ref.dump());
}

}  // namespace
}  // namespace sd::record_json
