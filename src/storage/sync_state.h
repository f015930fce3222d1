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
//
// Recovery point (storage/recovery_point.h): each sync also records the point it made durable (written
// end, active segment base and size at its snapshot; sealed segments' index files are in the dirty list
// before the roll publishes the new active segment, so the same sync covers them). A sync asked to (by the
// flusher every recovery_point_interval_ms, and by close) then persists that point when it moved.

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <vector>

#include "base/ids.h"
#include "base/result.h"
#include "io/filesystem.h"
#include "storage/recovery_point.h"

namespace sd::storage {

struct storage_probe;

class sync_state {
 public:
  /// `probe` (optional, outlives this) records every fdatasync/fsync this state runs; `files` (optional,
  /// outlives this) bounds the recovery-point file's descriptor.
  sync_state(io::filesystem& fs, std::string dir, offset flushed_and_written, storage_probe* probe = nullptr,
             file_cache* files = nullptr);

  // Owner thread.
  /// Records written below `written_end` are in the files; the active segment (base `active_base`) holds
  /// whole batches in bytes [0, active_size).
  void published_write(offset written_end, offset active_base, std::uint64_t active_size);
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
  /// sync() in two halves, so that one filesystem-wide sync can serve several partitions
  /// (storage/filesystem_sync.h): begin_sync() takes this state's sync lock and snapshot (written end, the
  /// files to sync); the caller runs file::sync_filesystem() once for all the snapshots it holds; then
  /// finish_sync(snap, true) publishes flushed without syncing the files again. finish_sync(snap, false)
  /// syncs the snapshot's files one by one first, which is exactly sync(). The lock is released when `snap`
  /// is destroyed; a caller holding several must have taken them in one global order (the flusher's is by
  /// address). finish_sync also persists a requested recovery point, as sync() does.
  struct snapshot {
    std::unique_lock<std::mutex> lock;  // _sync_mu
    bool failed = false;                // sticky at begin: finish_sync returns errc::io_error
    std::int64_t end = 0;
    std::vector<std::shared_ptr<io::file>> files;
    std::vector<std::uint64_t> tokens;  // files[i]->sync_token() at begin_sync
    bool dir_dirty = false;
    recovery_point point;
  };
  snapshot begin_sync();
  status finish_sync(snapshot& snap, bool filesystem_synced);
  /// filesystem_id() of the active segment file (0: none yet, or unknown). Every file a snapshot lists is
  /// in this partition's directory, so on the same filesystem as the active one.
  std::uint64_t filesystem_id() const;
  storage_probe* probe() const { return _probe; }
  /// sync(), then persists the recovery point that sync made durable if it differs from the file's.
  status sync_and_persist_recovery_point();
  /// Makes the next sync() persist the recovery point too (the flusher's periodic tick).
  void request_recovery_point() { _persist_requested.store(true, std::memory_order_release); }
  bool recovery_point_requested() const { return _persist_requested.load(std::memory_order_acquire); }
  /// True when the durable recovery point is ahead of the persisted one, or a sync is needed (never once a
  /// failure is sticky: nothing more can be made durable).
  bool recovery_point_stale() const;
  std::int64_t last_recovery_point_steady_ms() const { return _last_rp_ms.load(); }
  /// The flusher found nothing to persist at now_ms: its next look is half an interval later.
  void recovery_point_checked(std::int64_t now_ms, std::int64_t interval_ms) {
    _last_rp_ms.store(now_ms - interval_ms + interval_ms / 2);
  }
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
  /// How often the flusher syncs this log if needed and persists its recovery point
  /// (log_config::recovery_point_interval_ms); -1 = only at close.
  std::atomic<std::int64_t> recovery_point_interval_ms{-1};

  /// At open (everything durable): the log's point now, and the one its file holds (nullopt: none or
  /// damaged). The first persist is skipped when they are equal (a clean restart writes nothing).
  void opened_at(const recovery_point& now, const std::optional<recovery_point>& in_file);

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
  std::atomic<std::int64_t> _last_rp_ms{0};
  std::atomic<bool> _persist_requested{false};

  mutable std::mutex _mu;  // guards the fields below
  std::shared_ptr<io::file> _active;
  std::vector<std::shared_ptr<io::file>> _dirty;
  bool _dir_dirty = false;
  std::error_code _sticky;
  offset _active_base{0};            // with _written: the point a sync snapshot records
  std::uint64_t _active_size = 0;
  recovery_point _durable;           // what the last successful sync made durable
  std::optional<recovery_point> _persisted;  // what the file holds (nullopt: nothing valid)

  std::mutex _sync_mu;  // one sync at a time, so flushed advances in order; also guards _rp_writer
  recovery_point_writer _rp_writer;
  status persist_locked();  // _sync_mu held
};

}  // namespace sd::storage
