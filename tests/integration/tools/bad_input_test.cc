// Bad input to the tools: clear messages and non-zero exits, never a hang.
#include <gtest/gtest.h>

#include <algorithm>

#include "support/kafka_client.h"
#include "tools/tools_support.h"

namespace sd::itest {
namespace {

using namespace std::chrono_literals;

class tools_bad_input : public ::testing::Test {
 protected:
  void SetUp() override { broker.start(); }
  void TearDown() override {
    if (broker.running()) {
      EXPECT_NO_THROW(broker.stop()) << broker.diagnostics();
    }
  }
  tool_run tool(std::vector<std::string> args, const std::string& in = "") {
    args.insert(args.end(), {"-b", broker.bootstrap()});
    if (std::find(args.begin(), args.end(), "--timeout") == args.end()) args.insert(args.end(), {"--timeout", "5s"});
    return run_tool(dir, args, in, 60s);
  }
  broker_process broker;
  temp_dir dir{"sd-tools-bad"};
};

TEST_F(tools_bad_input, unknown_topic) {
  for (std::vector<std::string> args : {std::vector<std::string>{"produce", "-t", "nope"},
                                        {"consume", "-t", "nope", "--exit-at-end"},
                                        {"topic", "describe", "nope"},
                                        {"topic", "delete", "nope"},
                                        {"topic", "alter", "nope", "--partitions", "3"}}) {
    auto r = tool(args, "x\n");
    EXPECT_EQ(r.exit.code, 1) << r.describe();
    EXPECT_NE(r.err.find("topic 'nope' does not exist"), std::string::npos) << r.describe();
  }
  // Nothing was auto-created by the attempts.
  auto list = tool({"topic", "list"});
  EXPECT_EQ(list.out.find("nope"), std::string::npos) << list.out;
}

TEST_F(tools_bad_input, unreachable_broker) {
  const auto port = closed_port();
  const std::string addr = "127.0.0.1:" + std::to_string(port);
  for (std::vector<std::string> args : {std::vector<std::string>{"topic", "list"},
                                        {"produce", "-t", "t"},
                                        {"consume", "-t", "t"},
                                        {"group", "list"}}) {
    args.insert(args.end(), {"-b", addr, "--timeout", "1s"});
    auto r = run_tool(dir, args, "x\n", 60s);
    ASSERT_FALSE(r.exit.timed_out) << "hung: " << quote_argv(args);
    EXPECT_EQ(r.exit.code, 1) << r.describe();
    const bool says_why = r.err.find("refused") != std::string::npos || r.err.find("timed out") != std::string::npos ||
                          r.err.find("Timed out") != std::string::npos;
    EXPECT_TRUE(says_why) << r.describe();
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one clear line: " << r.err;
  }
}

TEST_F(tools_bad_input, malformed_settings_and_flags) {
  create_topic(broker.bootstrap(), "ok", 1);
  struct bad_case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<bad_case> cases = {
      {{"topic", "list", "-X", "no-equals-sign"}, "malformed -X 'no-equals-sign'"},
      {{"topic", "list", "-X", "=value"}, "malformed -X '=value'"},
      {{"topic", "list", "-X", "not.a.real.setting=1"}, "not.a.real.setting"},
      {{"topic", "list", "-X", "socket.timeout.ms=banana"}, "socket.timeout.ms"},
      {{"topic", "list", "--timeout", "soon"}, "--timeout 'soon'"},
      {{"consume", "-t", "ok", "--backoff", "5s:1s"}, "--backoff '5s:1s'"},
      {{"consume", "-t", "ok", "--max-attempts", "0"}, "--max-attempts"},
      {{"consume", "-t", "ok", "--format", "xml"}, "--format 'xml'"},
      {{"consume", "-t", "ok", "--dlq-topic", "d"}, "need --exec"},
      {{"produce", "-t", "ok", "--format", "csv"}, "--format 'csv'"},
      {{"produce", "-t", "ok", "--acks", "2"}, "--acks '2'"},
      {{"produce", "-t", "ok", "-H", "novalue"}, "malformed --header 'novalue'"},
  };
  for (const auto& c : cases) {
    auto r = tool(c.args);
    EXPECT_EQ(r.exit.code, 2) << quote_argv(c.args) << "\n" << r.describe();
    EXPECT_NE(r.err.find(c.message), std::string::npos) << quote_argv(c.args) << "\n" << r.err;
  }
  // CLI11 itself rejects unknown flags and missing required ones (non-zero, with usage).
  auto unknown = tool({"produce", "-t", "ok", "--no-such-flag"});
  EXPECT_NE(unknown.exit.code, 0);
  auto missing = run_tool(dir, {"consume"}, "", 30s);
  EXPECT_NE(missing.exit.code, 0);
  EXPECT_NE(missing.err.find("topic"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace sd::itest
