#pragma once
// What partition_log::read returns: byte ranges of segment files that hold whole batches, in offset order.
// The network layer can sendfile() each slice from file->native_handle(), or copy them (copy_to_bytes).
// Slices keep their file open (shared ownership), so retention may delete the segment meanwhile.

#include <memory>
#include <vector>

#include "base/bytes.h"
#include "base/ids.h"
#include "base/result.h"
#include "io/file.h"

namespace sd::storage {

struct file_slice {
  std::shared_ptr<io::file> file;
  file_pos position;
  std::size_t length = 0;
};

struct read_result {
  std::vector<file_slice> slices;  // whole batches; contiguous slices of one file are merged
  std::size_t total_bytes = 0;
  std::uint64_t records = 0;       // records in the returned batches (RecordsCount summed)
  offset next_offset;              // one past the last offset returned (== the requested offset when empty)
  offset start_offset;             // log start offset when read
  offset high_watermark;           // partition_log::next_offset() when read
  bool empty() const { return slices.empty(); }
};

/// Reads every slice into one buffer (for TLS connections, tests and tools).
result<bytes> copy_to_bytes(const read_result& r);

}  // namespace sd::storage
