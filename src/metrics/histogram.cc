#include "metrics/histogram.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace sd::metrics {

namespace {
// Finer between 0.25 and 10 ms (about x1.4 apart), where a broker's fsync-bound answers fall, so a p99 read
// from the buckets is within ~20 % there (the acks=all latency goals compare it with the disk's fdatasync p99).
constexpr double default_bounds[] = {0.00005, 0.0001, 0.00025, 0.00035, 0.0005, 0.0007, 0.001, 0.0015,
                                     0.002,   0.003,  0.005,   0.0075,  0.01,   0.025,  0.05,  0.1,
                                     0.25,    0.5,    1.0,     2.5,     5.0,    10.0};
}

std::span<const double> latency_buckets_seconds() {
  return default_bounds;
}

histogram::histogram(std::span<const double> upper_bounds_seconds) {
  if (upper_bounds_seconds.empty() || upper_bounds_seconds.size() > max_buckets)
    throw std::logic_error("histogram: 1.." + std::to_string(max_buckets) + " bucket bounds required");
  for (std::size_t i = 0; i < upper_bounds_seconds.size(); ++i) {
    double b = upper_bounds_seconds[i];
    if (!std::isfinite(b) || b <= 0 || (i > 0 && b <= upper_bounds_seconds[i - 1]))
      throw std::logic_error("histogram: bounds must be finite, positive and strictly ascending");
    _bounds[i] = b;
    _bounds_ns[i] = static_cast<std::uint64_t>(std::llround(b * 1e9));
  }
  _n = upper_bounds_seconds.size();
}

void histogram::observe_ns(std::uint64_t ns) noexcept {
  // Prometheus buckets are upper-inclusive: an observation equal to a bound belongs to that bound's bucket.
  // Linear scan: at most max_buckets compares on a few cache lines, cheaper than a branchy binary search for
  // latency values that mostly land in the first buckets.
  std::size_t i = 0;
  while (i < _n && ns > _bounds_ns[i]) ++i;
  _counts[i].fetch_add(1, std::memory_order_relaxed);
  _sum_ns.fetch_add(ns, std::memory_order_relaxed);
}

histogram_snapshot histogram::snapshot() const {
  histogram_snapshot s;
  s.upper_bounds_seconds.assign(_bounds.begin(), _bounds.begin() + static_cast<std::ptrdiff_t>(_n));
  s.cumulative.resize(_n + 1);
  std::uint64_t run = 0;
  for (std::size_t i = 0; i <= _n; ++i) {
    run += _counts[i].load(std::memory_order_relaxed);
    s.cumulative[i] = run;
  }
  s.count = run;
  s.sum_seconds = static_cast<double>(_sum_ns.load(std::memory_order_relaxed)) / 1e9;
  return s;
}

std::optional<double> quantile_between(const histogram_snapshot& before, const histogram_snapshot& after, double q) {
  const auto& bounds = after.upper_bounds_seconds;
  if (after.cumulative.empty() || bounds.empty()) return std::nullopt;
  auto delta = [&](std::size_t i) -> double {
    const std::uint64_t b = i < before.cumulative.size() ? before.cumulative[i] : 0;
    return after.cumulative[i] >= b ? static_cast<double>(after.cumulative[i] - b) : 0.0;
  };
  const double total = delta(after.cumulative.size() - 1);
  if (total <= 0) return std::nullopt;
  const double rank = q * total;
  double below = 0;
  for (std::size_t i = 0; i < after.cumulative.size(); ++i) {
    const double upto = delta(i);
    if (upto >= rank && upto > below) {
      if (i >= bounds.size()) return bounds.back();
      const double lower = i == 0 ? 0.0 : bounds[i - 1];
      return lower + (bounds[i] - lower) * (rank - below) / (upto - below);
    }
    below = upto;
  }
  return bounds.back();
}

}  // namespace sd::metrics
