#include "compaction/offset_map.h"

#include <algorithm>
#include <cstring>

namespace sd::compaction {

namespace {

std::uint64_t mix(std::uint64_t x) {  // a 64-bit finaliser (full avalanche)
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

std::uint64_t hash64(byte_span key, std::uint64_t seed) {
  std::uint64_t h = seed ^ (key.size() * 0x9e3779b97f4a7c15ULL);
  std::size_t i = 0;
  for (; i + 8 <= key.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, key.data() + i, 8);
    h = mix(h ^ w) + 0x9e3779b97f4a7c15ULL;
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, key.data() + i, key.size() - i);
  return mix(h ^ tail ^ (static_cast<std::uint64_t>(key.size() - i) << 56));
}

}  // namespace

key_hash hash_key(byte_span key) {
  return {hash64(key, 0x243f6a8885a308d3ULL), hash64(key, 0x13198a2e03707344ULL)};
}

offset_map::offset_map(std::size_t memory_bytes, double max_load) {
  // A power of two at most the budget allows: the home slot is a mask, not a division.
  std::size_t n = 16;
  while (n * 2 * sizeof(slot) <= memory_bytes) n *= 2;
  _slots.assign(n, slot{0, 0, -1});
  _max_entries = std::clamp<std::size_t>(static_cast<std::size_t>(static_cast<double>(n) * max_load), 1, n - 1);
}

void offset_map::clear() {
  std::fill(_slots.begin(), _slots.end(), slot{0, 0, -1});
  _entries = 0;
}

void offset_map::put(const key_hash& h, std::int64_t o) {
  for (std::size_t i = home(h);; i = (i + 1) & (_slots.size() - 1)) {
    slot& s = _slots[i];
    if (s.offset < 0) {
      if (_entries >= _max_entries) return;  // full: the caller checks free() first
      s = {h.hi, h.lo, o};
      ++_entries;
      return;
    }
    if (s.hi == h.hi && s.lo == h.lo) {
      s.offset = std::max(s.offset, o);
      return;
    }
  }
}

std::optional<std::int64_t> offset_map::get(const key_hash& h) const {
  for (std::size_t i = home(h);; i = (i + 1) & (_slots.size() - 1)) {
    const slot& s = _slots[i];
    if (s.offset < 0) return std::nullopt;
    if (s.hi == h.hi && s.lo == h.lo) return s.offset;
  }
}

}  // namespace sd::compaction
