#pragma once
// file_deleter: unlinks files on a thread of its own, so an owner loop never waits for the filesystem to free
// a large file's blocks. Retention retires a segment by renaming its files to "<name>.deleted" on the owner
// loop (a metadata operation, and a name no new segment can take) and hands the new names here. On this
// project's reference VM unlinking a 256 MiB segment took ~90 ms; 57 of them expiring together blocked every
// partition of a storage loop for 5 s (docs/BENCHMARKS.md, "Produce goals").
//
// Shrinking first: freeing a large file's blocks in one unlink makes one big ext4 journal transaction, and
// every other writer of the filesystem waits for it: unlinking 1 GiB of segments stalled a concurrent
// write+fdatasync loop 75-78 ms on the reference VM, and an acks=all producer's p99 with it. A file handed over
// with `shrink::stepwise` is truncated from its end in steps of `step_bytes` (4 MiB) before the unlink, so
// the blocks go in many small transactions: the same loop's worst stall fell to 3-5 ms, and 1 GiB took
// 0.39 s to free against 0.33 s (docs/BENCHMARKS.md, "Produce goals"). Only a file nobody may still read is
// shrunk (a reader holding a retired segment keeps reading it until it lets go); retire_segment_files decides.
// Every size it truncates to is a multiple of the step, and the step a multiple of the page size: truncating
// inside a page zeroes the rest of that page in place, and a page that sendfile handed to TCP is still
// referenced, unsent or awaiting its ACK, after the reader let go of the file (a whole page that is dropped
// stays intact for the socket that holds it).
//
// Contract: remove_later(path) unlinks `path` soon, in order; a missing file is not an error. The queue is
// bounded (max_queued paths); beyond it the caller unlinks inline (back-pressure, as without the thread). A file that a
// crash leaves behind keeps its ".deleted" name and recovery removes it at start-up (log_recovery.cc). The
// destructor unlinks whatever is still queued, then stops the thread (a clean shutdown leaves nothing behind).
// Failures other than "missing" are counted (failed_total) and the file is left for start-up to retry.
//
// The queue and thread are a background_worker (storage/background_worker.h), shared with page_cache_budget.
// Threading: thread-safe.

#include <atomic>
#include <cstdint>
#include <string>

#include "storage/background_worker.h"

namespace sd::io {
class filesystem;
}

namespace sd::storage {

class file_deleter {
 public:
  static constexpr std::size_t max_queued = 4096;
  static constexpr std::uint64_t step_bytes = 4 << 20;
  static_assert(step_bytes % 4096 == 0, "a shrink step must end on a page boundary");
  enum class shrink { no, stepwise };

  explicit file_deleter(io::filesystem& fs);
  ~file_deleter();
  file_deleter(const file_deleter&) = delete;
  file_deleter& operator=(const file_deleter&) = delete;

  /// Unlinks `path` on the deleter's thread (stepwise: truncated from its end first). With the queue full it
  /// is unlinked here at once, whole.
  void remove_later(std::string path, shrink how = shrink::no);
  /// Waits until everything queued so far is unlinked (tests, and a clean close).
  void drain();

  std::uint64_t removed_total() const;
  std::uint64_t failed_total() const;
  /// Truncation steps taken before unlinks (tests: a shrunk file of n bytes takes ceil(n / step_bytes)).
  std::uint64_t shrink_steps_total() const;
  /// The size a shrink step truncates `size` to: the largest multiple of `step` below it (0 for 0).
  static std::uint64_t next_shrink_size(std::uint64_t size, std::uint64_t step);

 private:
  struct removal {
    std::string path;
    shrink how = shrink::no;
  };
  /// Truncates `path` from its end to 0 in steps; stops at the first error (the unlink still follows).
  void shrink_now(const std::string& path);
  /// Unlinks one file, counting the outcome.
  void remove_now(const std::string& path);

  io::filesystem& _fs;
  std::atomic<std::uint64_t> _removed{0};
  std::atomic<std::uint64_t> _failed{0};
  std::atomic<std::uint64_t> _shrink_steps{0};
  background_worker<removal> _worker;  // last: its thread uses the members above
};

}  // namespace sd::storage
