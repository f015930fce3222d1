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
  std::uint64_t crc_checked_from = 0;   // the first batch whose CRC was checked (valid_end when none was)
  std::uint64_t crc_checked_bytes = 0;  // bytes of batches whose CRC was checked
};

/// Scans seg.log from seg.size (which must be a batch boundary, with seg.next_offset the expected next
/// BaseOffset) up to file_size. I/O errors are returned; damage just ends the scan.
/// allow_gaps (a cleaned segment, storage/cleaning.h): a BaseOffset may skip ahead but never go back.
/// trust_until (a recovery point's position): batches wholly below it get every check but the CRC (their
/// bytes are durable; reads check the CRC later, segment::unverified_to).
result<scan_outcome> scan_segment(segment& seg, std::uint64_t file_size, std::int64_t index_interval_bytes,
                                  bool allow_gaps = false, std::uint64_t trust_until = 0);

/// Whether the batch at pos (total bytes, header CRC `expected`) matches its CRC, reading through `buf`
/// in chunks (resized as needed). False also when the file ends early.
result<bool> batch_crc_ok(io::file& f, file_pos pos, std::size_t total, std::uint32_t expected, bytes& buf);

}  // namespace sd::storage
