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
// Three independent streams: the crc32 instruction has a latency of about 3 cycles but a throughput of one
// per cycle, so one dependency chain runs at a third of the unit's speed. A chunk of 3 * stripe bytes is
// processed as three stripes in parallel (the first from the running CRC, the others from 0) and the
// results are joined with the linear "append `stripe` zero bytes" operator:
//   reg(A || B, r) = shift(reg(A, r)) ^ reg(B, 0),  shift = the register after `stripe` zero bytes.
// shift is a 32x32 matrix over GF(2), applied as four byte tables.
constexpr std::size_t stripe = 256;  // bytes per stream per chunk; a multiple of 8

struct shift_tables {
  std::array<std::array<std::uint32_t, 256>, 4> t{};
  constexpr shift_tables() {
    for (int k = 0; k < 4; ++k) {
      for (std::uint32_t b = 0; b < 256; ++b) {
        std::uint32_t r = b << (8 * k);
        for (std::size_t i = 0; i < stripe; ++i) r = (r >> 8) ^ table_set.t[0][r & 0xFF];
        t[static_cast<std::size_t>(k)][b] = r;
      }
    }
  }
};
const shift_tables shift_set{};  // computed at start-up (256 Ki table steps, well under a millisecond)

inline std::uint32_t shift_stripe(std::uint32_t r) noexcept {
  const auto& t = shift_set.t;
  return t[0][r & 0xFF] ^ t[1][(r >> 8) & 0xFF] ^ t[2][(r >> 16) & 0xFF] ^ t[3][r >> 24];
}

__attribute__((target("sse4.2"))) std::uint32_t extend_sse42(std::uint32_t crc, const std::uint8_t* p,
                                                             std::size_t n) noexcept {
  std::uint64_t c = ~crc;
  while (n >= 3 * stripe) {
    std::uint64_t a = c, b = 0, d = 0;
    for (std::size_t i = 0; i < stripe; i += 8) {
      std::uint64_t wa, wb, wd;
      std::memcpy(&wa, p + i, 8);
      std::memcpy(&wb, p + stripe + i, 8);
      std::memcpy(&wd, p + 2 * stripe + i, 8);
      a = _mm_crc32_u64(a, wa);
      b = _mm_crc32_u64(b, wb);
      d = _mm_crc32_u64(d, wd);
    }
    auto ab = shift_stripe(static_cast<std::uint32_t>(a)) ^ static_cast<std::uint32_t>(b);
    c = shift_stripe(ab) ^ static_cast<std::uint32_t>(d);
    p += 3 * stripe;
    n -= 3 * stripe;
  }
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
