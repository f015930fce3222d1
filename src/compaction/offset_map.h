#pragma once
// offset_map: the log cleaner's fixed-size map from a key's 128-bit hash to the offset of its latest record.
//
// Memory is fixed at construction (24 bytes a slot, a power of two of them within the budget, open addressing
// with linear probing) and never grows:
// the cleaner asks free() before each batch and ends its pass early when the batch might not fit, leaving
// the rest of the dirty records to the next pass (more keys than fit means more passes, not more memory).
// A map is filled to at most `max_load` of its slots so that probes stay short.
//
// Keys are compared by hash only; with 128 bits two different keys of one partition colliding is far less
// likely than a disk error (a collision would drop the older key's latest record).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "base/bytes.h"

namespace sd::compaction {

struct key_hash {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  bool operator==(const key_hash&) const = default;
};

/// 128-bit hash of a record key (two independent 64-bit hashes).
key_hash hash_key(byte_span key);

class offset_map {
 public:
  /// A map using at most `memory_bytes` (at least 16 slots).
  explicit offset_map(std::size_t memory_bytes, double max_load = 0.9);

  /// Records `o` as the latest offset of the key (offsets put in increasing order per key: a later put wins).
  void put(const key_hash& h, std::int64_t o);
  /// The latest offset put for the key, or nullopt.
  std::optional<std::int64_t> get(const key_hash& h) const;
  /// How many more distinct keys fit.
  std::size_t free() const { return _max_entries - _entries; }
  std::size_t size() const { return _entries; }
  std::size_t capacity() const { return _max_entries; }
  std::size_t memory_bytes() const { return _slots.size() * sizeof(slot); }
  void clear();

 private:
  struct slot {
    std::uint64_t hi;
    std::uint64_t lo;
    std::int64_t offset;  // -1: empty
  };
  std::size_t home(const key_hash& h) const { return static_cast<std::size_t>(h.lo) & (_slots.size() - 1); }

  std::vector<slot> _slots;
  std::size_t _max_entries;
  std::size_t _entries = 0;
};

}  // namespace sd::compaction
