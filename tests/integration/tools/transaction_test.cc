// `streamdown consume --exec CMD --transactional-output TOPIC` end to end (outputs keyed like their inputs,
// offsets committed with them, a failing command's record in the dead-letter topic inside the transaction)
// and `streamdown transaction list|describe` on the transactional id it used.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "support/kafka_client.h"
#include "tools/tools_support.h"

namespace sd::itest {
namespace {

using namespace std::chrono_literals;

TEST(ToolsTransactions, TransactionalOutputThenListAndDescribe) {
  broker_config cfg;
  cfg.sets = {{"group.initial.rebalance.delay.ms", "0"}};
  broker_process broker(cfg);
  broker.start();
  temp_dir dir("sd-tools-txn");
  const auto b = broker.bootstrap();
  for (const char* t : {"tin", "tout"}) {
    auto r = run_tool(dir, {"topic", "create", t, "--partitions", "2", "-b", b});
    ASSERT_TRUE(r.exit.clean()) << r.describe();
  }
  std::string input;
  for (int i = 0; i < 50; ++i) input += "k" + std::to_string(i % 5) + ":value-" + std::to_string(i) + "\n";
  auto produced = run_tool(dir, {"produce", "-t", "tin", "-K", ":", "-b", b}, input);
  ASSERT_TRUE(produced.exit.clean()) << produced.describe();

  auto pipe = run_tool(dir, {"consume", "-t", "tin", "-g", "tg", "--from-beginning", "--exit-at-end", "--exec",
                             "tr a-z A-Z", "--transactional-output", "tout", "--transaction-records", "7", "-b", b},
                       "", 120s);
  ASSERT_TRUE(pipe.exit.clean()) << pipe.describe();
  auto out = run_tool(dir, {"consume", "-t", "tout", "--offset", "beginning", "--exit-at-end", "--format", "kv",
                            "--key-separator", ":", "-b", b});
  ASSERT_TRUE(out.exit.clean()) << out.describe();
  auto got = split_lines(out.out);
  ASSERT_EQ(got.size(), 50u) << out.out;
  std::set<std::string> values(got.begin(), got.end());
  for (int i = 0; i < 50; ++i)
    EXPECT_TRUE(values.count("k" + std::to_string(i % 5) + ":VALUE-" + std::to_string(i))) << i;
  auto committed = committed_offsets(b, "tg", "tin", 2);
  EXPECT_EQ(committed[0] + committed[1], 50);

  // The transactional id the tool used (default streamdown-<group>-<output>).
  auto list = run_tool(dir, {"transaction", "list", "-b", b});
  ASSERT_TRUE(list.exit.clean()) << list.describe();
  EXPECT_NE(list.out.find("streamdown-tg-tout\t"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("\tCompleteCommit"), std::string::npos) << list.out;
  auto filtered = run_tool(dir, {"transaction", "list", "--state", "Ongoing", "-b", b});
  ASSERT_TRUE(filtered.exit.clean()) << filtered.describe();
  EXPECT_EQ(filtered.out, "");
  auto described = run_tool(dir, {"transaction", "describe", "streamdown-tg-tout", "--json", "-b", b});
  ASSERT_TRUE(described.exit.clean()) << described.describe();
  auto j = nlohmann::json::parse(described.out);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["state"], "CompleteCommit");
  EXPECT_FALSE(j[0]["partitions"].empty());
  EXPECT_EQ(j[0]["producer_epoch"], 0);
  auto unknown = run_tool(dir, {"transaction", "describe", "nobody", "-b", b});
  EXPECT_EQ(unknown.exit.code, 1) << unknown.describe();
  EXPECT_NE(unknown.err.find("not found"), std::string::npos) << unknown.err;

  // A command that always fails: each record goes to the dead-letter topic in its transaction, no output.
  auto failing = run_tool(dir, {"consume", "-t", "tin", "-g", "tg2", "--from-beginning", "--exit-at-end", "--exec",
                                "exit 3", "--max-attempts", "2", "--backoff", "10ms", "--transactional-output", "tout",
                                "-b", b},
                          "", 120s);
  ASSERT_TRUE(failing.exit.clean()) << failing.describe();
  auto dlq = run_tool(dir, {"consume", "-t", "tin.dlq", "--offset", "beginning", "--exit-at-end", "-b", b});
  ASSERT_TRUE(dlq.exit.clean()) << dlq.describe();
  EXPECT_EQ(split_lines(dlq.out).size(), 50u);
  auto again = run_tool(dir, {"consume", "-t", "tout", "--offset", "beginning", "--exit-at-end", "-b", b});
  EXPECT_EQ(split_lines(again.out).size(), 50u);  // unchanged
}

}  // namespace
}  // namespace sd::itest
