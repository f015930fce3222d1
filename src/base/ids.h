#pragma once
// Strong types for the numbers that are easy to mix up in a log: a record offset (logical position in a
// partition), a byte position in a file, a partition index. They convert only explicitly.

#include <compare>
#include <cstdint>
#include <functional>
#include <limits>

namespace sd {

template <class Rep, class Tag>
class strong_int {
 public:
  using rep = Rep;
  constexpr strong_int() = default;
  constexpr explicit strong_int(Rep v) : _v(v) {}
  constexpr Rep value() const noexcept { return _v; }
  constexpr auto operator<=>(const strong_int&) const = default;

  constexpr strong_int operator+(Rep d) const { return strong_int(_v + d); }
  constexpr strong_int operator-(Rep d) const { return strong_int(_v - d); }
  constexpr Rep operator-(strong_int o) const { return _v - o._v; }
  constexpr strong_int& operator+=(Rep d) { _v += d; return *this; }
  constexpr strong_int& operator++() { ++_v; return *this; }

  static constexpr strong_int min() { return strong_int(std::numeric_limits<Rep>::min()); }
  static constexpr strong_int max() { return strong_int(std::numeric_limits<Rep>::max()); }

 private:
  Rep _v{};
};

/// Kafka record offset within one partition.
using offset = strong_int<std::int64_t, struct offset_tag>;
/// Byte position within one file.
using file_pos = strong_int<std::uint64_t, struct file_pos_tag>;
/// Partition index within a topic.
using partition_id = strong_int<std::int32_t, struct partition_id_tag>;

}  // namespace sd

template <class Rep, class Tag>
struct std::hash<sd::strong_int<Rep, Tag>> {
  std::size_t operator()(sd::strong_int<Rep, Tag> v) const noexcept { return std::hash<Rep>{}(v.value()); }
};
