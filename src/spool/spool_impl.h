#pragma once
// The one spool implementation (internal to src/spool). Split over files of one job each:
//   spool_impl.cc   append, bounds and policies, segment roll, mark_forwarded, stats, close
//   sync_thread.cc  group commit: the sync thread, durable_seq, append callbacks
//   reader.cc       read() from the segment files (pread, bounded window)
//   recovery.cc     open(): lock, ledger, scan and repair of every segment
//
// Locking: one mutex `_mu` guards every member below it. File writes (pwrite) and ledger writes happen under
// `_mu` so appends, rolls and deletions stay in one order; fdatasync of segments and directory syncs happen
// outside it (the sync thread and mark_forwarded), so appends continue while a sync is in flight. Callbacks
// are always invoked without `_mu` held.
//
// Invariants (under _mu): forwarded_seq <= durable_seq <= written_seq < next_seq; a segment's durable_end <=
// its size; `_bytes` is the sum of every segment's size; `_active` is the last segment of `_segments`.

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "io/filesystem.h"
#include "spool/format.h"
#include "spool/ledger.h"
#include "spool/segment_scan.h"
#include "spool/spool.h"

namespace sd::spool::detail {

inline constexpr std::uint64_t index_interval = 64 * 1024;

/// One segment file. Fields marked "immutable" are set before the segment is published in `_segments`
/// and may be read without `_mu` by whoever holds the shared_ptr; every other field is under `_mu`.
struct segment {
  std::uint64_t name_seq = 0;        // immutable: the seq in the file name
  std::string path;                  // immutable
  std::shared_ptr<io::file> file;    // immutable; nullptr for a quarantined segment
  bool readable = true;              // immutable: false when its header was damaged (skipped whole)
  std::vector<corrupt_range> skips;  // immutable: damaged byte ranges found by recovery
  std::uint64_t size = 0;            // bytes in the file (header included)
  std::uint64_t durable_end = 0;     // readers stop here: the end of the last synced record
  std::uint64_t records = 0;
  std::uint64_t first_seq = 0;  // of the records it holds; 0 while none
  std::uint64_t last_seq = 0;
  std::uint64_t covers_to = 0;  // the highest seq this file accounts for (>= last_seq)
  std::int64_t first_timestamp_ms = 0;
  std::vector<index_entry> index;  // sparse (seq, pos)
  bool unsynced = false;           // in `_unsynced`
};

class spool_impl final : public spool {
 public:
  spool_impl(const options& o, io::filesystem& fs, std::uint64_t segment_bytes,
             std::unique_ptr<io::file_lock> lock);
  ~spool_impl() override;

  /// open()'s second half: scans and repairs the directory, then starts the sync thread.
  status recover(const ledger_read& ledger, recovery_report& report);

  void append(std::vector<record> records, append_callback done) override;
  bool has_space(std::uint64_t bytes) const override;
  void notify_on_space(std::function<void()> fn) override;
  result<std::vector<record>> read(std::uint64_t from_seq, std::size_t max_records,
                                   std::size_t max_bytes) const override;
  void notify_on_durable(std::uint64_t seq, std::function<void()> fn) override;
  status mark_forwarded(std::uint64_t up_to_seq) override;
  std::uint64_t forwarded_seq() const override;
  std::uint64_t durable_seq() const override;
  stats get_stats() const override;
  std::vector<gap> gaps() const override;
  void close() override;
  std::error_code io_failure() const override;

 private:
  struct pending {
    std::uint64_t first_seq;
    std::uint64_t last_seq;
    append_callback done;
  };

  // All *_locked members need `_mu`.
  std::uint64_t bytes_needed_from(std::uint64_t size, bool has_records, const std::vector<std::size_t>& frames) const;
  std::uint64_t bytes_needed_locked(const std::vector<std::size_t>& frames) const;
  status roll_locked();
  status make_room_locked(const std::vector<std::size_t>& frames, std::vector<std::string>& removed);
  void add_gap_locked(gap g);
  status write_ledger_locked();
  std::uint64_t gap_upper_bound(const segment& s) const;
  bool deletable_locked(const segment& s) const;
  std::error_code fail_locked(std::error_code cause);  // sets the sticky failure, returns errc::io_error
  std::vector<std::function<void()>> take_space_waiters_locked();
  void sync_loop();
  void unlink_all(const std::vector<std::string>& paths);

  const options _o;
  io::filesystem& _fs;
  const std::uint64_t _segment_bytes;
  std::unique_ptr<io::file_lock> _lock;
  std::thread _sync_thread;

  mutable std::mutex _mu;
  std::condition_variable _cv;                                  // wakes the sync thread
  std::map<std::uint64_t, std::shared_ptr<segment>> _segments;  // by name_seq
  std::shared_ptr<segment> _active;
  std::uint64_t _next_seq = 1;
  std::uint64_t _written_seq = 0;
  std::uint64_t _durable_seq = 0;
  std::uint64_t _forwarded_seq = 0;
  std::uint64_t _bytes = 0;
  format::ledger_state _ledger;
  std::optional<ledger_writer> _ledger_writer;
  bool _ledger_dirty = false;     // a drop_newest gap not yet written (the sync thread writes it)
  bool _newest_gap_open = false;  // the last gap is drop_newest and nothing was accepted since
  std::deque<pending> _pending;   // appended, callback not yet run; in seq order
  std::vector<std::shared_ptr<segment>> _unsynced;  // segments with writes not yet fdatasync'ed
  bool _dir_dirty = false;   // segment created or removed since the last directory sync
  std::error_code _failure;  // sticky OS cause; set once
  bool _stopping = false;
  bool _closed = false;
  std::vector<std::function<void()>> _space_waiters;
  std::multimap<std::uint64_t, std::function<void()>> _durable_waiters;
  stats _stats;  // counters only; positions are computed in get_stats()
  // A reader resuming where the last read stopped skips the index search.
  struct cursor {
    std::uint64_t seq = 0;
    std::uint64_t segment = 0;
    std::uint64_t pos = 0;
  };
  mutable cursor _cursor;
};

}  // namespace sd::spool::detail
