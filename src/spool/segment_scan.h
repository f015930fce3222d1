#pragma once
// Reading segment files frame by frame: the scan recovery, verify and inspect share, and the bounded read
// window they use. Nothing here writes.
//
// A scan accepts a frame when its length is plausible, it lies wholly inside the file, its CRC matches and
// its seq is greater than the previous accepted seq. At a frame that fails, the scan resynchronises: it looks
// at every later byte offset for the next acceptable frame whose seq is also plausible (greater than the
// previous seq, by no more than the file's size). Bytes skipped that way are a corrupt range when an
// acceptable frame follows, and the tail when none does.

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "io/file.h"
#include "spool/spool.h"

namespace sd::spool {

/// Reads a file through one bounded buffer (chunk bytes, or one frame when a frame is larger).
class file_window {
 public:
  file_window(io::file& f, std::uint64_t size, std::size_t chunk = 1 << 20)
      : _f(f), _size(size), _chunk(chunk) {}
  /// Up to n bytes at pos (fewer only at the end of the file); valid until the next call.
  result<byte_span> get(std::uint64_t pos, std::size_t n);
  std::uint64_t size() const { return _size; }

 private:
  io::file& _f;
  std::uint64_t _size;
  std::size_t _chunk;
  bytes _buf;
  std::uint64_t _buf_pos = 0;
};

struct corrupt_range {
  std::uint64_t begin = 0;  // byte range [begin, end) of the file that holds no acceptable frame
  std::uint64_t end = 0;
  std::uint64_t prev_seq = 0;  // the last accepted seq before it (0: none)
  std::uint64_t next_seq = 0;  // the seq of the frame after it
};

struct index_entry {
  std::uint64_t seq = 0;
  std::uint64_t pos = 0;
};

struct segment_scan {
  std::uint64_t file_size = 0;
  std::optional<std::uint64_t> header_seq;  // nullopt: the header is short or damaged
  std::uint64_t end = 0;                    // the byte after the last accepted frame (>= the header's end)
  std::uint64_t records = 0;                // accepted frames
  std::uint64_t first_seq = 0;              // of accepted frames; 0 when none
  std::uint64_t last_seq = 0;
  std::int64_t first_timestamp_ms = 0;
  std::vector<corrupt_range> corrupt;
  std::uint64_t tail_bytes = 0;    // bytes after `end` with no acceptable frame in them
  std::vector<index_entry> index;  // (seq, pos) of the first frame and then one at least every index_interval
};

/// Called for every accepted frame, in order, with its position and framed length.
using scan_fn = std::function<void(const record&, std::uint64_t pos, std::uint64_t frame_len)>;

/// Scans a whole segment file. prev_seq: the last seq of the segments before it (frames must be above it).
result<segment_scan> scan_segment(io::file& f, std::uint64_t prev_seq, const scan_fn& on_record = {},
                                  std::uint64_t index_interval = 64 * 1024);

}  // namespace sd::spool
