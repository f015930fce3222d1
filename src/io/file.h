#pragma once
// io::file: one open file, addressed by absolute position (no shared cursor), so several threads may use it
// at once: the owner appends with pwrite while the flusher thread calls datasync and readers pread.
//
// Contract:
//  - pwrite may write fewer bytes than asked (like POSIX); use write_all to loop. pread returns 0 at EOF.
//  - datasync makes every byte written before the call durable (fdatasync).
//  - sync_filesystem makes every byte written before the call to ANY file of this file's filesystem durable,
//    with the metadata (sizes, directory entries) too (syncfs). Files whose filesystem_id() is equal and
//    non-zero share one filesystem, so one call serves all of them.
//  - close() must only be called by the last user; normally the destructor closes (files are shared through
//    std::shared_ptr, so a segment deleted by retention stays readable and syncable by whoever still holds it).
//  - native_handle() is the file descriptor for zero-copy (sendfile), or -1 when there is none.
//  - drop_cache() is advice to the page cache and may be called from any thread at any time (the shared
//    page-cache budget advises other partitions' files from the thread that wrote past it).

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
  /// Advice only: the OS may drop [pos, pos + len) from its page cache (starting writeback of dirty pages
  /// first). Never changes content or durability; errors are ignored. Default: no-op.
  virtual void drop_cache(file_pos /*pos*/, std::uint64_t /*len*/) noexcept {}
  /// Advice only: start writing this file's dirty pages to the device without waiting (so the datasync that
  /// follows, and those of other files started the same way, overlap). Durability still needs datasync().
  virtual void start_writeback() noexcept {}
  /// syncfs on this file's filesystem (see the contract above). Default: errc::unsupported.
  virtual status sync_filesystem();
  /// The filesystem holding this file (its device number), 0 when unknown. Default: 0.
  virtual std::uint64_t filesystem_id() const noexcept { return 0; }
  /// For a file made durable by a sync_filesystem() (on it or another file of its filesystem) instead of its
  /// own datasync(): take sync_token() before that sync, and pass it to synced_through() once the sync
  /// succeeded. The file then knows the writes it had at the token are durable, as after datasync() (the
  /// file cache closes only such clean files). Defaults: nothing to track.
  virtual std::uint64_t sync_token() const noexcept { return 0; }
  virtual void synced_through(std::uint64_t /*token*/) noexcept {}
};

/// Writes all of data at pos, looping over short writes. On error, some prefix may have been written.
status write_all(file& f, file_pos pos, byte_span data);

/// Reads until out is full or EOF; returns the number of bytes read.
result<std::size_t> read_up_to(file& f, file_pos pos, mutable_byte_span out);

}  // namespace sd::io
