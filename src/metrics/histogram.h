#pragma once
// histogram: a fixed-bucket latency histogram recorded without locks (relaxed atomic adds), read by the
// scraper as a snapshot. Bucket upper bounds are in seconds and fixed at construction; observations are in
// nanoseconds. A snapshot taken while observations run may be off by the in-flight ones but is internally
// consistent for exposition: buckets are made cumulative and count is the +Inf bucket.

#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace sd::metrics {

struct histogram_snapshot {
  std::vector<double> upper_bounds_seconds;  // ascending, without +Inf
  std::vector<std::uint64_t> cumulative;     // one per bound, then one for +Inf (== count)
  double sum_seconds = 0;
  std::uint64_t count = 0;
};

/// The q-quantile (0 < q <= 1) of the observations made between two snapshots of one histogram, interpolated
/// linearly inside its bucket (as Prometheus's histogram_quantile; observations past the last bound read as
/// that bound). An empty `before` counts from zero. nullopt when no observation was made in between.
std::optional<double> quantile_between(const histogram_snapshot& before, const histogram_snapshot& after, double q);

/// Default latency buckets: 50 us .. 10 s, x1.4-1.5 apart from 0.25 to 10 ms, x2-2.5 apart elsewhere (22 bounds).
std::span<const double> latency_buckets_seconds();

class histogram {
 public:
  static constexpr std::size_t max_buckets = 24;
  explicit histogram(std::span<const double> upper_bounds_seconds = latency_buckets_seconds());
  histogram(const histogram&) = delete;
  histogram& operator=(const histogram&) = delete;

  /// Lock-free; safe from any thread.
  void observe_ns(std::uint64_t ns) noexcept;
  histogram_snapshot snapshot() const;

 private:
  std::array<double, max_buckets> _bounds{};
  std::array<std::uint64_t, max_buckets> _bounds_ns{};
  std::size_t _n = 0;
  std::array<std::atomic<std::uint64_t>, max_buckets + 1> _counts{};  // per bucket (not cumulative)
  std::atomic<std::uint64_t> _sum_ns{0};
};

}  // namespace sd::metrics
