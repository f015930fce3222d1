#include "client/record_reader.h"

#include <gtest/gtest.h>

#include <sstream>

namespace sd::client {
namespace {

std::vector<input_record> read_all(const std::string& text, input_format f, std::optional<std::string> sep = {}) {
  std::istringstream in(text);
  record_reader r(in, f, std::move(sep));
  std::vector<input_record> out;
  while (true) {
    auto rec = r.next();
    EXPECT_TRUE(rec) << rec.error().message();
    if (!rec || !*rec) break;
    out.push_back(std::move(**rec));
  }
  return out;
}

std::string len32(const std::string& s) {
  const auto n = static_cast<std::uint32_t>(s.size());
  std::string out{char(n >> 24), char(n >> 16), char(n >> 8), char(n)};
  return out + s;
}

TEST(split_key, first_separator_wins) {
  auto [k, v] = split_key("a::b::c", "::");
  EXPECT_EQ(k, "a");
  EXPECT_EQ(v, "b::c");
  auto [k2, v2] = split_key(":v", ":");
  EXPECT_EQ(k2, "");  // an empty key, not a null one
  EXPECT_EQ(v2, "v");
  auto [k3, v3] = split_key("no separator", ":");
  EXPECT_FALSE(k3.has_value());
  EXPECT_EQ(v3, "no separator");
}

TEST(record_reader, lines_keep_empty_lines_and_last_line_without_newline) {
  auto recs = read_all("one\n\nthree", input_format::lines);
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].value, "one");
  EXPECT_EQ(recs[1].value, "");
  EXPECT_EQ(recs[2].value, "three");
  EXPECT_FALSE(recs[0].key.has_value());
  EXPECT_TRUE(read_all("", input_format::lines).empty());
}

TEST(record_reader, lines_with_key_separator) {
  auto recs = read_all("k1\tv1\nnokey\nk2\tv\t2\n", input_format::lines, "\t");
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].key, "k1");
  EXPECT_EQ(recs[0].value, "v1");
  EXPECT_FALSE(recs[1].key.has_value());
  EXPECT_EQ(recs[1].value, "nokey");
  EXPECT_EQ(recs[2].key, "k2");
  EXPECT_EQ(recs[2].value, "v\t2");
}

TEST(record_reader, len32_carries_binary_and_newlines) {
  const std::string binary("a\nb\0c", 5);
  auto recs = read_all(len32(binary) + len32("") + len32("k=v"), input_format::len32, "=");
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].value, binary);
  EXPECT_EQ(recs[1].value, "");
  EXPECT_EQ(recs[2].key, "k");
  EXPECT_EQ(recs[2].value, "v");
}

TEST(record_reader, len32_truncated_prefix_or_body_fails) {
  for (const std::string& bad : {std::string("\0\0", 2), len32("hello").substr(0, 7)}) {
    std::istringstream in(len32("ok") + bad);
    record_reader r(in, input_format::len32, std::nullopt);
    auto first = r.next();
    ASSERT_TRUE(first && *first);
    auto second = r.next();
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error(), errc::truncated_record);
    EXPECT_EQ(r.records_read(), 1u);
  }
}

TEST(record_reader, len32_rejects_oversized_length) {
  std::istringstream in(std::string("\x7f\xff\xff\xff", 4));
  record_reader r(in, input_format::len32, std::nullopt, 1024);
  auto rec = r.next();
  ASSERT_FALSE(rec);
  EXPECT_EQ(rec.error(), errc::record_too_large);
  std::istringstream neg(std::string("\xff\xff\xff\xff", 4));
  record_reader r2(neg, input_format::len32, std::nullopt);
  EXPECT_EQ(r2.next().error(), errc::record_too_large);
}

TEST(record_reader, json_records) {
  auto recs = read_all(
      "{\"key\":\"k\",\"value\":\"v\",\"headers\":{\"h\":\"1\"}}\n"
      "{\"value\":null}\n"
      "{\"key\":null,\"value\":\"x\",\"headers\":[[\"a\",\"1\"],[\"a\",\"2\"]]}\n",
      input_format::json);
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].key, "k");
  EXPECT_EQ(recs[0].value, "v");
  ASSERT_EQ(recs[0].headers.size(), 1u);
  EXPECT_EQ(recs[0].headers[0], (std::pair<std::string, std::string>{"h", "1"}));
  EXPECT_FALSE(recs[1].value.has_value());
  ASSERT_EQ(recs[2].headers.size(), 2u);  // repeated header names survive
  EXPECT_EQ(recs[2].headers[1].second, "2");
}

TEST(record_reader, json_rejects_malformed) {
  for (const char* bad : {"not json", "[]", "\"v\"", "{\"value\":\"v\",\"headers\":\"x\"}",
                          "{\"value\":\"v\",\"headers\":[[\"a\"]]}", "{\"value\":\"v\",\"headers\":{\"a\":1}}",
                          "{\"value\":\"!!\",\"value_encoding\":\"base64\"}", "{\"value\":\"v\",\"value_encoding\":\"hex\"}"}) {
    auto r = parse_json_record(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error(), errc::malformed_json_record) << bad;
  }
}

TEST(record_reader, json_uses_the_shared_record_schema) {
  auto recs = read_all(
      "{}\n"
      "{\"key\":2,\"value\":{\"t\":21.5}}\n"
      "{\"value\":\"AAEC\",\"value_encoding\":\"base64\"}\n",
      input_format::json);
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_FALSE(recs[0].key.has_value());  // absent is null
  EXPECT_FALSE(recs[0].value.has_value());
  EXPECT_EQ(recs[1].key, "2");  // non-string JSON is its compact text
  EXPECT_EQ(recs[1].value, "{\"t\":21.5}");
  EXPECT_EQ(recs[2].value, std::string("\0\1\2", 3));
}

TEST(input_format, names) {
  EXPECT_EQ(parse_input_format("lines"), input_format::lines);
  EXPECT_EQ(parse_input_format("len32"), input_format::len32);
  EXPECT_EQ(parse_input_format("length-delimited"), input_format::len32);
  EXPECT_EQ(parse_input_format("json"), input_format::json);
  EXPECT_FALSE(parse_input_format("csv").has_value());
}

}  // namespace
}  // namespace sd::client
