// kafkajs 2.2.4 (pinned in js/package.json, installed by scripts/setup) against the real broker, driven with
// node. AdminProduceFetchWithoutGroups needs no consumer group; ConsumerGroupFromBeginning needs the group
// coordinator (kafkajs has no group-less consumer) and fails until groups exist in the broker.
#include <gtest/gtest.h>

#include <filesystem>

#include "support/broker_process.h"

namespace sd::itest {
namespace {

using namespace std::chrono_literals;

void run_script(const std::string& script, int count) {
  std::string node = node_binary();
  ASSERT_FALSE(node.empty()) << "node not found: run scripts/setup";
  ASSERT_TRUE(std::filesystem::exists(js_dir() + "/node_modules/kafkajs/package.json"))
      << "kafkajs is not installed in " << js_dir() << ": run scripts/setup";
  broker_process broker;
  broker.start();
  temp_dir out("sd-kafkajs");
  command cmd;
  cmd.argv = {node, js_dir() + "/" + script, broker.bootstrap()};
  cmd.env = {{"SD_JS_COUNT", std::to_string(count)}, {"SD_JS_TIMEOUT_MS", "150000"}};
  cmd.stdout_path = out.file("stdout");
  cmd.stderr_path = out.file("stderr");
  exit_info e = run_command(cmd, 180s);
  std::string text = read_file(cmd.stdout_path) + read_file(cmd.stderr_path);
  EXPECT_TRUE(e.clean()) << script << ": " << e.describe() << "\n" << tail(text) << "\n" << broker.diagnostics();
  EXPECT_NE(text.find("OK"), std::string::npos) << tail(text);
  EXPECT_TRUE(broker.running());
  broker.stop();
}

TEST(KafkaJs, AdminProduceFetchWithoutGroups) { run_script("basic.js", scaled(3000, 50000)); }

TEST(KafkaJs, ConsumerGroupFromBeginning) { run_script("group.js", scaled(1000, 20000)); }

// DescribeConfigs in the requested order; validateOnly on CreateTopics, CreatePartitions and AlterConfigs.
TEST(KafkaJs, AdminConfigsOrderAndValidateOnly) { run_script("admin_configs.js", 0); }

// Topics the broker recompresses (gzip <-> uncompressed) and a LogAppendTime topic, read by a kafkajs consumer.
TEST(KafkaJs, BrokerCodecsAndLogAppendTime) { run_script("codecs.js", 0); }

// Transactions (send + sendOffsets, commit and abort), read_committed consumption and fencing (transactions.js).
TEST(KafkaJs, TransactionsCommitAbortAndFencing) { run_script("transactions.js", 0); }

}  // namespace
}  // namespace sd::itest
