#include "storage/filesystem_sync.h"

#include <sys/utsname.h>

#include <chrono>
#include <cstdio>

#include "io/errc.h"
#include "storage/probe.h"

namespace sd::storage {

bool filesystem_sync::kernel_reports_errors() {
  static const bool reports = [] {
    utsname u{};
    if (::uname(&u) != 0) return false;
    int major = 0, minor = 0;
    if (std::sscanf(u.release, "%d.%d", &major, &minor) != 2) return false;
    return major > 5 || (major == 5 && minor >= 8);
  }();
  return reports;
}

filesystem_sync::filesystem_sync(std::int64_t limit_bytes, std::unique_ptr<dirty_memory> dirty)
    : _limit(limit_bytes), _dirty(std::move(dirty)) {}

bool filesystem_sync::try_sync(std::span<sync_state* const> states) {
  if (_limit < 0 || states.size() < 2 || !kernel_reports_errors()) return false;
  _todo.clear();
  std::uint64_t fs_id = 0;
  for (auto* s : states) {
    if (!s->needs_sync() && !s->recovery_point_requested()) continue;
    const std::uint64_t id = s->filesystem_id();
    if (id == 0 || (fs_id != 0 && id != fs_id)) return false;
    fs_id = id;
    _todo.push_back(s);
  }
  if (_todo.size() < 2) return false;
  auto dirty = _dirty->bytes();
  if (!dirty || *dirty > static_cast<std::uint64_t>(_limit)) return false;

  _snapshots.clear();
  std::size_t files = 0;
  for (auto* s : _todo) {
    _snapshots.push_back(s->begin_sync());  // in address order: the flusher's lock order
    const auto& snap = _snapshots.back();
    files += snap.files.size() + (snap.dir_dirty ? 1 : 0);
  }
  bool synced = false;
  if (files >= 2) {
    storage_probe* probe = _todo.front()->probe();
    auto t0 = std::chrono::steady_clock::now();
    // Any open file of the round names the filesystem (a closed one answers unsupported: try the next).
    status r = io::errc::unsupported;
    for (auto& snap : _snapshots) {
      for (auto& f : snap.files) {
        r = f->sync_filesystem();
        if (r || r.error() != io::errc::unsupported) break;
      }
      if (r || r.error() != io::errc::unsupported) break;
    }
    const bool tried = r || r.error() != io::errc::unsupported;
    if (probe && tried) {
      probe->fsync_seconds.observe_ns(static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count()));
      probe->fsyncs_total.inc();
      if (r) probe->filesystem_syncs_total.inc();
      else probe->fsync_errors_total.inc();
    }
    synced = static_cast<bool>(r);
    if (synced) ++_syncs;
  }
  // Failed (or a round of one file after all): each state syncs its own files, which also finds the file
  // that failed. Failures are sticky in their states; the flusher's waiters read them there.
  for (std::size_t i = 0; i < _todo.size(); ++i) (void)_todo[i]->finish_sync(_snapshots[i], synced);
  _snapshots.clear();  // releases the sync locks
  return true;
}

}  // namespace sd::storage
