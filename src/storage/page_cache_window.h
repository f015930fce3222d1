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
// Threading: owner thread only (the partition_log's), called after each append.

#include <cstdint>
#include <deque>
#include <memory>

#include "base/ids.h"

namespace sd::io {
class file;
}

namespace sd::storage {

class page_cache_window {
 public:
  /// Advice is given in chunks of at least this many bytes (fewer, larger calls).
  static constexpr std::uint64_t min_chunk_bytes = 1 << 20;

  explicit page_cache_window(std::int64_t window_bytes = -1) { set_window(window_bytes); }
  void set_window(std::int64_t window_bytes);
  std::int64_t window() const { return _window; }

  /// Records that [pos, pos + size) of `f` was just written, then advises what fell behind the window.
  void written(const std::shared_ptr<io::file>& f, file_pos pos, std::uint64_t size);

  std::uint64_t advised_bytes_total() const { return _advised_twice_total; }

 private:
  struct range {
    std::weak_ptr<io::file> file;  // weak: a segment deleted by retention needs no advice and stays unpinned
    std::uint64_t begin = 0;
    std::uint64_t end = 0;
  };
  /// Gives POSIX_FADV_DONTNEED for stream positions [from, to) (stream = all written bytes in order).
  void advise(std::uint64_t from, std::uint64_t to);

  std::int64_t _window = -1;
  std::uint64_t _chunk = min_chunk_bytes;
  std::deque<range> _ranges;            // written ranges not yet advised twice, in write order
  std::uint64_t _front_stream_pos = 0;  // stream position of _ranges.front().begin
  std::uint64_t _written_total = 0;     // stream position of the written end
  std::uint64_t _advised_once_total = 0;
  std::uint64_t _advised_twice_total = 0;
};

}  // namespace sd::storage
