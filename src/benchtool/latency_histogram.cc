#include "benchtool/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace sd::benchtool {

std::size_t latency_histogram::bucket_of(std::uint64_t value) {
  if (value < exact_limit) return static_cast<std::size_t>(value);
  // msb >= 8; the top sub_bits+1 bits give a mantissa in [128, 255].
  int msb = 63 - std::countl_zero(value);
  int shift = msb - sub_bits;  // >= 1
  std::uint64_t mantissa = value >> shift;
  return exact_limit + static_cast<std::size_t>(shift - 1) * (1u << sub_bits) +
         static_cast<std::size_t>(mantissa - (1u << sub_bits));
}

std::uint64_t latency_histogram::bucket_upper(std::size_t bucket) {
  if (bucket < exact_limit) return bucket;
  std::size_t rel = bucket - exact_limit;
  int shift = static_cast<int>(rel >> sub_bits) + 1;
  std::uint64_t mantissa = (rel & ((1u << sub_bits) - 1)) + (1u << sub_bits);
  // Largest value with this mantissa: (mantissa + 1) << shift, minus one. Saturates at the top bucket.
  if (shift + sub_bits + 1 >= 64 && mantissa == (2u << sub_bits) - 1) return UINT64_MAX;
  return ((mantissa + 1) << shift) - 1;
}

void latency_histogram::record(std::uint64_t value) {
  ++_buckets[bucket_of(value)];
  ++_count;
  _sum += value;
  _min = std::min(_min, value);
  _max = std::max(_max, value);
}

void latency_histogram::merge(const latency_histogram& other) {
  for (std::size_t i = 0; i < bucket_count; ++i) _buckets[i] += other._buckets[i];
  _count += other._count;
  _sum += other._sum;
  _min = std::min(_min, other._min);
  _max = std::max(_max, other._max);
}

void latency_histogram::reset() { *this = latency_histogram{}; }

std::uint64_t latency_histogram::percentile(double q) const {
  if (_count == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(_count)));
  rank = std::clamp<std::uint64_t>(rank, 1, _count);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < bucket_count; ++i) {
    seen += _buckets[i];
    if (seen >= rank) return std::clamp(bucket_upper(i), min(), _max);
  }
  return _max;
}

}  // namespace sd::benchtool
