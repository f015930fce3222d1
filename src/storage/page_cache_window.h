#pragma once
// page_cache_window: bounds how much of one partition's recently written log stays in the OS page cache.
//
// Why: a broker that writes through the page cache pays for every new page the kernel hands it. On virtual
// machines whose hypervisor reclaims free guest memory (free page reporting, ballooning) a never-used or
// returned page costs far more than a recycled one: on this project's reference VM, copying 1 GiB into fresh
// page-cache pages costs 1.7 s of kernel CPU, into recycled pages 0.2-0.3 s (docs/BENCHMARKS.md). Dropping
// the log's own pages once they fall far enough behind the written end lets the kernel reuse them for the
// next writes, and keeps the broker's cache footprint bounded, like every other buffer in streamdown.
//
// Contract: the window keeps the last `window_bytes` of written log in cache untouched (consumers near the
// tail, the usual case, read from memory). Data between one and two windows behind the end is advised
// POSIX_FADV_DONTNEED twice: the first advice starts writeback of dirty pages and drops the clean ones; the
// second, a window later, drops the pages that writeback has cleaned since. Advice never changes durability
// or content: it only affects what later reads find in memory. Readers of older data read from disk.
// window_bytes < 0 disables the window (the kernel alone decides, as in Kafka).
//
// The bookkeeping is written_ranges (shared with page_cache_budget, the bound across all partitions).
//
// Threading: owner thread only (the partition_log's), called after each append.

#include <cstdint>
#include <memory>
#include <vector>

#include "storage/written_ranges.h"

namespace sd::storage {

class page_cache_window {
 public:
  explicit page_cache_window(std::int64_t window_bytes = -1) : _ranges(window_bytes) {}
  void set_window(std::int64_t window_bytes) { _ranges.set_keep(window_bytes); }
  std::int64_t window() const { return _ranges.keep(); }

  /// Records that [pos, pos + size) of `f` was just written and appends to `due` what fell behind the window;
  /// the caller advises it (partition_log hands it to the page_cache_budget's background thread).
  void written(const std::shared_ptr<io::file>& f, file_pos pos, std::uint64_t size,
               std::vector<written_ranges::advice>& due) {
    _ranges.written(f, pos, size, due);
  }
  /// The same, advising at once on the calling thread.
  void written(const std::shared_ptr<io::file>& f, file_pos pos, std::uint64_t size);

  std::uint64_t advised_bytes_total() const { return _ranges.advised_twice_total(); }

 private:
  written_ranges _ranges;
  std::vector<written_ranges::advice> _due;  // reused between calls
};

}  // namespace sd::storage
