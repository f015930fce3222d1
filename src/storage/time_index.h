#pragma once
// The time index of one segment (<base>.timeindex): its file format and its in-memory form.
//
// File format (the only definition; docs/STORAGE_FORMAT.md describes it): no header, a sequence of 12-byte
// entries, big-endian:
//   0  i64 max_timestamp     the largest batch MaxTimestamp in the segment up to and including the batch below
//   8  u32 relative_offset   base offset of that batch minus the segment's base offset
// Both fields strictly increase. Entries are added at the same points as offset index entries when the
// running maximum grew, and once more when the segment is sealed, so the last entry holds the segment's
// largest timestamp. Written and rebuilt like the offset index.

#include <cstdint>
#include <optional>
#include <vector>

#include "base/bytes.h"
#include "base/ids.h"

namespace sd::storage {

class time_index {
 public:
  static constexpr std::size_t entry_size = 12;

  struct entry {
    std::int64_t max_timestamp;
    offset batch_base;
    bool operator==(const entry&) const = default;
  };

  explicit time_index(offset segment_base) : _base(segment_base) {}

  /// Adds an entry if max_timestamp is larger than the last entry's (and batch_base is too).
  void maybe_add(std::int64_t max_timestamp, offset batch_base);
  /// Where a search for the first batch with MaxTimestamp >= ts may start: the batch of the last entry with
  /// max_timestamp < ts (every batch before it is older), or the segment base when there is none.
  offset search_start(std::int64_t ts) const;
  /// Drops entries for batches at or past `end` (after the log was truncated).
  void truncate_to(offset end);
  const std::vector<entry>& entries() const { return _entries; }

  bytes encode() const;
  /// nullopt when inconsistent: size not a multiple of entry_size, fields not strictly increasing, an
  /// offset at or past offset_end.
  static std::optional<time_index> decode(offset segment_base, byte_span data, offset offset_end);

  bool operator==(const time_index&) const = default;

 private:
  offset _base;
  std::vector<entry> _entries;
};

}  // namespace sd::storage
