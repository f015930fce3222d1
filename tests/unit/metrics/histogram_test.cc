#include "metrics/histogram.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>
#include <vector>

#include "metrics/counter.h"

namespace sd::metrics {
namespace {

constexpr double bounds[] = {0.001, 0.01, 0.1};  // 1 ms, 10 ms, 100 ms

TEST(Histogram, ObservationOnABoundGoesIntoThatBucket) {
  histogram h(bounds);
  h.observe_ns(1'000'000);    // exactly 1 ms: le="0.001"
  h.observe_ns(1'000'001);    // just above: le="0.01"
  h.observe_ns(0);            // zero: first bucket
  h.observe_ns(100'000'000);  // exactly the last bound
  h.observe_ns(100'000'001);  // above every bound: +Inf only
  auto s = h.snapshot();
  ASSERT_EQ(s.upper_bounds_seconds, std::vector<double>(std::begin(bounds), std::end(bounds)));
  ASSERT_EQ(s.cumulative.size(), 4u);
  EXPECT_EQ(s.cumulative[0], 2u);
  EXPECT_EQ(s.cumulative[1], 3u);
  EXPECT_EQ(s.cumulative[2], 4u);
  EXPECT_EQ(s.cumulative[3], 5u);
  EXPECT_EQ(s.count, 5u);
  EXPECT_NEAR(s.sum_seconds, (1'000'000 + 1'000'001 + 100'000'000 + 100'000'001) / 1e9, 1e-12);
}

TEST(Histogram, QuantileBetweenTwoSnapshotsInterpolatesInTheBucket) {
  histogram h(bounds);
  for (int i = 0; i < 100; ++i) h.observe_ns(50'000'000);  // 50 ms: in (10 ms, 100 ms]
  auto before = h.snapshot();
  EXPECT_FALSE(quantile_between(before, before, 0.5)) << "nothing observed in between";
  for (int i = 0; i < 90; ++i) h.observe_ns(500'000);     // 0.5 ms: first bucket
  for (int i = 0; i < 10; ++i) h.observe_ns(5'000'000);   // 5 ms: (1 ms, 10 ms]
  auto after = h.snapshot();
  auto p50 = quantile_between(before, after, 0.5);
  ASSERT_TRUE(p50);
  EXPECT_NEAR(*p50, 0.001 * 50 / 90, 1e-9) << "rank 50 of the 90 in [0, 1 ms]; the earlier 50 ms ones don't count";
  auto p99 = quantile_between(before, after, 0.99);
  ASSERT_TRUE(p99);
  EXPECT_NEAR(*p99, 0.001 + 0.009 * 9 / 10, 1e-9);
  auto from_zero = quantile_between(histogram_snapshot{}, after, 0.99);
  ASSERT_TRUE(from_zero);
  EXPECT_GT(*from_zero, 0.01) << "from an empty snapshot the 50 ms observations count";
  h.observe_ns(5'000'000'000);  // past the last bound
  auto top = quantile_between(after, h.snapshot(), 1.0);
  ASSERT_TRUE(top);
  EXPECT_EQ(*top, 0.1) << "reads as the last bound";
}

TEST(Histogram, EmptySnapshotIsAllZero) {
  histogram h;
  auto s = h.snapshot();
  EXPECT_EQ(s.upper_bounds_seconds.size(), latency_buckets_seconds().size());
  EXPECT_EQ(s.cumulative.size(), s.upper_bounds_seconds.size() + 1);
  EXPECT_EQ(s.count, 0u);
  EXPECT_EQ(s.sum_seconds, 0.0);
}

TEST(Histogram, DefaultBucketsAscendAndFit) {
  auto b = latency_buckets_seconds();
  ASSERT_GE(b.size(), 2u);
  ASSERT_LE(b.size(), histogram::max_buckets);
  for (std::size_t i = 1; i < b.size(); ++i) EXPECT_LT(b[i - 1], b[i]);
}

TEST(Histogram, RefusesBadBounds) {
  const double descending[] = {0.1, 0.01};
  const double repeated[] = {0.1, 0.1};
  const double negative[] = {-1.0};
  std::vector<double> too_many(histogram::max_buckets + 1);
  for (std::size_t i = 0; i < too_many.size(); ++i) too_many[i] = static_cast<double>(i + 1);
  EXPECT_THROW(histogram{descending}, std::logic_error);
  EXPECT_THROW(histogram{repeated}, std::logic_error);
  EXPECT_THROW(histogram{negative}, std::logic_error);
  EXPECT_THROW(histogram{too_many}, std::logic_error);
  EXPECT_THROW(histogram{std::span<const double>{}}, std::logic_error);
}

TEST(Histogram, ConcurrentObservesSumExactly) {
  histogram h(bounds);
  counter c;
  constexpr int threads = 4;
  constexpr std::uint64_t per_thread = 50'000;
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&h, &c, t] {
      for (std::uint64_t i = 0; i < per_thread; ++i) {
        h.observe_ns(static_cast<std::uint64_t>(t) * 1'000'000 + 1);  // thread t -> a known bucket
        c.inc();
      }
    });
  }
  for (auto& t : ts) t.join();
  auto s = h.snapshot();
  EXPECT_EQ(s.count, threads * per_thread);
  EXPECT_EQ(c.value(), threads * per_thread);
  // t=0 -> 1 ns (le 0.001); t=1 -> 1 ms + 1 ns (le 0.01); t=2, 3 -> 2-3 ms (le 0.01).
  EXPECT_EQ(s.cumulative[0], per_thread);
  EXPECT_EQ(s.cumulative[1], threads * per_thread);
  std::uint64_t expected_ns = 0;
  for (int t = 0; t < threads; ++t)
    expected_ns += (static_cast<std::uint64_t>(t) * 1'000'000 + 1) * per_thread;
  EXPECT_NEAR(s.sum_seconds, static_cast<double>(expected_ns) / 1e9, 1e-9);
}

TEST(Gauge, SetAndAdd) {
  gauge g;
  g.set(5);
  g.add(-7);
  EXPECT_EQ(g.value(), -2);
}

}  // namespace
}  // namespace sd::metrics
