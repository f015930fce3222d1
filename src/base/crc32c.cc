#include "base/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace sd::crc32c {
namespace {

constexpr std::uint32_t poly_reflected = 0x82F63B78u;

// table[k][b]: CRC of byte b followed by k zero bytes (slicing-by-8).
struct tables {
  std::array<std::array<std::uint32_t, 256>, 8> t{};
  constexpr tables() {
    for (std::uint32_t b = 0; b < 256; ++b) {
      std::uint32_t c = b;
      for (int i = 0; i < 8; ++i) c = (c >> 1) ^ ((c & 1u) ? poly_reflected : 0u);
      t[0][b] = c;
    }
    for (std::uint32_t b = 0; b < 256; ++b)
      for (int k = 1; k < 8; ++k) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xFF];
  }
};
constexpr tables table_set{};

std::uint32_t extend_portable(std::uint32_t crc, const std::uint8_t* p, std::size_t n) noexcept {
  const auto& t = table_set.t;
  std::uint32_t c = ~crc;
  while (n >= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);  // little-endian host assumed below
    w ^= c;
    c = t[7][w & 0xFF] ^ t[6][(w >> 8) & 0xFF] ^ t[5][(w >> 16) & 0xFF] ^ t[4][(w >> 24) & 0xFF] ^
        t[3][(w >> 32) & 0xFF] ^ t[2][(w >> 40) & 0xFF] ^ t[1][(w >> 48) & 0xFF] ^ t[0][w >> 56];
    p += 8;
    n -= 8;
  }
  while (n--) c = (c >> 8) ^ t[0][(c ^ *p++) & 0xFF];
  return ~c;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) std::uint32_t extend_sse42(std::uint32_t crc, const std::uint8_t* p,
                                                             std::size_t n) noexcept {
  std::uint64_t c = ~crc;
  while (n >= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    c = _mm_crc32_u64(c, w);
    p += 8;
    n -= 8;
  }
  auto c32 = static_cast<std::uint32_t>(c);
  while (n--) c32 = _mm_crc32_u8(c32, *p++);
  return ~c32;
}
#endif

using extend_fn = std::uint32_t (*)(std::uint32_t, const std::uint8_t*, std::size_t) noexcept;

extend_fn pick() noexcept {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("sse4.2")) return &extend_sse42;
#endif
  return &extend_portable;
}

const extend_fn chosen = pick();

}  // namespace

std::uint32_t extend(std::uint32_t crc, const std::uint8_t* data, std::size_t n) noexcept {
  return chosen(crc, data, n);
}

namespace detail {
std::uint32_t extend_portable_for_test(std::uint32_t crc, const std::uint8_t* data, std::size_t n) noexcept {
  return extend_portable(crc, data, n);
}
}  // namespace detail

}  // namespace sd::crc32c
