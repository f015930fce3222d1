#pragma once
// Byte buffers and big-endian (network order) loads and stores, as the Kafka protocol and our on-disk
// formats use them.

#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

namespace sd {

using bytes = std::vector<std::uint8_t>;
using byte_span = std::span<const std::uint8_t>;
using mutable_byte_span = std::span<std::uint8_t>;

inline byte_span as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_chars(byte_span b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

template <class T>
constexpr T byte_swap(T v) noexcept {
  static_assert(std::is_integral_v<T>);
  using U = std::make_unsigned_t<T>;
  U u = static_cast<U>(v);
  if constexpr (sizeof(T) == 1) {
    return v;
  } else if constexpr (sizeof(T) == 2) {
    return static_cast<T>(__builtin_bswap16(u));
  } else if constexpr (sizeof(T) == 4) {
    return static_cast<T>(__builtin_bswap32(u));
  } else {
    static_assert(sizeof(T) == 8);
    return static_cast<T>(__builtin_bswap64(u));
  }
}

/// Reads a big-endian integer from p (no alignment needed). The caller guarantees sizeof(T) readable bytes.
template <class T>
inline T load_be(const std::uint8_t* p) noexcept {
  T v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::little) v = byte_swap(v);
  return v;
}

/// Writes v big-endian at p. The caller guarantees sizeof(T) writable bytes.
template <class T>
inline void store_be(std::uint8_t* p, T v) noexcept {
  if constexpr (std::endian::native == std::endian::little) v = byte_swap(v);
  std::memcpy(p, &v, sizeof v);
}

/// Appends v big-endian to out.
template <class T>
inline void append_be(bytes& out, T v) {
  auto n = out.size();
  out.resize(n + sizeof(T));
  store_be(out.data() + n, v);
}

}  // namespace sd
