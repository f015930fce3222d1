// `streamdown topic create|list|describe|alter|delete` against the real broker.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/kafka_client.h"
#include "tools/tools_support.h"

namespace sd::itest {
namespace {

class tools_topic : public ::testing::Test {
 protected:
  void SetUp() override { broker.start(); }
  void TearDown() override {
    if (broker.running()) {
      EXPECT_NO_THROW(broker.stop()) << broker.diagnostics();
    }
  }
  tool_run tool(std::vector<std::string> args) {
    args.insert(args.end(), {"-b", broker.bootstrap(), "--timeout", "10s"});
    return run_tool(dir, args);
  }
  broker_process broker;
  temp_dir dir{"sd-tools-topic"};
};

TEST_F(tools_topic, create_list_describe_alter_delete) {
  auto created = tool({"topic", "create", "orders", "--partitions", "3", "--retention", "1h", "-c",
                       "segment.bytes=1048576"});
  ASSERT_TRUE(created.exit.clean()) << created.describe();
  EXPECT_EQ(partition_count(broker.bootstrap(), "orders"), 3);

  auto list = tool({"topic", "list", "--json"});
  ASSERT_TRUE(list.exit.clean()) << list.describe();
  auto topics = nlohmann::json::parse(list.out);
  bool found = false;
  for (const auto& t : topics)
    if (t["name"] == "orders") found = (t["partitions"] == 3);
  EXPECT_TRUE(found) << list.out;

  auto described = tool({"topic", "describe", "orders", "--json"});
  ASSERT_TRUE(described.exit.clean()) << described.describe();
  auto d = nlohmann::json::parse(described.out);
  ASSERT_EQ(d["partitions"].size(), 3u);
  EXPECT_EQ(d["partitions"][2]["partition"], 2);
  EXPECT_EQ(d["partitions"][0]["end_offset"], 0);
  EXPECT_EQ(d["configs"]["retention.ms"]["value"], "3600000") << described.out;
  EXPECT_EQ(d["configs"]["segment.bytes"]["value"], "1048576") << described.out;

  auto altered = tool({"topic", "alter", "orders", "--partitions", "5", "--retention", "2h"});
  ASSERT_TRUE(altered.exit.clean()) << altered.describe();
  EXPECT_EQ(partition_count(broker.bootstrap(), "orders"), 5);
  auto after = nlohmann::json::parse(tool({"topic", "describe", "orders", "--json"}).out);
  EXPECT_EQ(after["partitions"].size(), 5u);
  EXPECT_EQ(after["configs"]["retention.ms"]["value"], "7200000");
  // AlterConfigs replaces the whole set: the tool re-sends the other overrides, so they survive.
  EXPECT_EQ(after["configs"]["segment.bytes"]["value"], "1048576") << after.dump();

  auto shrink = tool({"topic", "alter", "orders", "--partitions", "2"});
  EXPECT_EQ(shrink.exit.code, 2) << shrink.describe();
  EXPECT_NE(shrink.err.find("only be added"), std::string::npos) << shrink.err;

  auto table = tool({"topic", "describe", "orders"});
  ASSERT_TRUE(table.exit.clean()) << table.describe();
  EXPECT_NE(table.out.find("PARTITION"), std::string::npos);

  auto deleted = tool({"topic", "delete", "orders"});
  ASSERT_TRUE(deleted.exit.clean()) << deleted.describe();
  auto gone = tool({"topic", "describe", "orders"});
  EXPECT_EQ(gone.exit.code, 1) << gone.describe();
  EXPECT_NE(gone.err.find("topic 'orders' does not exist"), std::string::npos) << gone.err;
}

TEST_F(tools_topic, create_twice_and_bad_values_fail_clearly) {
  ASSERT_TRUE(tool({"topic", "create", "t1", "--partitions", "1"}).exit.clean());
  auto again = tool({"topic", "create", "t1", "--partitions", "1"});
  EXPECT_EQ(again.exit.code, 1) << again.describe();
  EXPECT_NE(again.err.find("t1"), std::string::npos) << again.err;
  auto zero = tool({"topic", "create", "t2", "--partitions", "0"});
  EXPECT_EQ(zero.exit.code, 2) << zero.describe();
  auto bad_retention = tool({"topic", "create", "t3", "--retention", "soon"});
  EXPECT_EQ(bad_retention.exit.code, 2) << bad_retention.describe();
  EXPECT_NE(bad_retention.err.find("--retention"), std::string::npos);
  auto bad_config = tool({"topic", "create", "t4", "-c", "retention.ms"});
  EXPECT_EQ(bad_config.exit.code, 2) << bad_config.describe();
  EXPECT_NE(bad_config.err.find("malformed --config"), std::string::npos) << bad_config.err;
  auto nothing = tool({"topic", "alter", "t1"});
  EXPECT_EQ(nothing.exit.code, 2) << nothing.describe();
}

}  // namespace
}  // namespace sd::itest
