#include "benchtool/latency_histogram.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>
#include <algorithm>

namespace sd::benchtool {
namespace {

TEST(latency_histogram, empty_reports_zero) {
  latency_histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(0.99), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
}

TEST(latency_histogram, small_values_are_exact) {
  latency_histogram h;
  for (std::uint64_t v = 1; v <= 100; ++v) h.record(v);
  EXPECT_EQ(h.count(), 100u);
  EXPECT_EQ(h.percentile(0.5), 50u);
  EXPECT_EQ(h.percentile(0.99), 99u);
  EXPECT_EQ(h.percentile(1.0), 100u);
  EXPECT_EQ(h.percentile(0.0), 1u);
  EXPECT_EQ(h.min(), 1u);
  EXPECT_EQ(h.max(), 100u);
  EXPECT_DOUBLE_EQ(h.mean(), 50.5);
}

TEST(latency_histogram, buckets_are_monotonic_and_cover_their_values) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100000; ++i) {
    std::uint64_t v = rng() >> (rng() % 64);
    auto b = latency_histogram::bucket_of(v);
    ASSERT_LT(b, latency_histogram::bucket_count) << v;
    ASSERT_GE(latency_histogram::bucket_upper(b), v) << v;
    if (v > 0) {
      ASSERT_LE(latency_histogram::bucket_of(v - 1), b) << v;
    }
    if (b > 0) {
      ASSERT_LT(latency_histogram::bucket_upper(b - 1), v) << v;
    }
  }
  EXPECT_EQ(latency_histogram::bucket_of(UINT64_MAX), latency_histogram::bucket_count - 1);
  EXPECT_EQ(latency_histogram::bucket_upper(latency_histogram::bucket_count - 1), UINT64_MAX);
}

TEST(latency_histogram, percentiles_within_one_percent_of_exact) {
  std::mt19937_64 rng(11);
  std::lognormal_distribution<double> dist(13.0, 1.5);  // around 0.4 ms, long tail
  std::vector<std::uint64_t> values;
  latency_histogram h;
  for (int i = 0; i < 200000; ++i) {
    auto v = static_cast<std::uint64_t>(dist(rng));
    values.push_back(v);
    h.record(v);
  }
  std::sort(values.begin(), values.end());
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    auto exact = values[static_cast<std::size_t>(std::ceil(q * values.size())) - 1];
    auto got = h.percentile(q);
    EXPECT_GE(got, exact) << q;
    EXPECT_LE(static_cast<double>(got), static_cast<double>(exact) * 1.008 + 1) << q;
  }
  EXPECT_EQ(h.max(), values.back());
  EXPECT_LE(h.percentile(0.5), h.percentile(0.99));
  EXPECT_LE(h.percentile(0.99), h.max());
}

TEST(latency_histogram, out_of_range_quantiles_are_clamped) {
  latency_histogram h;
  h.record(1000);
  h.record(5000000);
  EXPECT_EQ(h.percentile(-1.0), h.percentile(0.0));
  EXPECT_EQ(h.percentile(7.0), 5000000u);
}

TEST(latency_histogram, merge_adds_samples) {
  latency_histogram a, b;
  a.record(10);
  b.record(1000000);
  b.record(20);
  a.merge(b);
  EXPECT_EQ(a.count(), 3u);
  EXPECT_EQ(a.min(), 10u);
  EXPECT_EQ(a.max(), 1000000u);
  a.reset();
  EXPECT_EQ(a.count(), 0u);
}

}  // namespace
}  // namespace sd::benchtool
