#pragma once
// fault_config: which faults a faulty_filesystem injects. Set it from a test through the wrapper's API, or
// from the environment so an integration test can slow down the disk of a real broker process:
//
//   STREAMDOWN_FAULT_WRITE_BPS=1000000       throttle writes to 1 MB/s (all files together)
//   STREAMDOWN_FAULT_SHORT_WRITE=512         each pwrite writes at most 512 bytes (callers must loop)
//   STREAMDOWN_FAULT_NO_SPACE_AFTER=1048576  after 1 MiB written, writes fail with ENOSPC
//   STREAMDOWN_FAULT_CRASH_AFTER=1048576     after 1 MiB written, the "process dies": the rest is dropped and
//                                            every later operation fails with io::errc::crashed
//   STREAMDOWN_FAULT_FSYNC_EIO=1             every datasync / sync_filesystem / sync_dir fails with EIO
//   STREAMDOWN_FAULT_FSYNC_EIO_AFTER=50      the first 50 syncs succeed (start-up), every later one fails with EIO
//
// Byte counts are totals over every file of the filesystem, counted from when the fault is set.

#include <cstdint>
#include <stdexcept>

namespace sd::io {

struct fault_config {
  std::uint64_t write_bytes_per_second = 0;  // 0 = unlimited
  std::size_t max_bytes_per_write = 0;       // 0 = no short writes
  std::int64_t no_space_after_bytes = -1;    // -1 = off
  std::int64_t crash_after_bytes = -1;       // -1 = off
  bool fail_fsync = false;
  std::int64_t fail_fsync_after = -1;        // -1 = off; else syncs that succeed before every later one fails

  bool any() const {
    return write_bytes_per_second != 0 || max_bytes_per_write != 0 || no_space_after_bytes >= 0 ||
           crash_after_bytes >= 0 || fail_fsync || fail_fsync_after >= 0;
  }

  /// Reads the STREAMDOWN_FAULT_* variables. Throws std::invalid_argument on a malformed value
  /// (start-up configuration error).
  static fault_config from_env();
};

}  // namespace sd::io
