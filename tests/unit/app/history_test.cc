// history_store: rings bounded per series and in series count, counters stored as per-second rates, the
// oldest points dropped first, series nobody samples any more removed after a retention.
#include "app/history.h"

#include <gtest/gtest.h>

namespace sd::app {
namespace {

history_config small(std::size_t capacity, std::size_t max_series = 100) {
  history_config c;
  c.interval = std::chrono::milliseconds(1000);
  c.capacity = capacity;
  c.max_series = max_series;
  return c;
}

TEST(HistoryStore, GaugesKeepTheLastCapacityPointsOldestFirst) {
  history_store h(small(3));
  for (int i = 0; i < 5; ++i) h.record(1000 * i, {{"connections", {}, static_cast<double>(i)}});
  auto s = h.read({"connections"});
  ASSERT_EQ(s.size(), 1u);
  ASSERT_EQ(s[0].points.size(), 3u) << "bounded by capacity";
  EXPECT_EQ(s[0].points[0].t_ms, 2000);
  EXPECT_EQ(s[0].points[0].value, 2);
  EXPECT_EQ(s[0].points[2].t_ms, 4000);
  EXPECT_EQ(s[0].points[2].value, 4);
  EXPECT_EQ(h.point_count(), 3u);
}

TEST(HistoryStore, CountersBecomePerSecondRates) {
  history_store h(small(10));
  h.record(0, {{"produce_records_per_second", {}, 100, true}});
  EXPECT_TRUE(h.read({"produce_records_per_second"})[0].points.empty()) << "the first total only primes";
  h.record(2000, {{"produce_records_per_second", {}, 700, true}});
  h.record(3000, {{"produce_records_per_second", {}, 700, true}});
  h.record(4000, {{"produce_records_per_second", {}, 50, true}});  // went down: a reset reads as 0
  auto p = h.read({"produce_records_per_second"})[0].points;
  ASSERT_EQ(p.size(), 3u);
  EXPECT_DOUBLE_EQ(p[0].value, 300) << "600 more over 2 s";
  EXPECT_DOUBLE_EQ(p[1].value, 0);
  EXPECT_DOUBLE_EQ(p[2].value, 0);
}

TEST(HistoryStore, LabelledSeriesAreSeparateAndTheSeriesCountIsBounded) {
  history_store h(small(5, 2));
  auto lag = [](const char* group, double v) {
    return history_reading{"group_lag_records", {{"group", group}, {"topic", "t"}, {"partition", "0"}}, v};
  };
  h.record(0, {lag("a", 1), lag("b", 2), lag("c", 3)});
  EXPECT_EQ(h.series_count(), 2u);
  EXPECT_EQ(h.dropped_series_total(), 1u) << "the third series is dropped and counted";
  auto s = h.read({});
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].labels[0].second, "a");
  EXPECT_EQ(s[1].points[0].value, 2);
  EXPECT_TRUE(h.read({"connections"}).empty());
}

TEST(HistoryStore, SeriesNotSampledForARetentionAreRemoved) {
  history_store h(small(3));
  h.record(0, {{"group_lag_records", {{"group", "gone"}}, 5}});
  h.record(1000, {{"connections", {}, 1}});
  EXPECT_EQ(h.series_count(), 2u);
  h.record(3000, {{"connections", {}, 1}});  // exactly a retention (3 intervals) after the lag was last seen
  EXPECT_EQ(h.series_count(), 2u);
  h.record(4000, {{"connections", {}, 1}});
  EXPECT_EQ(h.series_count(), 1u) << "the deleted group's series went";
}

history_labels label(const std::string& k, const std::string& v) {
  history_labels l;
  l.emplace_back(k, v);
  return l;
}

TEST(HistoryStore, ReadsOnlyPointsSinceAndSeriesWithTheLabels) {
  history_store h(small(10));
  for (int i = 1; i <= 4; ++i) {
    h.record(1000 * i, {{"group_lag_records", {{"group", "a"}, {"topic", "t"}, {"partition", "0"}}, 10.0 * i},
                        {"group_lag_records", {{"group", "b"}, {"topic", "t"}, {"partition", "0"}}, 1.0 * i},
                        {"connections", {}, 1}});
  }
  auto a = h.read({"group_lag_records"}, 2000, label("group", "a"));
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(a[0].points.size(), 2u) << "only points after 2000";
  EXPECT_EQ(a[0].points[0].t_ms, 3000);
  EXPECT_EQ(a[0].points[1].value, 40);
  EXPECT_EQ(h.read({}, INT64_MIN, label("topic", "t")).size(), 2u) << "a series without the label never matches";
  EXPECT_TRUE(h.read({"group_lag_records"}, INT64_MIN, label("group", "c")).empty());
  EXPECT_TRUE(h.read({"connections"}, 4000)[0].points.empty()) << "nothing newer than the last point";
}

TEST(TopicRates, RatePerTopicFromTotalsAndForgetsMissingTopics) {
  topic_rates r;
  r.update(1000, {{"a", 100}, {"b", 0}});
  EXPECT_EQ(r.rate("a"), 0) << "one reading is no rate";
  r.update(3000, {{"a", 500}, {"b", 10}});
  EXPECT_DOUBLE_EQ(r.rate("a"), 200);
  EXPECT_DOUBLE_EQ(r.rate("b"), 5);
  r.update(4000, {{"a", 400}});  // went down (re-created): no negative rate; b deleted: forgotten
  EXPECT_EQ(r.rate("a"), 0);
  EXPECT_EQ(r.rate("b"), 0);
  r.update(5000, {{"a", 450}, {"b", 100}});
  EXPECT_DOUBLE_EQ(r.rate("a"), 50);
  EXPECT_EQ(r.rate("b"), 0) << "b came back: primed again";
}

}  // namespace
}  // namespace sd::app
