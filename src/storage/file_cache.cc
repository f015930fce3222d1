#include "storage/file_cache.h"

#include "io/errc.h"

#include <algorithm>

namespace sd::storage {

// ---- cached_file ----

cached_file::cached_file(io::filesystem& fs, std::string path, file_cache* cache)
    : _fs(fs), _cache(cache), _path(std::move(path)) {}

cached_file::~cached_file() {
  if (_cache == nullptr) return;
  _cache->forget(this);
  if (_open) _cache->_open_files.fetch_sub(1, std::memory_order_relaxed);
}

std::shared_ptr<io::file> cached_file::current() const {
  std::lock_guard lk(_mu);
  return _open;
}

bool cached_file::is_open() const { return current() != nullptr; }

std::string cached_file::path() const {
  std::lock_guard lk(_mu);
  return _path;
}

result<std::shared_ptr<io::file>> cached_file::acquire(bool for_write) {
  std::string path;
  {
    std::lock_guard lk(_mu);
    if (_open) {
      _used.store(true, std::memory_order_relaxed);
      if (for_write) ++_writes;
      if (_cache != nullptr) _cache->count_hit();
      return _open;
    }
    path = _path;
  }
  auto opened = _fs.open(path, io::open_mode::read_write);
  if (!opened) return opened.error();
  std::shared_ptr<io::file> f;
  bool installed = false;
  {
    std::lock_guard lk(_mu);
    if (!_open) {
      _open = std::move(*opened);
      installed = true;
      if (_cache != nullptr) _cache->_open_files.fetch_add(1, std::memory_order_relaxed);
    }
    f = _open;
    _used.store(true, std::memory_order_relaxed);
    if (for_write) ++_writes;
  }
  // The descriptor is held by `f` for this operation even if the cache evicts it right away.
  if (installed && _cache != nullptr) _cache->opened(this);
  return f;
}

void cached_file::adopt(std::shared_ptr<io::file> open) {
  bool installed = false;
  {
    std::lock_guard lk(_mu);
    if (!_open) {
      _open = std::move(open);
      installed = true;
      _used.store(true, std::memory_order_relaxed);
      if (_cache != nullptr) _cache->_open_files.fetch_add(1, std::memory_order_relaxed);
    }
  }
  if (installed && _cache != nullptr) _cache->opened(this);
}

void cached_file::write_done() {
  // Counted again once the write returned: a datasync that sampled _writes while this write was still in
  // progress (the flusher runs beside the owner's appends) then leaves the file dirty, not clean.
  std::lock_guard lk(_mu);
  ++_writes;
}

result<std::size_t> cached_file::pwrite(file_pos pos, byte_span data) {
  auto f = acquire(true);
  if (!f) return f.error();
  auto r = (*f)->pwrite(pos, data);
  write_done();
  return r;
}

result<std::size_t> cached_file::pread(file_pos pos, mutable_byte_span out) {
  auto f = acquire(false);
  if (!f) return f.error();
  return (*f)->pread(pos, out);
}

status cached_file::truncate(std::uint64_t size) {
  auto f = acquire(true);
  if (!f) return f.error();
  auto r = (*f)->truncate(size);
  write_done();
  return r;
}

status cached_file::sync_open() {
  auto f = acquire(false);
  if (!f) return f.error();
  std::uint64_t writes = 0;
  {
    std::lock_guard lk(_mu);
    writes = _writes;
  }
  SD_TRY((*f)->datasync());
  std::lock_guard lk(_mu);
  _synced = std::max(_synced, writes);
  return ok();
}

result<std::uint64_t> cached_file::size() {
  auto f = acquire(false);
  if (!f) return f.error();
  return (*f)->size();
}

status cached_file::datasync() {
  std::shared_ptr<io::file> f;
  std::uint64_t writes = 0;
  {
    std::lock_guard lk(_mu);
    if (!_open) return ok();  // only a clean file is ever closed: nothing to make durable
    f = _open;
    writes = _writes;
  }
  auto r = f->datasync();
  if (!r) return r;
  std::lock_guard lk(_mu);
  _synced = std::max(_synced, writes);
  return ok();
}

void cached_file::drop_cache(file_pos pos, std::uint64_t len) noexcept {
  if (auto f = current()) f->drop_cache(pos, len);
}

void cached_file::start_writeback() noexcept {
  if (auto f = current()) f->start_writeback();
}

status cached_file::sync_filesystem() {
  auto f = current();
  if (!f) return io::errc::unsupported;
  return f->sync_filesystem();
}

std::uint64_t cached_file::filesystem_id() const noexcept {
  if (std::uint64_t id = _fs_id.load(std::memory_order_relaxed); id != 0) return id;
  auto f = current();
  if (!f) return 0;
  std::uint64_t id = f->filesystem_id();
  _fs_id.store(id, std::memory_order_relaxed);
  return id;
}

std::uint64_t cached_file::sync_token() const noexcept {
  std::lock_guard lk(_mu);
  return _writes;
}

void cached_file::synced_through(std::uint64_t token) noexcept {
  std::lock_guard lk(_mu);
  _synced = std::max(_synced, token);
}

namespace {

/// `owner`'s object through a new pointer that keeps `owner` alive and counts in `holds` while it lives.
template <class T>
std::shared_ptr<T> counted(std::shared_ptr<T> owner, const std::shared_ptr<std::atomic<std::int64_t>>& holds) {
  holds->fetch_add(1, std::memory_order_acq_rel);
  T* raw = owner.get();
  return std::shared_ptr<T>(raw, [owner = std::move(owner), holds](T*) mutable {
    owner.reset();  // the descriptor (or object) goes first, then the count: held() never undercounts
    holds->fetch_sub(1, std::memory_order_acq_rel);
  });
}

}  // namespace

result<std::shared_ptr<io::file>> cached_file::hold() {
  auto f = acquire(false);
  if (!f) return f;
  return counted(std::move(*f), _holds);  // the same descriptor, its release counted: see held()
}

std::shared_ptr<cached_file> cached_file::reading_reference(const std::shared_ptr<cached_file>& f) {
  if (!f) return f;
  return counted(f, f->_holds);
}

status cached_file::keep_open() {
  for (;;) {
    auto f = acquire(false);
    if (!f) return f.error();
    if (_cache == nullptr) {
      std::lock_guard lk(_mu);
      _kept = true;
      return ok();
    }
    if (_cache->keep(this)) return ok();
    // Evicted between the open and the lock: open again.
  }
}

void cached_file::renamed(std::string new_path) {
  std::lock_guard lk(_mu);
  _path = std::move(new_path);
}

void cached_file::release_if_clean() {
  std::shared_ptr<io::file> dropped;  // closed after the locks are released
  if (_cache != nullptr) {
    dropped = _cache->release(this);
    return;
  }
  std::lock_guard lk(_mu);
  if (_open && !_kept && _writes == _synced) {
    dropped = std::move(_open);
    _open = nullptr;
  }
}

status cached_file::close() {
  std::shared_ptr<io::file> dropped;  // the descriptor closes when its last holder (a slice, a sync) lets go
  if (_cache != nullptr) {
    // Both locks, as every other change of _open and _listed: a concurrent opened() cannot list the file
    // between its removal from the ring and the drop.
    std::lock_guard lk(_cache->_mu);
    std::lock_guard flk(_mu);
    if (_listed) {
      _listed = false;
      _cache->remove_slot(_slot);
    }
    dropped = std::move(_open);
    _open = nullptr;
    if (dropped) _cache->_open_files.fetch_sub(1, std::memory_order_relaxed);
    return ok();
  }
  std::lock_guard lk(_mu);
  dropped = std::move(_open);
  _open = nullptr;
  return ok();
}

// ---- file_cache ----

file_cache::file_cache(std::size_t max_open) : _max_open(std::max<std::size_t>(1, max_open)) {}

void file_cache::set_max_open(std::size_t n) { _max_open.store(std::max<std::size_t>(1, n)); }

void file_cache::opened(cached_file* f) {
  _misses.fetch_add(1, std::memory_order_relaxed);
  std::vector<std::shared_ptr<io::file>> closing;  // destroyed after the locks are released
  {
    std::lock_guard lk(_mu);
    {
      std::lock_guard flk(f->_mu);
      if (f->_kept || f->_listed || !f->_open) return;
      f->_listed = true;
      f->_slot = _files.size();
    }
    _files.push_back(f);
    // CLOCK sweep: at most two turns of the ring (the first may only clear reference bits); files that are
    // dirty, kept or being opened are passed over, so the ring may stay above the bound until they sync.
    const std::size_t max_open = _max_open.load();
    std::size_t steps = 0;
    while (_files.size() > max_open && steps < 2 * _files.size()) {
      ++steps;
      if (_hand >= _files.size()) _hand = 0;
      cached_file* c = _files[_hand];
      if (c == f) {
        ++_hand;
        continue;
      }
      std::lock_guard clk(c->_mu);
      if (c->_used.exchange(false, std::memory_order_relaxed) || c->_writes != c->_synced || c->_kept) {
        ++_hand;
        continue;
      }
      closing.push_back(std::move(c->_open));
      c->_open = nullptr;
      c->_listed = false;
      _open_files.fetch_sub(1, std::memory_order_relaxed);
      _evictions.fetch_add(1, std::memory_order_relaxed);
      remove_slot(_hand);  // the last file moves into this slot: examined next
    }
  }
}

std::shared_ptr<io::file> file_cache::release(cached_file* f) {
  std::lock_guard lk(_mu);
  std::lock_guard flk(f->_mu);
  if (!f->_open || f->_kept || f->_writes != f->_synced) return nullptr;
  if (f->_listed) {
    f->_listed = false;
    remove_slot(f->_slot);
  }
  _open_files.fetch_sub(1, std::memory_order_relaxed);
  auto dropped = std::move(f->_open);
  f->_open = nullptr;
  return dropped;
}

bool file_cache::keep(cached_file* f) {
  std::lock_guard lk(_mu);
  std::lock_guard flk(f->_mu);
  if (!f->_open) return false;
  f->_kept = true;
  if (f->_listed) {
    f->_listed = false;
    remove_slot(f->_slot);
  }
  return true;
}

void file_cache::remove_slot(std::size_t i) {
  _files[i] = _files.back();
  _files[i]->_slot = i;
  _files.pop_back();
}

void file_cache::forget(cached_file* f) {
  std::lock_guard lk(_mu);
  {
    std::lock_guard flk(f->_mu);
    if (!f->_listed) return;
    f->_listed = false;
  }
  remove_slot(f->_slot);
}

file_cache_stats file_cache::stats() const {
  file_cache_stats s;
  s.hits = _hits.load(std::memory_order_relaxed);
  s.misses = _misses.load(std::memory_order_relaxed);
  s.evictions = _evictions.load(std::memory_order_relaxed);
  s.max_open = _max_open.load();
  s.open = static_cast<std::uint64_t>(std::max<std::int64_t>(0, _open_files.load(std::memory_order_relaxed)));
  return s;
}

}  // namespace sd::storage
