// kafkajs 2.2.4 consumer group of three members (js/group3.js) against the real broker.
#include <gtest/gtest.h>

#include <filesystem>

#include "groups/group_support.h"

namespace sd::itest::groups {
namespace {

using namespace std::chrono_literals;

TEST(KafkaJsGroup, ThreeMembersRoundRobinConsumeEverythingOnce) {
  std::string node = node_binary();
  ASSERT_FALSE(node.empty()) << "node not found: run scripts/setup";
  ASSERT_TRUE(std::filesystem::exists(js_dir() + "/node_modules/kafkajs/package.json"))
      << "kafkajs is not installed in " << js_dir() << ": run scripts/setup";
  broker_process broker(group_broker_config());
  broker.start();
  temp_dir out("sd-kafkajs-group");
  command cmd;
  cmd.argv = {node, js_dir() + "/group3.js", broker.bootstrap()};
  cmd.env = {{"SD_JS_COUNT", std::to_string(scaled(3000, 60000))}, {"SD_JS_TIMEOUT_MS", "170000"}};
  cmd.stdout_path = out.file("stdout");
  cmd.stderr_path = out.file("stderr");
  exit_info e = run_command(cmd, 200s);
  std::string text = read_file(cmd.stdout_path) + read_file(cmd.stderr_path);
  EXPECT_TRUE(e.clean()) << e.describe() << "\n" << tail(text) << "\n" << broker.diagnostics();
  EXPECT_NE(text.find("OK"), std::string::npos) << tail(text);
  broker.stop();
}

}  // namespace
}  // namespace sd::itest::groups
