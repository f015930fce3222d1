#pragma once
// file_deleter: unlinks files on a thread of its own, so an owner loop never waits for the filesystem to free
// a large file's blocks. Retention retires a segment by renaming its files to "<name>.deleted" on the owner
// loop (a metadata operation, and a name no new segment can take) and hands the new names here. On this
// project's reference VM unlinking a 256 MiB segment took ~90 ms; 57 of them expiring together blocked every
// partition of a storage loop for 5 s (docs/BENCHMARKS.md, "Produce goals").
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

  explicit file_deleter(io::filesystem& fs);
  ~file_deleter();
  file_deleter(const file_deleter&) = delete;
  file_deleter& operator=(const file_deleter&) = delete;

  void remove_later(std::string path);
  /// Waits until everything queued so far is unlinked (tests, and a clean close).
  void drain();

  std::uint64_t removed_total() const;
  std::uint64_t failed_total() const;

 private:
  /// Unlinks one file, counting the outcome.
  void remove_now(const std::string& path);

  io::filesystem& _fs;
  std::atomic<std::uint64_t> _removed{0};
  std::atomic<std::uint64_t> _failed{0};
  background_worker<std::string> _worker;  // last: its thread uses the members above
};

}  // namespace sd::storage
