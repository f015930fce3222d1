#pragma once
// Deterministic message contents: a value is a function of (id, size), so a consumer can verify every byte
// without keeping the produced data. The bytes mix a cheap PRNG with runs so every codec gets something to
// compress but nothing compresses to nothing.

#include <cstdint>
#include <string>

namespace sd::itest {

/// "<id>|<size>|" followed by filler up to exactly size bytes (the prefix is cut if size is smaller).
inline std::string make_value(std::uint64_t id, std::size_t size) {
  std::string s = std::to_string(id) + "|" + std::to_string(size) + "|";
  if (s.size() >= size) return s.substr(0, size);
  std::uint64_t x = id * 0x9E3779B97F4A7C15ull + size + 1;
  s.reserve(size);
  while (s.size() < size) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    char c = static_cast<char>('a' + (x % 26));
    std::size_t run = 1 + (x >> 59);  // 1..32 copies
    s.append(std::min(run, size - s.size()), c);
  }
  return s;
}

}  // namespace sd::itest
