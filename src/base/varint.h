#pragma once
// Variable-length integers as Kafka uses them: unsigned LEB128 ("uvarint", compact lengths and tagged
// fields) and zigzag-encoded signed varints (record fields). Decoders never read past `end` and reject
// encodings longer than the type allows.

#include <cstdint>
#include <optional>

#include "base/bytes.h"

namespace sd::varint {

constexpr std::size_t max_len32 = 5;
constexpr std::size_t max_len64 = 10;

inline std::uint32_t zigzag32(std::int32_t v) { return (static_cast<std::uint32_t>(v) << 1) ^ static_cast<std::uint32_t>(v >> 31); }
inline std::uint64_t zigzag64(std::int64_t v) { return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63); }
inline std::int32_t unzigzag32(std::uint32_t v) { return static_cast<std::int32_t>((v >> 1) ^ (~(v & 1) + 1)); }
inline std::int64_t unzigzag64(std::uint64_t v) { return static_cast<std::int64_t>((v >> 1) ^ (~(v & 1) + 1)); }

/// Appends the unsigned LEB128 encoding of v.
inline void put_u64(bytes& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(v));
}
inline void put_u32(bytes& out, std::uint32_t v) { put_u64(out, v); }
inline void put_s32(bytes& out, std::int32_t v) { put_u64(out, zigzag32(v)); }
inline void put_s64(bytes& out, std::int64_t v) { put_u64(out, zigzag64(v)); }

inline std::size_t size_u64(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}
inline std::size_t size_s32(std::int32_t v) { return size_u64(zigzag32(v)); }
inline std::size_t size_s64(std::int64_t v) { return size_u64(zigzag64(v)); }

/// Decodes an unsigned varint of at most max_len bytes from [p, end). On success advances p.
inline std::optional<std::uint64_t> get_u(const std::uint8_t*& p, const std::uint8_t* end, std::size_t max_len) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < max_len; ++i) {
    if (p + i >= end) return std::nullopt;
    std::uint8_t b = p[i];
    v |= static_cast<std::uint64_t>(b & 0x7F) << (7 * i);
    if ((b & 0x80) == 0) {
      p += i + 1;
      return v;
    }
  }
  return std::nullopt;
}

inline std::optional<std::uint32_t> get_u32(const std::uint8_t*& p, const std::uint8_t* end) {
  auto v = get_u(p, end, max_len32);
  if (!v || *v > 0xFFFFFFFFull) return std::nullopt;
  return static_cast<std::uint32_t>(*v);
}
inline std::optional<std::int32_t> get_s32(const std::uint8_t*& p, const std::uint8_t* end) {
  auto v = get_u32(p, end);
  if (!v) return std::nullopt;
  return unzigzag32(*v);
}
inline std::optional<std::int64_t> get_s64(const std::uint8_t*& p, const std::uint8_t* end) {
  auto v = get_u(p, end, max_len64);
  if (!v) return std::nullopt;
  return unzigzag64(*v);
}

}  // namespace sd::varint
