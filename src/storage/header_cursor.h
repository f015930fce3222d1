#pragma once
// header_cursor: reads batch headers of one segment file through a read-ahead buffer, so walking many
// small batches costs one pread per chunk instead of one per batch. Used by reads, offset and time lookups,
// and the recovery scan. Owned by one thread; never reads at or past `end`.

#include <optional>

#include "base/record_batch_header.h"
#include "base/result.h"
#include "io/file.h"

namespace sd::storage {

class header_cursor {
 public:
  header_cursor(io::file& f, std::uint64_t end, std::size_t chunk = 64 * 1024) : _f(f), _end(end), _chunk(chunk) {}

  /// The header of the batch at pos; nullopt when pos + header_size > end.
  result<std::optional<batch::header>> at(file_pos pos);
  /// Bytes [pos, pos + n) if they are already buffered (empty span otherwise).
  byte_span buffered(file_pos pos, std::size_t n) const;

 private:
  io::file& _f;
  std::uint64_t _end;
  std::size_t _chunk;
  bytes _buf;
  std::uint64_t _buf_pos = 0;  // file position of _buf[0]
};

}  // namespace sd::storage
