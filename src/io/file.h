#pragma once
// io::file: one open file, addressed by absolute position (no shared cursor), so several threads may use it
// at once: the owner appends with pwrite while the flusher thread calls datasync and readers pread.
//
// Contract:
//  - pwrite may write fewer bytes than asked (like POSIX); use write_all to loop. pread returns 0 at EOF.
//  - datasync makes every byte written before the call durable (fdatasync).
//  - close() must only be called by the last user; normally the destructor closes (files are shared through
//    std::shared_ptr, so a segment deleted by retention stays readable and syncable by whoever still holds it).
//  - native_handle() is the file descriptor for zero-copy (sendfile), or -1 when there is none.

#include <cstdint>
#include <memory>

#include "base/bytes.h"
#include "base/ids.h"
#include "base/result.h"

namespace sd::io {

class file {
 public:
  virtual ~file() = default;

  virtual result<std::size_t> pwrite(file_pos pos, byte_span data) = 0;
  virtual result<std::size_t> pread(file_pos pos, mutable_byte_span out) = 0;
  virtual status datasync() = 0;
  virtual status truncate(std::uint64_t size) = 0;
  virtual result<std::uint64_t> size() = 0;
  virtual status close() = 0;
  virtual int native_handle() const noexcept = 0;
};

/// Writes all of data at pos, looping over short writes. On error, some prefix may have been written.
status write_all(file& f, file_pos pos, byte_span data);

/// Reads until out is full or EOF; returns the number of bytes read.
result<std::size_t> read_up_to(file& f, file_pos pos, mutable_byte_span out);

}  // namespace sd::io
