#pragma once
// written_ranges: the bookkeeping under page_cache_window (one partition) and page_cache_budget (all of them):
// the file ranges written, in write order, and which of them have fallen far enough behind the written end to
// be advised out of the page cache.
//
// Contract: with keep = K >= 0, the last K bytes written are never due. Data more than K behind the end is due
// once (the first POSIX_FADV_DONTNEED starts writeback of dirty pages and drops clean ones); data more than 2K
// behind is due a second time (dropping what writeback has cleaned since). Advice is handed out in chunks of at
// least max(1 MiB, K / 8) (fewer, larger calls). keep < 0 records nothing and hands out nothing. Ranges are held
// by weak reference: a file deleted since its write (retention) is skipped and not kept alive. Memory: one
// entry per run of consecutive writes to one file within the last 2K + chunk bytes.
//
// Threading: none of its own (the owner serialises calls).

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "base/ids.h"

namespace sd::io {
class file;
}

namespace sd::storage {

class written_ranges {
 public:
  static constexpr std::uint64_t min_chunk_bytes = 1 << 20;

  /// A range of a file to advise out of the page cache.
  struct advice {
    std::shared_ptr<io::file> file;
    std::uint64_t begin = 0;
    std::uint64_t len = 0;
  };

  explicit written_ranges(std::int64_t keep_bytes = -1) { set_keep(keep_bytes); }
  /// Changes K; a negative K also forgets every recorded range (what is written from now on counts).
  void set_keep(std::int64_t keep_bytes);
  std::int64_t keep() const { return _keep; }

  /// Records that [pos, pos + size) of `f` was just written and appends to `due` what is now due for advice.
  void written(const std::shared_ptr<io::file>& f, file_pos pos, std::uint64_t size, std::vector<advice>& due);

  /// Bytes handed out for their second advice so far.
  std::uint64_t advised_twice_total() const { return _advised_twice_total; }
  /// Ranges still recorded (not yet due twice).
  std::size_t tracked() const { return _ranges.size(); }

 private:
  struct range {
    std::weak_ptr<io::file> file;
    std::uint64_t begin = 0;
    std::uint64_t end = 0;
  };
  /// Appends the file ranges of stream positions [from, to) (stream = all written bytes in order).
  void collect(std::uint64_t from, std::uint64_t to, std::vector<advice>& out) const;

  std::int64_t _keep = -1;
  std::uint64_t _chunk = min_chunk_bytes;
  std::deque<range> _ranges;            // written ranges not yet due twice, in write order
  std::uint64_t _front_stream_pos = 0;  // stream position of _ranges.front().begin
  std::uint64_t _written_total = 0;     // stream position of the written end
  std::uint64_t _advised_once_total = 0;
  std::uint64_t _advised_twice_total = 0;
};

}  // namespace sd::storage
