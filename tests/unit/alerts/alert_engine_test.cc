// The alert state machine driven by a fake clock: inactive -> pending -> firing -> inactive, for_seconds,
// filters, each kind's value, no-data, the error-rate window, and the metrics section.
#include <gtest/gtest.h>

#include <cmath>

#include "alerts/alert_metrics.h"
#include "alerts/engine.h"

namespace sd::alerts {
namespace {

using namespace std::chrono_literals;

struct fake_clock {
  steady_time now{std::chrono::seconds(1000)};
  std::int64_t wall_ms = 1'700'000'000'000;
  void advance(std::chrono::milliseconds d) {
    now += d;
    wall_ms += d.count();
  }
};

alert_rule lag_rule(double threshold, std::int64_t for_ms) {
  alert_rule r;
  r.name = "lag";
  r.kind = alert_kind::consumer_lag_records;
  r.group = "g";
  r.threshold = threshold;
  r.for_ms = for_ms;
  return r;
}

alert_inputs lag_of(std::int64_t records, const std::string& group = "g", std::int32_t partition = 0) {
  alert_inputs in;
  in.lag.push_back({group, "t", partition, records, std::nullopt});
  return in;
}

TEST(AlertEngine, PendingThenFiringThenResolved) {
  fake_clock c;
  alert_engine e({lag_rule(10, 3000)});
  EXPECT_TRUE(e.evaluate(lag_of(5), c.now, c.wall_ms).empty());
  EXPECT_EQ(e.status()[0].state, alert_state::inactive);

  c.advance(1s);
  auto t = e.evaluate(lag_of(11), c.now, c.wall_ms);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].to, alert_state::pending);
  EXPECT_EQ(e.status()[0].since_ms, c.wall_ms);

  c.advance(2999ms);  // not yet held for 3 s
  EXPECT_TRUE(e.evaluate(lag_of(50), c.now, c.wall_ms).empty());
  EXPECT_EQ(e.status()[0].state, alert_state::pending);

  c.advance(1ms);
  t = e.evaluate(lag_of(50), c.now, c.wall_ms);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].from, alert_state::pending);
  EXPECT_EQ(t[0].to, alert_state::firing);
  auto s = e.status()[0];
  EXPECT_EQ(s.state, alert_state::firing);
  EXPECT_EQ(s.value, 50);
  ASSERT_EQ(s.offending.size(), 1u);
  EXPECT_EQ(s.offending[0][0], (std::pair<std::string, std::string>{"group", "g"}));

  c.advance(1s);
  EXPECT_TRUE(e.evaluate(lag_of(40), c.now, c.wall_ms).empty());  // still breaching: stays firing

  c.advance(1s);
  t = e.evaluate(lag_of(0), c.now, c.wall_ms);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].from, alert_state::firing);
  EXPECT_EQ(t[0].to, alert_state::inactive);
  s = e.status()[0];
  EXPECT_EQ(s.state, alert_state::inactive);
  EXPECT_EQ(s.to_pending, 1u);
  EXPECT_EQ(s.to_firing, 1u);
  EXPECT_EQ(s.to_inactive, 1u);
  EXPECT_TRUE(s.offending.empty());
}

TEST(AlertEngine, KeepsTheLatestTransitionsOldestFirst) {
  fake_clock c;
  alert_engine e({lag_rule(10, 0)});
  const auto first_wall = c.wall_ms;
  e.evaluate(lag_of(11), c.now, c.wall_ms);  // inactive -> pending -> firing in one evaluation
  auto recent = e.status()[0].recent;
  ASSERT_EQ(recent.size(), 2u);
  EXPECT_EQ(recent[0].from, alert_state::inactive);
  EXPECT_EQ(recent[0].to, alert_state::pending);
  EXPECT_EQ(recent[1].to, alert_state::firing);
  EXPECT_EQ(recent[1].at_ms, first_wall);
  EXPECT_EQ(recent[1].value, 11);
  for (int i = 0; i < 20; ++i) {
    c.advance(1s);
    e.evaluate(lag_of(i % 2 == 0 ? 0 : 20), c.now, c.wall_ms);
  }
  recent = e.status()[0].recent;
  ASSERT_EQ(recent.size(), alert_engine::max_recent) << "bounded";
  EXPECT_EQ(recent.back().at_ms, c.wall_ms) << "newest last";
  EXPECT_GT(recent.front().at_ms, first_wall) << "the oldest were dropped";
}

TEST(AlertEngine, PendingThatClearsNeverFires) {
  fake_clock c;
  alert_engine e({lag_rule(10, 5000)});
  e.evaluate(lag_of(20), c.now, c.wall_ms);
  c.advance(4s);
  auto t = e.evaluate(lag_of(3), c.now, c.wall_ms);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].to, alert_state::inactive);
  c.advance(10s);
  t = e.evaluate(lag_of(20), c.now, c.wall_ms);  // the hold starts again
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].to, alert_state::pending);
  EXPECT_EQ(e.status()[0].to_firing, 0u);
}

TEST(AlertEngine, ZeroHoldFiresAtOnce) {
  fake_clock c;
  alert_engine e({lag_rule(10, 0)});
  auto t = e.evaluate(lag_of(11), c.now, c.wall_ms);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[1].to, alert_state::firing);
}

TEST(AlertEngine, ThresholdIsStrictAndFiltersApply) {
  fake_clock c;
  alert_engine e({lag_rule(10, 0)});
  EXPECT_TRUE(e.evaluate(lag_of(10), c.now, c.wall_ms).empty());          // equal is not above
  EXPECT_TRUE(e.evaluate(lag_of(1000, "other"), c.now, c.wall_ms).empty());  // another group
  EXPECT_TRUE(std::isnan(e.status()[0].value));                           // nothing matched: no data
  alert_inputs gone;
  gone.lag.push_back({"g", "t", 0, -1, std::nullopt});  // partition deleted
  EXPECT_TRUE(e.evaluate(gone, c.now, c.wall_ms).empty());
}

TEST(AlertEngine, WorstSeriesAndOffendingLabels) {
  fake_clock c;
  alert_rule r = lag_rule(10, 0);
  r.group.reset();
  alert_engine e({r});
  alert_inputs in;
  for (int p = 0; p < 15; ++p) in.lag.push_back({"g" + std::to_string(p % 2), "t", p, p * 2, std::nullopt});
  e.evaluate(in, c.now, c.wall_ms);
  auto s = e.status()[0];
  EXPECT_EQ(s.state, alert_state::firing);
  EXPECT_EQ(s.value, 28);
  EXPECT_EQ(s.offending_count, 9u);  // partitions 6..14 have lag 12..28
  EXPECT_EQ(s.offending.size(), 9u);
}

TEST(AlertEngine, LagSecondsIgnoresUnknownValues) {
  fake_clock c;
  alert_rule r = lag_rule(2.5, 0);
  r.kind = alert_kind::consumer_lag_seconds;
  alert_engine e({r});
  EXPECT_TRUE(e.needs_lag_seconds());
  alert_inputs in;
  in.lag.push_back({"g", "t", 0, 100, std::nullopt});
  EXPECT_TRUE(e.evaluate(in, c.now, c.wall_ms).empty());
  in.lag[0].seconds = 3.0;
  EXPECT_EQ(e.evaluate(in, c.now, c.wall_ms).size(), 2u);
}

TEST(AlertEngine, DiskRulesBreachBelow) {
  fake_clock c;
  alert_rule bytes;
  bytes.name = "bytes";
  bytes.kind = alert_kind::disk_free_bytes;
  bytes.threshold = 1000;
  alert_rule ratio;
  ratio.name = "ratio";
  ratio.kind = alert_kind::disk_free_ratio;
  ratio.threshold = 0.2;
  alert_engine e({bytes, ratio});
  EXPECT_TRUE(e.needs_disk());
  EXPECT_FALSE(e.needs_lag());
  alert_inputs in;
  in.disk = disk_sample{5000, 10000};
  EXPECT_TRUE(e.evaluate(in, c.now, c.wall_ms).empty());
  in.disk = disk_sample{999, 10000};
  e.evaluate(in, c.now, c.wall_ms);
  auto s = e.status();
  EXPECT_EQ(s[0].state, alert_state::firing);
  EXPECT_EQ(s[1].state, alert_state::firing);
  EXPECT_NEAR(s[1].value, 0.0999, 1e-9);
  in.disk.reset();  // statvfs failed: no data resolves
  e.evaluate(in, c.now, c.wall_ms);
  EXPECT_EQ(e.status()[0].state, alert_state::inactive);
}

TEST(AlertEngine, ErrorRateOverItsWindow) {
  fake_clock c;
  alert_rule r;
  r.name = "errors";
  r.kind = alert_kind::error_rate;
  r.threshold = 5;  // per second
  r.window_ms = 10000;
  alert_engine e({r});
  alert_inputs in;
  in.errors_total = 100;
  e.evaluate(in, c.now, c.wall_ms);  // one sample: no rate yet
  EXPECT_TRUE(std::isnan(e.status()[0].value));
  for (int i = 0; i < 10; ++i) {  // 2 errors per second for 10 s
    c.advance(1s);
    *in.errors_total += 2;
    e.evaluate(in, c.now, c.wall_ms);
  }
  EXPECT_NEAR(e.status()[0].value, 2.0, 1e-9);
  EXPECT_EQ(e.status()[0].state, alert_state::inactive);
  for (int i = 0; i < 5; ++i) {  // 20 per second: over 10 s the rate rises past 5
    c.advance(1s);
    *in.errors_total += 20;
    e.evaluate(in, c.now, c.wall_ms);
  }
  EXPECT_NEAR(e.status()[0].value, (5 * 20 + 5 * 2) / 10.0, 1e-9);
  EXPECT_EQ(e.status()[0].state, alert_state::firing);
  for (int i = 0; i < 11; ++i) {  // quiet for a whole window
    c.advance(1s);
    e.evaluate(in, c.now, c.wall_ms);
  }
  EXPECT_EQ(e.status()[0].value, 0);
  EXPECT_EQ(e.status()[0].state, alert_state::inactive);
  in.errors_total = 3;  // counter went backwards (reset): history restarts, no rate
  c.advance(1s);
  e.evaluate(in, c.now, c.wall_ms);
  EXPECT_TRUE(std::isnan(e.status()[0].value));
}

TEST(AlertEngine, MetricsSection) {
  fake_clock c;
  alert_engine e({lag_rule(10, 0)});
  e.evaluate(lag_of(11), c.now, c.wall_ms);
  metrics::text_writer w;
  write_alert_metrics(w, e);
  const auto& text = w.text();
  EXPECT_NE(text.find("streamdown_alerts_firing{alert=\"lag\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("streamdown_alerts_transitions_total{alert=\"lag\",to=\"firing\"} 1\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE streamdown_alerts_transitions_total counter"), std::string::npos) << text;
}

}  // namespace
}  // namespace sd::alerts
