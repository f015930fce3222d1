#pragma once
// Recovery scan of one segment file: walks batches from a position, checking each one's length, magic,
// record counts, CRC32C and that its BaseOffset continues the previous batch, and feeds the valid ones to
// segment::record_batch (rebuilding the indexes). Stops at the first bad or incomplete batch.

#include "base/result.h"
#include "storage/segment.h"

namespace sd::storage {

struct scan_outcome {
  std::uint64_t valid_end = 0;  // bytes [0, valid_end) are good; seg.size == valid_end afterwards
  bool reached_file_end = false;
};

/// Scans seg.log from seg.size (which must be a batch boundary, with seg.next_offset the expected next
/// BaseOffset) up to file_size. I/O errors are returned; damage just ends the scan.
/// allow_gaps (a cleaned segment, storage/cleaning.h): a BaseOffset may skip ahead but never go back.
result<scan_outcome> scan_segment(segment& seg, std::uint64_t file_size, std::int64_t index_interval_bytes,
                                  bool allow_gaps = false);

}  // namespace sd::storage
