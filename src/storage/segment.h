#pragma once
// segment: one <base>.log file of whole RecordBatch v2 batches, stored exactly as they arrived except for
// BaseOffset, plus its in-memory sparse indexes. The format of the .log file is a plain sequence of batches
// (base/record_batch_header.h defines a batch; docs/STORAGE_FORMAT.md describes the file).
//
// Invariants (hold between calls):
//  - bytes [0, size) of the file are whole, valid batches with contiguous offsets [base, next_offset);
//    bytes past `size` are not part of the log (a write being rolled back, or a torn tail not yet truncated);
//  - the first batch starts at 0 and has BaseOffset == base;
//  - except in a cleaned segment (storage/cleaning.h): there offsets only increase, the first batch may start
//    after base, and next_offset is the next segment's base (the range the segment covers, gaps included);
//  - oidx / tidx only index batches inside [0, size).
// A segment is owned by its partition_log (one thread); the log file is shared (std::shared_ptr) with the
// flusher thread and the cleaner, and readers hold its descriptor (cached_file::hold) in their file slices,
// so deleting a segment never invalidates them (the owner calls keep_open() before removing a file that
// others still reference). The descriptor itself opens on first use and may be closed by the file cache
// while the segment is idle and synced.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/record_batch_header.h"
#include "base/result.h"
#include "io/filesystem.h"
#include "storage/file_cache.h"
#include "storage/layout.h"
#include "storage/offset_index.h"
#include "storage/time_index.h"

namespace sd::storage {
class file_deleter;
}

namespace sd::storage {

struct segment {
  segment(std::string dir_, offset base_, std::shared_ptr<cached_file> log_)
      : dir(std::move(dir_)), base(base_), log(std::move(log_)), next_offset(base_), oidx(base_), tidx(base_) {}

  std::string dir;
  offset base;
  std::shared_ptr<cached_file> log;  // opened on first use, closed when idle (storage/file_cache.h)
  std::uint64_t size = 0;           // written end of the log: the log is bytes [0, size)
  offset next_offset;               // one past the last offset stored (== base when empty)
  offset last_batch_base;           // base offset of the last batch (meaningless when empty)
  std::int64_t max_timestamp = -1;  // largest batch MaxTimestamp; -1 when empty
  std::int64_t rolling_base_ms = -1;  // segment_ms counts from here (first append's time, or first batch's timestamp after reopen)
  offset_index oidx;
  time_index tidx;
  // Bytes [unverified_from, unverified_to) were trusted at open without a CRC check (a clean shutdown's
  // indexes, or a recovery point); partition_log::read checks each batch there before serving it and
  // moves unverified_from past the batches it checked in order. Empty (from >= to) for data written or
  // scanned since the open.
  std::uint64_t unverified_from = 0;
  std::uint64_t unverified_to = 0;

  bool empty() const { return size == 0; }
  std::string path(layout::segment_file_kind kind) const { return dir + "/" + layout::segment_file_name(base, kind); }

  /// Accounts a batch just written at `pos` (its header already carries the assigned BaseOffset).
  void record_batch(const batch::header& h, file_pos pos, std::size_t batch_size, std::int64_t index_interval_bytes);
  /// Adds the final time index entry so the last entry holds max_timestamp (before writing the indexes).
  void seal_time_index() {
    if (!empty()) tidx.maybe_add(max_timestamp, last_batch_base);
  }
  /// Forgets everything at or past byte `end`; next_offset becomes `end_offset`.
  void truncate_state(std::uint64_t end, offset end_offset);
};

/// Creates (or empties) <dir>/<base>.log and returns the segment (its descriptor under `files`' bound).
result<std::unique_ptr<segment>> create_segment(io::filesystem& fs, const std::string& dir, offset base,
                                                file_cache* files);

/// The segment file at `path`, opened lazily under `files`' bound.
inline std::shared_ptr<cached_file> lazy_segment_file(io::filesystem& fs, std::string path, file_cache* files) {
  return file_cache::make(files, fs, std::move(path));
}

/// Writes <base>.index and <base>.timeindex whole; returns their open files (not yet synced).
result<std::vector<std::shared_ptr<io::file>>> write_indexes(io::filesystem& fs, segment& seg);

/// Removes the segment's three files (missing files are fine). A log file still referenced elsewhere (a
/// cleaner pass, a sync) is kept open first, so those users can go on reading it.
status remove_segment_files(io::filesystem& fs, const segment& seg);

/// Retires the segment's files for deletion in the background: renames each (missing ones are fine) to
/// "<name>.deleted", a metadata operation, and hands the new name to `deleter`, which unlinks it on its own
/// thread. Referenced log files are kept open first, as remove_segment_files does; a log file nobody can read
/// any more (no other owner, no held descriptor) is handed over to be shrunk stepwise before its unlink, so
/// freeing its blocks does not stall the filesystem's other writers (file_deleter.h). Only for segments whose
/// path no new segment takes (retention's oldest segment); compaction's swap reuses a base, so it removes.
status retire_segment_files(io::filesystem& fs, const segment& seg, file_deleter& deleter);

/// Reads the batch header at pos; nullopt when pos + header_size > end (no whole header before end).
result<std::optional<batch::header>> read_header_at(io::file& f, file_pos pos, std::uint64_t end);

/// Position of the batch containing `target` (its last offset >= target), or seg.size when none.
result<file_pos> find_batch_position(segment& seg, offset target);

}  // namespace sd::storage
