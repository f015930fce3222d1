#pragma once
// The storage side of log compaction: what the log cleaner reads from a partition log and how a cleaned
// segment replaces the segments it was made from. The cleaning itself (offset map, record filtering) is in
// src/compaction/; this header only fixes the contract between the two.
//
// Threads: cleaning_view() and install_cleaned() run on the log's owner thread. In between, the cleaner reads
// the snapshot's sealed segment files from any thread: sealed segments are immutable (only recovery truncates,
// and retention deletes whole files, which the snapshot's shared_ptr keeps open).
//
// Gaps: a cleaned segment holds a subset of the batches of the segments it replaces, with their offsets
// unchanged, so offsets below the cleaner checkpoint may have gaps (inside a segment and between segments).
// Reads return the next batch after a gap; recovery accepts gaps in segments whose base offset lies below the
// checkpoint and requires contiguity everywhere else.
//
// Crash atomicity of a swap (install_cleaned), each step durable before the next:
//   1. the cleaner wrote and fdatasync'ed <base>.cleaning.tmp (start-up deletes *.tmp: the old segments stay);
//   2. rename it to <base>.<end>.swap, fsync the directory: the COMMIT POINT;
//   3. raise the cleaner checkpoint (cleaner-checkpoint file) to cover the new segment;
//   4. delete the files of the segments with base in [base, end);
//   5. rename the swap file to <base>.log, write its indexes, fsync the directory.
// Start-up finds a leftover .swap and redoes 3-5 (each step is idempotent), so a crash at any step leaves
// either the old segments or the new one, never neither and never both.

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "base/ids.h"
#include "io/filesystem.h"
#include "storage/segment.h"

namespace sd::storage {

constexpr std::uint32_t cleaner_checkpoint_magic = 0x53444343;  // "SDCC"

/// One sealed segment as the cleaner sees it.
struct sealed_segment {
  offset base;                     // first offset it may hold (its file name)
  offset end;                      // the next segment's base: it covers [base, end)
  std::shared_ptr<io::file> file;  // keeps the file open even if retention deletes it meanwhile
  std::uint64_t size = 0;          // bytes of whole batches
  std::int64_t max_timestamp = -1;
};

/// A snapshot of a log for one cleaning pass.
struct cleaning_view {
  std::vector<sealed_segment> segments;  // every segment except the active one, in offset order
  offset start;                          // the log start offset
  offset checkpoint;                     // the cleaner checkpoint: offsets below it were cleaned (0: never)
  offset active_base;                    // the active segment's base (never cleaned)
  std::string dir;
};

/// A cleaned segment, written and synced by the cleaner, ready to replace [base, end).
struct cleaned_segment {
  offset base;  // == the first replaced segment's base
  offset end;   // == the base of the segment after the last replaced one
  std::vector<std::shared_ptr<io::file>> replaced;  // the replaced segments' files, as snapshotted
  std::unique_ptr<segment> seg;   // the new segment: its file is <dir>/<cleaning_file_name(base)>, its
                                  // indexes are in memory, next_offset == end
  offset checkpoint_after;        // the cleaner checkpoint once this segment is in place
};

/// Test facility: called with the name of each swap step just completed ("committed", "checkpointed",
/// "removed", "installed"); a crash test ends the process there.
using cleaning_step_hook = std::function<void(std::string_view step)>;

}  // namespace sd::storage
