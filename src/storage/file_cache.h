#pragma once
// file_cache: a process-wide bound on the log files held open (streamdown.log.open.files.max), so the number
// of partitions and segments is limited by disk and memory, not by `ulimit -n`.
//
// A cached_file is an io::file that names a path and opens its descriptor on first use. The cache keeps at
// most `max_open` such descriptors; when a new one must open, it closes the least recently used idle one
// (CLOCK approximation: a use sets a bit, the sweep clears bits and evicts the first file found unset).
//
// Invariants and contracts:
//  - Never evicted: a file with writes not yet covered by a successful datasync (closing it could lose a
//    writeback error: a later descriptor is not guaranteed to see it), and a file marked keep_open() (removed
//    or renamed-away files, which cannot be reopened by path). These count in open() but the bound does not
//    wait for them, so open() may exceed max_open by the number of dirty and kept files.
//  - Every operation holds the descriptor (a shared_ptr copy) for its duration, so an eviction during a pread
//    or datasync only drops the cache's reference; the descriptor closes when the operation returns.
//  - hold() returns the descriptor itself: readers put it into file slices for sendfile, so it stays open
//    while a response is being sent, however long, whatever the cache does meanwhile.
//  - datasync() of a closed file has nothing to sync (it was clean when evicted) and opens nothing.
//  - Thread-safe: every method may be called from any thread.
//
// Without a cache (nullptr) a cached_file still opens lazily but never closes until destroyed or close()d.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "io/filesystem.h"

namespace sd::storage {

class file_cache;

class cached_file final : public io::file {
 public:
  /// A file at `path` opened read_write on first use (it must exist by then). `cache` may be null.
  cached_file(io::filesystem& fs, std::string path, file_cache* cache);
  ~cached_file() override;
  cached_file(const cached_file&) = delete;
  cached_file& operator=(const cached_file&) = delete;

  result<std::size_t> pwrite(file_pos pos, byte_span data) override;
  result<std::size_t> pread(file_pos pos, mutable_byte_span out) override;
  status datasync() override;
  status truncate(std::uint64_t size) override;
  result<std::uint64_t> size() override;
  status close() override;
  /// -1: the descriptor may close at any time; use hold() for zero-copy.
  int native_handle() const noexcept override { return -1; }
  void drop_cache(file_pos pos, std::uint64_t len) noexcept override;
  void start_writeback() noexcept override;
  /// syncfs through the open descriptor; io::errc::unsupported when the file is not open (a closed file
  /// is clean, and opening one only to sync its filesystem is not worth it: use another file).
  status sync_filesystem() override;
  /// The open descriptor's, remembered once known (0 while it was never open).
  std::uint64_t filesystem_id() const noexcept override;
  std::uint64_t sync_token() const noexcept override;
  void synced_through(std::uint64_t token) noexcept override;

  /// Uses `open` (already open on this path, read-write) as the descriptor, unless one is open already.
  void adopt(std::shared_ptr<io::file> open);
  /// Opens the file if needed and fdatasyncs that descriptor, whatever this object knows of its writes (for
  /// files another process may have left dirty: recovery after a crash).
  status sync_open();
  /// The open descriptor (opening it if needed), valid as long as the returned pointer is held. The cache
  /// may evict this object's descriptor meanwhile; the holder's stays open (and counts in held()).
  result<std::shared_ptr<io::file>> hold();
  /// Whether a reader still has this file: a pointer from hold() (a fetch's file slice, a send in progress)
  /// or from reading_reference() (a cleaning pass) is alive. A retired file that is held must keep its
  /// content, so it is unlinked whole, never shrunk first (file_deleter.h).
  bool held() const noexcept { return _holds->load(std::memory_order_acquire) > 0; }
  /// `f` itself (same object, so comparisons by pointer hold), through a pointer counted in held() while
  /// alive: for readers that keep the file object rather than a descriptor.
  static std::shared_ptr<cached_file> reading_reference(const std::shared_ptr<cached_file>& f);
  /// Opens the file if needed and never evicts it again: call before removing or renaming the path away
  /// while others may still use this object. Returns the open error, if any.
  status keep_open();
  /// Closes the descriptor now unless it has unsynced writes or is kept (it reopens on next use).
  void release_if_clean();
  /// The path changed (after a rename by the owner); later opens use the new one.
  void renamed(std::string new_path);
  bool is_open() const;
  std::string path() const;

 private:
  friend class file_cache;
  result<std::shared_ptr<io::file>> acquire(bool for_write);
  void write_done();  // a pwrite/truncate returned
  std::shared_ptr<io::file> current() const;  // the descriptor if open, else null (no open)

  io::filesystem& _fs;
  file_cache* const _cache;
  mutable std::mutex _mu;  // guards the fields below; the cache's mutex is always taken before it
  std::string _path;
  std::shared_ptr<io::file> _open;
  std::uint64_t _writes = 0;  // +1 when a pwrite/truncate begins and +1 when it returns
  std::uint64_t _synced = 0;  // _writes as of the start of the last successful datasync: clean iff equal
  bool _kept = false;
  bool _listed = false;  // in the cache's ring (then _slot is its index there; the cache's mutex guards _slot)
  std::size_t _slot = 0;
  std::atomic<bool> _used{false};  // CLOCK reference bit
  // Live hold() pointers; shared with their deleters, which may run after this object is gone.
  std::shared_ptr<std::atomic<std::int64_t>> _holds = std::make_shared<std::atomic<std::int64_t>>(0);
  mutable std::atomic<std::uint64_t> _fs_id{0};  // filesystem_id() once known
};

struct file_cache_stats {
  std::uint64_t hits = 0;       // uses that found the descriptor open
  std::uint64_t misses = 0;     // uses that opened it
  std::uint64_t evictions = 0;  // descriptors closed to stay under the bound
  std::uint64_t open = 0;       // descriptors held now (cached, dirty or kept)
  std::uint64_t max_open = 0;
};

class file_cache {
 public:
  /// The cache must outlive every cached_file made with it.
  explicit file_cache(std::size_t max_open);
  file_cache(const file_cache&) = delete;
  file_cache& operator=(const file_cache&) = delete;

  /// A lazily opened file under this cache's bound.
  std::shared_ptr<cached_file> make(io::filesystem& fs, std::string path) {
    return std::make_shared<cached_file>(fs, std::move(path), this);
  }
  /// A lazily opened file under `cache`'s bound, or unbounded (opened once, kept) when cache is null.
  static std::shared_ptr<cached_file> make(file_cache* cache, io::filesystem& fs, std::string path) {
    return std::make_shared<cached_file>(fs, std::move(path), cache);
  }
  void set_max_open(std::size_t n);
  file_cache_stats stats() const;

 private:
  friend class cached_file;
  void opened(cached_file* f);  // f->_mu not held; counts a miss and evicts to make room
  void forget(cached_file* f);  // out of the ring (destroyed, closed or kept); f->_mu not held
  bool keep(cached_file* f);  // marks f kept and unlisted if it is open; false if it is not
  std::shared_ptr<io::file> release(cached_file* f);  // takes f's descriptor out if it is open and clean
  void remove_slot(std::size_t i);  // _mu held
  void count_hit() { _hits.fetch_add(1, std::memory_order_relaxed); }

  mutable std::mutex _mu;  // guards _files and _hand
  std::vector<cached_file*> _files;  // open files (CLOCK ring)
  std::size_t _hand = 0;
  std::atomic<std::size_t> _max_open;
  std::atomic<std::uint64_t> _hits{0};
  std::atomic<std::uint64_t> _misses{0};
  std::atomic<std::uint64_t> _evictions{0};
  std::atomic<std::int64_t> _open_files{0};  // descriptors held by this cache's files (ring, dirty or kept)
};

}  // namespace sd::storage
