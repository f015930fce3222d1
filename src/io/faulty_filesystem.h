#pragma once
// faulty_filesystem: wraps another filesystem and injects faults into writes and syncs (see
// io/fault_config.h for the list). With no fault set it forwards every call unchanged, so code tested
// through it behaves exactly as with posix_filesystem(). Reads are never faulted (a crashed wrapper fails
// them too, as a dead process cannot read).
//
// Thread-safe: faults may be changed while other threads write. Files opened through the wrapper share
// its fault state and stay valid after the wrapper is destroyed.

#include <memory>

#include "io/fault_config.h"
#include "io/filesystem.h"

namespace sd::io {

struct fault_state;

struct fault_stats {
  std::uint64_t bytes_written = 0;  // bytes that reached the inner filesystem
  std::uint64_t writes = 0;         // pwrite calls that reached the inner filesystem
  std::uint64_t syncs = 0;          // successful datasync, sync_filesystem and sync_dir calls
  std::uint64_t failed_syncs = 0;   // datasync / sync_filesystem / sync_dir calls failed by injection
  std::uint64_t throttle_ns = 0;    // total delay the write throttle imposed (sum over writes)
  std::uint64_t cache_drops = 0;    // drop_cache advice calls passed through
};

class faulty_filesystem final : public filesystem {
 public:
  explicit faulty_filesystem(filesystem& inner, fault_config config = {});
  ~faulty_filesystem() override;

  void set_config(const fault_config& config);  // replaces every fault; byte budgets count from now
  void clear_faults() { set_config({}); }
  void set_short_writes(std::size_t max_bytes_per_write);
  void set_fail_fsync(bool fail);
  void set_no_space_after(std::int64_t bytes);
  void set_crash_after(std::int64_t bytes);
  void set_write_throttle(std::uint64_t bytes_per_second);
  bool crashed() const;
  fault_stats stats() const;

  result<std::shared_ptr<file>> open(const std::string& path, open_mode mode) override;
  status remove(const std::string& path) override;
  status remove_all(const std::string& path) override;
  status rename(const std::string& from, const std::string& to) override;
  status mkdir(const std::string& path) override;
  result<std::vector<dir_entry>> list(const std::string& dir) override;
  result<bool> exists(const std::string& path) override;
  status sync_dir(const std::string& dir) override;
  result<std::unique_ptr<file_lock>> lock_exclusive(const std::string& path) override;
  result<std::uint64_t> free_space(const std::string& path) override;

 private:
  filesystem& _inner;
  std::shared_ptr<fault_state> _state;
};

/// The filesystem a process should use: posix_filesystem(), or, when any STREAMDOWN_FAULT_* variable is set
/// (see io/fault_config.h), a process-wide faulty_filesystem over it configured from them. Reads the
/// environment on the first call only. Throws std::invalid_argument on a malformed value (start-up error).
filesystem& filesystem_from_env();

}  // namespace sd::io
