// GET /v1/history (app/history_routes.h) on a real broker: per-second points appear for the traffic series
// while records are produced (the produce rate reaches what was sent), a group's lag series carries its lag
// per partition, `series=` selects, an unknown series is 400 naming the known ones, and the rings stay within
// streamdown.history.seconds points; streamdown_history_* report the store.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "observability/obs_support.h"
#include "support/broker_process.h"
#include "support/http_client.h"
#include "support/kafka_client.h"
#include "support/process.h"

namespace sd::itest {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

const json* series_named(const json& body, const std::string& name) {
  for (const auto& s : body["series"])
    if (s["name"] == name) return &s;
  return nullptr;
}

TEST(History, SeriesFillPerSecondAndStayBounded) {
  broker_config cfg;
  cfg.sets = {{"streamdown.history.seconds", "4"}};
  broker_process b(cfg);
  b.start();
  create_topic(b.bootstrap(), "hist", 1);
  const int n = 3000;
  std::vector<message_spec> msgs;
  for (int i = 0; i < n; ++i) msgs.push_back({std::nullopt, "r" + std::to_string(i), 0});
  ASSERT_TRUE(produce_and_wait(b.bootstrap(), "hist", msgs).failed.empty());
  // A group with every record still to read.
  command reset;
  temp_dir work("sd-history");
  reset.argv = {streamdown_binary(), "group", "reset-offsets", "behind", "-t", "hist", "--to-earliest", "-b",
                b.bootstrap()};
  reset.stdout_path = work.file("out");
  reset.stderr_path = work.file("err");
  auto e = run_command(reset, 30s);
  ASSERT_TRUE(e.clean()) << e.describe() << read_file(reset.stderr_path);

  // The produce rate: the records arrived after the sampler's first reading (it reads at start-up), so a later
  // point holds a positive rate, no larger than all of them in one interval.
  std::optional<json> body;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  double max_rate = 0;
  double lag = -1;
  while (std::chrono::steady_clock::now() < deadline) {
    body = get_json(b.http_port(), "/v1/history");
    ASSERT_TRUE(body) << "GET /v1/history";
    if (const auto* s = series_named(*body, "produce_records_per_second"))
      for (const auto& p : (*s)["points"]) max_rate = std::max(max_rate, p[1].get<double>());
    lag = -1;
    if (const auto* s = series_named(*body, "group_lag_records")) {
      EXPECT_EQ((*s)["labels"]["group"], "behind");
      EXPECT_EQ((*s)["labels"]["partition"], "0");
      if (!(*s)["points"].empty()) lag = (*s)["points"].back()[1].get<double>();
    }
    if (lag == n) break;
    std::this_thread::sleep_for(500ms);
  }
  EXPECT_EQ(lag, n) << "the group's lag series";
  EXPECT_EQ((*body)["interval_ms"], 1000);
  EXPECT_EQ((*body)["capacity"], 4);
  for (const char* name : {"connections", "memory_in_use_bytes", "memory_budget_bytes", "log_bytes",
                           "disk_free_bytes", "disk_total_bytes", "fetch_records_per_second"})
    EXPECT_TRUE(series_named(*body, name)) << name;

  // After more than the retention, every ring holds at most `capacity` points, one per second.
  std::this_thread::sleep_for(5s);
  body = get_json(b.http_port(), "/v1/history?series=connections,produce_records_per_second");
  ASSERT_TRUE(body);
  ASSERT_EQ((*body)["series"].size(), 2u) << body->dump();
  for (const auto& s : (*body)["series"]) {
    EXPECT_LE(s["points"].size(), 4u) << s["name"];
    EXPECT_GE(s["points"].size(), 3u) << s["name"];
    const auto& pts = s["points"];
    for (std::size_t i = 1; i < pts.size(); ++i) {
      auto gap = pts[i][0].get<std::int64_t>() - pts[i - 1][0].get<std::int64_t>();
      EXPECT_GE(gap, 500) << "one point per interval";
      EXPECT_LE(gap, 3000);
    }
  }
  EXPECT_GT(max_rate, 0) << "the produce rate rose while records arrived";
  EXPECT_LE(max_rate, n * 2.0) << "no more than every record within half an interval";

  auto bad = get_json(b.http_port(), "/v1/history?series=nonsense", 400);
  ASSERT_TRUE(bad) << "an unknown series is 400";
  EXPECT_NE((*bad)["error"].get<std::string>().find("nonsense"), std::string::npos);
  EXPECT_GE((*bad)["series"].size(), 10u) << "the known series are listed";

  auto metrics = http_get(b.http_port(), "/metrics");
  EXPECT_NE(metrics.body.find("streamdown_history_series "), std::string::npos);
  EXPECT_NE(metrics.body.find("streamdown_history_points "), std::string::npos);
  b.stop();
}

}  // namespace
}  // namespace sd::itest
