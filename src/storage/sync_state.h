#pragma once
// sync_state: the part of a partition log shared between its owning thread and the flusher thread.
//
// Offsets (exclusive ends, like next_offset):
//   written  every record with offset < written has been handed to the OS (pwrite returned);
//   flushed  every record with offset < flushed is durable (fdatasync returned after it was written).
// flushed <= written always. Only sync() advances flushed, from a snapshot of written taken before the
// fdatasync, so it never claims more than the sync covered.
//
// Threads: the owner calls published_write / add_dirty_file / set_active_file / mark_dir_dirty /
// set_sticky; any thread may call sync(), flushed(), written(), sticky(). Internally a mutex guards the
// snapshot fields and a second mutex serialises syncs.

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <vector>

#include "base/ids.h"
#include "base/result.h"
#include "io/filesystem.h"

namespace sd::storage {

struct storage_probe;

class sync_state {
 public:
  /// `probe` (optional, outlives this) records every fdatasync/fsync this state runs.
  sync_state(io::filesystem& fs, std::string dir, offset flushed_and_written, storage_probe* probe = nullptr);

  // Owner thread.
  void published_write(offset written_end);
  void set_active_file(std::shared_ptr<io::file> f);
  void add_dirty_file(std::shared_ptr<io::file> f);
  void mark_dir_dirty();
  /// Records the first I/O failure; later ones keep the first cause.
  void set_sticky(std::error_code cause);
  void close() { _closed.store(true); }

  // Any thread.
  /// One group-commit round: snapshot written and the dirty files, fdatasync them (and the directory if
  /// needed), then publish flushed. On failure the error becomes sticky and errc::io_error is returned.
  status sync();
  /// Starts writeback of the files a sync() would sync, without waiting (flusher rounds of several
  /// partitions start them all, then sync each, so the devices' writes overlap). Advice only.
  void start_writeback();
  /// True when a sync() would do something (new writes, dirty files or a dirty directory).
  bool needs_sync() const;
  offset written() const { return offset(_written.load(std::memory_order_acquire)); }
  offset flushed() const { return offset(_flushed.load(std::memory_order_acquire)); }
  /// The first I/O failure's cause (an OS error), or an empty code.
  std::error_code sticky() const;
  bool failed() const { return _failed.load(std::memory_order_acquire); }
  bool closed() const { return _closed.load(); }
  std::uint64_t syncs_total() const { return _syncs.load(); }
  std::int64_t last_sync_steady_ms() const { return _last_sync_ms.load(); }

  /// Background flush period (log_config::flush_interval_ms), read by the flusher thread; -1 = none.
  std::atomic<std::int64_t> flush_interval_ms{-1};

 private:
  io::filesystem& _fs;
  const std::string _dir;
  storage_probe* const _probe;
  std::atomic<std::int64_t> _written;
  std::atomic<std::int64_t> _flushed;
  std::atomic<bool> _failed{false};
  std::atomic<bool> _closed{false};
  std::atomic<std::uint64_t> _syncs{0};
  std::atomic<std::int64_t> _last_sync_ms{0};

  mutable std::mutex _mu;  // guards the fields below
  std::shared_ptr<io::file> _active;
  std::vector<std::shared_ptr<io::file>> _dirty;
  bool _dir_dirty = false;
  std::error_code _sticky;

  std::mutex _sync_mu;  // one sync at a time, so flushed advances in order
};

}  // namespace sd::storage
