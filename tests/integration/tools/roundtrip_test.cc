// Records produced with `streamdown produce` come back unchanged from `streamdown consume` (keys, values,
// headers), and keyed records land in the partition Kafka's murmur2 partitioner picks.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "client/murmur2.h"
#include "support/kafka_client.h"
#include "tools/tools_support.h"

namespace sd::itest {
namespace {

class tools_roundtrip : public ::testing::Test {
 protected:
  void SetUp() override { broker.start(); }
  void TearDown() override {
    if (broker.running()) {
      EXPECT_NO_THROW(broker.stop()) << broker.diagnostics();
    }
  }
  tool_run tool(std::vector<std::string> args, const std::string& in = "") {
    args.insert(args.end(), {"-b", broker.bootstrap(), "--timeout", "10s"});
    return run_tool(dir, args, in);
  }
  std::vector<nlohmann::json> consume_all(const std::string& topic) {
    auto r = tool({"consume", "-t", topic, "--from-beginning", "--exit-at-end", "--json"});
    EXPECT_TRUE(r.exit.clean()) << r.describe();
    std::vector<nlohmann::json> out;
    for (const auto& line : split_lines(r.out)) out.push_back(nlohmann::json::parse(line));
    return out;
  }
  broker_process broker;
  temp_dir dir{"sd-tools-rt"};
};

TEST_F(tools_roundtrip, lines_with_keys_and_headers) {
  const int partitions = 4;
  create_topic(broker.bootstrap(), "rt", partitions);
  const int n = scaled(3000, 50000);  // several consume batches (500) per partition
  std::string input;
  std::map<std::string, std::pair<std::string, std::string>> expected;  // value -> {key, value}
  for (int i = 0; i < n; ++i) {
    const std::string key = "user-" + std::to_string(i % 37);
    const std::string value = "event " + std::to_string(i) + " with: colons";
    input += key + ":" + value + "\n";
    expected[value] = {key, value};
  }
  input += "no separator here\n";
  auto produced = tool({"produce", "-t", "rt", "-K", ":", "-H", "source=test", "-H", "run=1"}, input);
  ASSERT_TRUE(produced.exit.clean()) << produced.describe();

  auto records = consume_all("rt");
  ASSERT_EQ(records.size(), static_cast<std::size_t>(n + 1));
  std::map<std::string, std::int64_t> last_offset_of_key;
  int unkeyed = 0;
  for (const auto& r : records) {
    ASSERT_EQ(r["headers"], nlohmann::json::parse(R"([["source","test"],["run","1"]])")) << r.dump();
    if (r["key"].is_null()) {
      EXPECT_EQ(r["value"], "no separator here");
      ++unkeyed;
      continue;
    }
    const auto value = r["value"].get<std::string>();
    auto it = expected.find(value);
    ASSERT_NE(it, expected.end()) << r.dump();
    EXPECT_EQ(r["key"], it->second.first);
    const auto key = r["key"].get<std::string>();
    EXPECT_EQ(r["partition"].get<int>(), sd::client::murmur2_partition(key, partitions)) << key;
    expected.erase(it);
  }
  EXPECT_EQ(unkeyed, 1);
  EXPECT_TRUE(expected.empty());
}

TEST_F(tools_roundtrip, json_and_length_delimited_inputs) {
  create_topic(broker.bootstrap(), "js", 1);
  const std::string json_in =
      R"({"key":"k1","value":"v1","headers":{"h":"x"}})" "\n"
      R"({"key":null,"value":"multi\nline"})" "\n"
      R"({"key":"k3","value":"v3","headers":[["a","1"],["a","2"]]})" "\n";
  auto produced = tool({"produce", "-t", "js", "--format", "json", "-z", "zstd"}, json_in);
  ASSERT_TRUE(produced.exit.clean()) << produced.describe();
  auto records = consume_all("js");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0]["key"], "k1");
  EXPECT_EQ(records[0]["headers"], nlohmann::json::parse(R"([["h","x"]])"));
  EXPECT_TRUE(records[1]["key"].is_null());
  EXPECT_EQ(records[1]["value"], "multi\nline");
  EXPECT_EQ(records[2]["headers"], nlohmann::json::parse(R"([["a","1"],["a","2"]])"));

  create_topic(broker.bootstrap(), "bin", 1);
  auto frame = [](const std::string& s) {
    const auto n = static_cast<std::uint32_t>(s.size());
    return std::string{char(n >> 24), char(n >> 16), char(n >> 8), char(n)} + s;
  };
  const std::string with_newline = "line1\nline2";
  auto len = tool({"produce", "-t", "bin", "--format", "len32", "-K", "|", "--acks", "1"},
                  frame("key|" + with_newline) + frame("plain"));
  ASSERT_TRUE(len.exit.clean()) << len.describe();
  auto kv = tool({"consume", "-t", "bin", "--from-beginning", "--exit-at-end", "--format", "kv",
                  "--key-separator", "="});
  ASSERT_TRUE(kv.exit.clean()) << kv.describe();
  EXPECT_EQ(kv.out, "key=line1\nline2\n=plain\n");

  // A truncated length-delimited input: what was read is sent, the exit is non-zero with a count.
  auto truncated = tool({"produce", "-t", "bin", "--format", "len32"}, frame("ok") + std::string("\0\0\0\x09" "abc", 7));
  EXPECT_EQ(truncated.exit.code, 1) << truncated.describe();
  EXPECT_NE(truncated.err.find("record 2"), std::string::npos) << truncated.err;
}

TEST_F(tools_roundtrip, fixed_offsets_and_partitions) {
  create_topic(broker.bootstrap(), "fx", 2);
  std::string input;
  for (int i = 0; i < 10; ++i) input += "v" + std::to_string(i) + "\n";
  ASSERT_TRUE(tool({"produce", "-t", "fx", "-p", "1"}, input).exit.clean());
  auto from5 = tool({"consume", "-t", "fx", "-p", "1", "-o", "5", "--exit-at-end"});
  ASSERT_TRUE(from5.exit.clean()) << from5.describe();
  EXPECT_EQ(from5.out, "v5\nv6\nv7\nv8\nv9\n");
  auto counted = tool({"consume", "-t", "fx", "-p", "1", "-o", "beginning", "-c", "3"});
  ASSERT_TRUE(counted.exit.clean()) << counted.describe();
  EXPECT_EQ(counted.out, "v0\nv1\nv2\n");
  auto empty = tool({"consume", "-t", "fx", "-p", "0", "--from-beginning", "--exit-at-end"});
  ASSERT_TRUE(empty.exit.clean()) << empty.describe();
  EXPECT_EQ(empty.out, "");
}

}  // namespace
}  // namespace sd::itest
