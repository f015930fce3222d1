#include "storage/sync_state.h"

#include <chrono>

#include "base/clock.h"
#include "storage/errc.h"
#include "storage/probe.h"

namespace sd::storage {

namespace {
/// Runs one fdatasync/fsync and records its duration and outcome in the probe (when there is one).
template <class F>
auto timed_sync(storage_probe* probe, F&& sync_call) {
  if (!probe) return sync_call();
  auto t0 = std::chrono::steady_clock::now();
  auto r = sync_call();
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
  probe->fsync_seconds.observe_ns(static_cast<std::uint64_t>(ns));
  probe->fsyncs_total.inc();
  if (!r) probe->fsync_errors_total.inc();
  return r;
}

}  // namespace

sync_state::sync_state(io::filesystem& fs, std::string dir, offset flushed_and_written, storage_probe* probe,
                       file_cache* files)
    : _fs(fs),
      _dir(std::move(dir)),
      _probe(probe),
      _written(flushed_and_written.value()),
      _flushed(flushed_and_written.value()),
      _rp_writer(fs, _dir, files) {
  _last_sync_ms.store(steady_ms_now());
  _last_rp_ms.store(steady_ms_now());
}

void sync_state::published_write(offset written_end, offset active_base, std::uint64_t active_size) {
  std::lock_guard lk(_mu);  // pairs with the snapshot in sync(): the bytes are in the file before it sees them
  _written.store(written_end.value(), std::memory_order_release);
  _active_base = active_base;
  _active_size = active_size;
}

void sync_state::opened_at(const recovery_point& now, const std::optional<recovery_point>& in_file) {
  std::lock_guard lk(_mu);
  _durable = now;
  _persisted = in_file;
  _active_base = now.segment_base;
  _active_size = now.position;
}

bool sync_state::recovery_point_stale() const {
  std::lock_guard lk(_mu);
  if (_sticky) return false;
  return _durable != _persisted || _written.load(std::memory_order_relaxed) > _flushed.load(std::memory_order_relaxed) ||
         !_dirty.empty() || _dir_dirty;
}

status sync_state::sync_and_persist_recovery_point() {
  request_recovery_point();
  return sync();
}

status sync_state::persist_locked() {
  recovery_point durable;
  {
    std::lock_guard lk(_mu);
    if (_durable == _persisted || _sticky) {
      _last_rp_ms.store(steady_ms_now());
      return ok();
    }
    durable = _durable;
  }
  auto r = timed_sync(_probe, [&] { return _rp_writer.write(durable); });
  if (!r) {
    set_sticky(r.error());
    return errc::io_error;
  }
  std::lock_guard lk(_mu);
  _persisted = durable;
  _last_rp_ms.store(steady_ms_now());
  return ok();
}

void sync_state::set_active_file(std::shared_ptr<io::file> f) {
  std::lock_guard lk(_mu);
  if (_active) _dirty.push_back(std::move(_active));
  _active = std::move(f);
}

void sync_state::add_dirty_file(std::shared_ptr<io::file> f) {
  std::lock_guard lk(_mu);
  _dirty.push_back(std::move(f));
}

void sync_state::mark_dir_dirty() {
  std::lock_guard lk(_mu);
  _dir_dirty = true;
}

void sync_state::set_sticky(std::error_code cause) {
  std::lock_guard lk(_mu);
  if (!_sticky) _sticky = cause;
  _failed.store(true, std::memory_order_release);
}

std::error_code sync_state::sticky() const {
  std::lock_guard lk(_mu);
  return _sticky;
}

bool sync_state::needs_sync() const {
  std::lock_guard lk(_mu);
  return written() > flushed() || !_dirty.empty() || _dir_dirty;
}

void sync_state::start_writeback() {
  std::shared_ptr<io::file> active;
  {
    std::lock_guard lk(_mu);
    if (_sticky || _written.load(std::memory_order_relaxed) <= _flushed.load(std::memory_order_relaxed)) return;
    active = _active;
  }
  if (active) active->start_writeback();
}

status sync_state::sync() {
  auto snap = begin_sync();
  return finish_sync(snap, false);
}

std::uint64_t sync_state::filesystem_id() const {
  std::shared_ptr<io::file> active;
  {
    std::lock_guard lk(_mu);
    active = _active;
  }
  return active ? active->filesystem_id() : 0;
}

sync_state::snapshot sync_state::begin_sync() {
  snapshot snap;
  snap.lock = std::unique_lock(_sync_mu);
  std::lock_guard lk(_mu);
  if (_sticky) {
    snap.failed = true;
    return snap;
  }
  snap.end = _written.load(std::memory_order_relaxed);
  snap.point = {offset(snap.end), _active_base, _active_size};
  snap.files.swap(_dirty);
  if (_active && snap.end > _flushed.load(std::memory_order_relaxed)) snap.files.push_back(_active);
  snap.dir_dirty = _dir_dirty;
  _dir_dirty = false;
  snap.tokens.reserve(snap.files.size());
  for (const auto& f : snap.files) snap.tokens.push_back(f->sync_token());
  return snap;
}

status sync_state::finish_sync(snapshot& snap, bool filesystem_synced) {
  if (snap.failed) return errc::io_error;
  if (filesystem_synced) {
    for (std::size_t i = 0; i < snap.files.size(); ++i) snap.files[i]->synced_through(snap.tokens[i]);
  } else {
    for (auto& f : snap.files) {
      auto r = timed_sync(_probe, [&] { return f->datasync(); });
      if (!r) {
        set_sticky(r.error());
        return errc::io_error;
      }
    }
    if (snap.dir_dirty) {
      auto r = timed_sync(_probe, [&] { return _fs.sync_dir(_dir); });
      if (!r) {
        set_sticky(r.error());
        return errc::io_error;
      }
    }
  }
  if (snap.end > _flushed.load(std::memory_order_relaxed)) _flushed.store(snap.end, std::memory_order_release);
  {
    std::lock_guard lk(_mu);
    if (snap.point.end > _durable.end || snap.point.segment_base > _durable.segment_base) _durable = snap.point;
  }
  _syncs.fetch_add(1);
  _last_sync_ms.store(steady_ms_now());
  if (_persist_requested.exchange(false, std::memory_order_acq_rel)) return persist_locked();
  return ok();
}

}  // namespace sd::storage
