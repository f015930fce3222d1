#pragma once
// The sparse offset index of one segment (<base>.index): its file format and its in-memory form.
//
// File format (the only definition; docs/STORAGE_FORMAT.md describes it): no header, a sequence of 8-byte
// entries, big-endian:
//   0  u32 relative_offset   base offset of an indexed batch minus the segment's base offset
//   4  u32 position          byte position of that batch's first byte in <base>.log
// Entries are strictly increasing in both fields; one is added when at least index_interval_bytes of log
// were written since the previous entry (and for the segment's first batch). The file is written whole when
// the segment is sealed (rolled) and at clean shutdown; after an unclean shutdown it is rebuilt from the log.

#include <cstdint>
#include <optional>
#include <vector>

#include "base/bytes.h"
#include "base/ids.h"

namespace sd::storage {

class offset_index {
 public:
  static constexpr std::size_t entry_size = 8;

  struct entry {
    offset batch_base;  // absolute base offset of the indexed batch
    file_pos position;  // where that batch starts in the .log file
    bool operator==(const entry&) const = default;
  };

  explicit offset_index(offset segment_base) : _base(segment_base) {}

  /// Adds an entry. Requires batch_base and position greater than the last entry's.
  void add(offset batch_base, file_pos position);
  /// The last entry whose batch_base <= target, or {segment base, 0} when there is none.
  entry floor(offset target) const;
  /// Drops every entry at or past `end` (after the log was truncated to `end`).
  void truncate_to(file_pos end);
  const std::vector<entry>& entries() const { return _entries; }

  bytes encode() const;
  /// Decodes a file. nullopt when it is inconsistent with the log: size not a multiple of entry_size,
  /// entries not strictly increasing, a position at or past log_size, an offset at or past offset_end.
  static std::optional<offset_index> decode(offset segment_base, byte_span data, std::uint64_t log_size,
                                            offset offset_end);

  bool operator==(const offset_index&) const = default;

 private:
  offset _base;
  std::vector<entry> _entries;
};

}  // namespace sd::storage
