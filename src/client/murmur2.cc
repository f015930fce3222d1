#include "client/murmur2.h"

#include <cassert>

namespace sd::client {

std::uint32_t murmur2(const void* data, std::size_t size) noexcept {
  constexpr std::uint32_t seed = 0x9747b28c;
  constexpr std::uint32_t m = 0x5bd1e995;
  constexpr int r = 24;
  const auto* p = static_cast<const unsigned char*>(data);
  // Java hashes an int length; keys are far below 2^31 bytes.
  std::uint32_t h = seed ^ static_cast<std::uint32_t>(size);
  const std::size_t blocks = size / 4;
  for (std::size_t i = 0; i < blocks; ++i) {
    const unsigned char* b = p + 4 * i;
    std::uint32_t k = std::uint32_t(b[0]) | (std::uint32_t(b[1]) << 8) | (std::uint32_t(b[2]) << 16) |
                      (std::uint32_t(b[3]) << 24);  // little-endian, as Java's loop reads it
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  const unsigned char* tail = p + 4 * blocks;
  switch (size % 4) {
    case 3: h ^= std::uint32_t(tail[2]) << 16; [[fallthrough]];
    case 2: h ^= std::uint32_t(tail[1]) << 8; [[fallthrough]];
    case 1:
      h ^= std::uint32_t(tail[0]);
      h *= m;
      break;
    default: break;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return h;
}

std::int32_t murmur2_partition(std::string_view key, std::int32_t partition_count) noexcept {
  assert(partition_count > 0);
  const std::uint32_t positive = murmur2(key.data(), key.size()) & 0x7fffffffu;
  return static_cast<std::int32_t>(positive % static_cast<std::uint32_t>(partition_count));
}

}  // namespace sd::client
