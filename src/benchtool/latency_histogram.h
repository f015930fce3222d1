#pragma once
// latency_histogram: fixed-size log-linear histogram of non-negative integer values (nanoseconds here).
// Values below 256 are counted exactly; above, each power of two is split into 128 buckets, so a reported
// percentile is at most 1/128 (< 0.8%) above the true value. Memory is fixed (no allocation after
// construction); min, max, count and sum are exact. Not thread-safe: one writer, read after it stops (or
// under the writer's own lock).

#include <array>
#include <cstdint>

namespace sd::benchtool {

class latency_histogram {
 public:
  void record(std::uint64_t value);
  /// Adds every sample of `other` to this one.
  void merge(const latency_histogram& other);
  void reset();

  std::uint64_t count() const { return _count; }
  std::uint64_t min() const { return _count == 0 ? 0 : _min; }
  std::uint64_t max() const { return _max; }
  double mean() const { return _count == 0 ? 0.0 : static_cast<double>(_sum) / static_cast<double>(_count); }
  /// The value at quantile q in [0, 1] (nearest rank): the upper bound of the bucket holding the sample of
  /// rank ceil(q * count), clamped to [min, max]. 0 when empty. q outside [0, 1] is clamped.
  std::uint64_t percentile(double q) const;

  /// Bucket arithmetic, exposed for tests: bucket_of(v) is monotonic and bucket_upper(bucket_of(v)) >= v.
  static std::size_t bucket_of(std::uint64_t value);
  static std::uint64_t bucket_upper(std::size_t bucket);

  static constexpr int sub_bits = 7;                    // 128 buckets per power of two
  static constexpr std::size_t exact_limit = 256;       // values below are their own bucket
  static constexpr std::size_t bucket_count = exact_limit + (64 - 8) * (1u << sub_bits);

 private:
  std::array<std::uint64_t, bucket_count> _buckets{};
  std::uint64_t _count = 0;
  std::uint64_t _sum = 0;
  std::uint64_t _min = UINT64_MAX;
  std::uint64_t _max = 0;
};

}  // namespace sd::benchtool
