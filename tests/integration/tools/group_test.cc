// `streamdown group list|describe|reset-offsets|delete`, and `group describe`'s lag checked against the
// broker: its lag metric when it exports one, else its committed offsets (OffsetFetch through librdkafka) and
// end offsets (ListOffsets).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "support/kafka_client.h"
#include "tools/tools_support.h"

namespace sd::itest {
namespace {

class tools_group : public ::testing::Test {
 protected:
  void SetUp() override {
    broker.start();
    if (!broker_has_groups(broker)) GTEST_SKIP() << "broker does not advertise consumer-group APIs (JoinGroup)";
  }
  void TearDown() override {
    if (broker.running()) {
      EXPECT_NO_THROW(broker.stop()) << broker.diagnostics();
    }
  }
  tool_run tool(std::vector<std::string> args, const std::string& in = "") {
    args.insert(args.end(), {"-b", broker.bootstrap(), "--timeout", "10s"});
    return run_tool(dir, args, in);
  }
  nlohmann::json describe(const std::string& group) {
    auto r = tool({"group", "describe", group, "--json"});
    EXPECT_TRUE(r.exit.clean()) << r.describe();
    return r.exit.clean() ? nlohmann::json::parse(r.out) : nlohmann::json::object();
  }
  broker_process broker;
  temp_dir dir{"sd-tools-group"};
};

// Per-partition lag in records from the broker's /metrics (streamdown_group_lag_records, labelled by
// group/topic/partition; streamdown_group_lag_seconds is another unit and must not match).
std::optional<std::map<int, std::int64_t>> metric_lag(const broker_process& b, const std::string& group,
                                                      const std::string& topic) {
  auto body = http_get(b.http_port(), "/metrics");
  if (!body) return std::nullopt;
  std::map<int, std::int64_t> out;
  const std::regex line(R"(^streamdown_group_lag_records\{([^}]*)\}\s+(\d+)\s*$)");
  for (const auto& l : split_lines(*body)) {
    std::smatch m;
    if (!std::regex_search(l, m, line)) continue;
    const std::string labels = m[1];
    if (labels.find("group=\"" + group + "\"") == std::string::npos ||
        labels.find("topic=\"" + topic + "\"") == std::string::npos)
      continue;
    std::smatch pm;
    if (std::regex_search(labels, pm, std::regex(R"(partition="(\d+)\")"))) out[std::stoi(pm[1])] = std::stoll(m[2]);
  }
  if (out.empty()) return std::nullopt;
  return out;
}

TEST_F(tools_group, describe_lag_matches_broker_then_reset_and_delete) {
  create_topic(broker.bootstrap(), "lagged", 2);
  std::string in;
  for (int i = 0; i < 40; ++i) in += "k" + std::to_string(i) + ":v\n";
  ASSERT_TRUE(tool({"produce", "-t", "lagged", "-K", ":"}, in).exit.clean());
  // Consume (and commit) 15 of the 40 records.
  auto part = tool({"consume", "-t", "lagged", "-g", "g1", "--from-beginning", "-c", "15"});
  ASSERT_TRUE(part.exit.clean()) << part.describe();

  auto list = tool({"group", "list", "--json"});
  ASSERT_TRUE(list.exit.clean()) << list.describe();
  EXPECT_NE(list.out.find("\"g1\""), std::string::npos) << list.out;

  auto d = describe("g1");
  ASSERT_EQ(d["partitions"].size(), 2u) << d.dump();
  const auto committed = committed_offsets(broker.bootstrap(), "g1", "lagged", 2);
  const auto hw = high_watermarks(broker.bootstrap(), "lagged", 2);
  auto metrics = metric_lag(broker, "g1", "lagged");
  std::int64_t total = 0;
  for (const auto& p : d["partitions"]) {
    const int id = p["partition"];
    ASSERT_TRUE(p["lag"].is_number_integer()) << p.dump();
    EXPECT_EQ(p["end_offset"].get<std::int64_t>(), hw[id]);
    if (committed[id] >= 0) {
      EXPECT_EQ(p["committed_offset"].get<std::int64_t>(), committed[id]);
      EXPECT_EQ(p["lag"].get<std::int64_t>(), hw[id] - committed[id]);
    } else {
      EXPECT_TRUE(p["committed_offset"].is_null());
      EXPECT_EQ(p["lag"].get<std::int64_t>(), hw[id]);
    }
    if (metrics && metrics->count(id)) {
      EXPECT_EQ(p["lag"].get<std::int64_t>(), metrics->at(id)) << "metric";
    }
    total += p["lag"].get<std::int64_t>();
  }
  EXPECT_EQ(d["total_lag"].get<std::int64_t>(), total);
  EXPECT_EQ(total, 40 - 15);
  EXPECT_TRUE(metrics.has_value()) << "no streamdown_group_lag_records series for g1 at /metrics";

  auto table = tool({"group", "describe", "g1"});
  ASSERT_TRUE(table.exit.clean());
  EXPECT_NE(table.out.find("total lag 25"), std::string::npos) << table.out;

  auto dry = tool({"group", "reset-offsets", "g1", "-t", "lagged", "--to-earliest", "--dry-run"});
  ASSERT_TRUE(dry.exit.clean()) << dry.describe();
  EXPECT_EQ(committed_offsets(broker.bootstrap(), "g1", "lagged", 2), committed);
  auto reset = tool({"group", "reset-offsets", "g1", "-t", "lagged", "--to-earliest"});
  ASSERT_TRUE(reset.exit.clean()) << reset.describe();
  EXPECT_EQ(committed_offsets(broker.bootstrap(), "g1", "lagged", 2), (std::vector<std::int64_t>{0, 0}));
  EXPECT_EQ(describe("g1")["total_lag"], 40);
  auto latest = tool({"group", "reset-offsets", "g1", "-t", "lagged", "-p", "1", "--to-latest"});
  ASSERT_TRUE(latest.exit.clean()) << latest.describe();
  EXPECT_EQ(committed_offsets(broker.bootstrap(), "g1", "lagged", 2), (std::vector<std::int64_t>{0, hw[1]}));
  auto no_mode = tool({"group", "reset-offsets", "g1", "-t", "lagged"});
  EXPECT_EQ(no_mode.exit.code, 2) << no_mode.describe();

  auto del = tool({"group", "delete", "g1"});
  ASSERT_TRUE(del.exit.clean()) << del.describe();
  auto after = tool({"group", "list", "--json"});
  EXPECT_EQ(after.out.find("\"g1\""), std::string::npos) << after.out;
  auto gone = tool({"group", "describe", "g1"});
  EXPECT_NE(gone.exit.code, 0) << gone.describe();
}

}  // namespace
}  // namespace sd::itest
