// The sync thread: group commit and every append callback.
//
// sync_mode::always: one cycle takes every segment written since the last cycle, fdatasyncs each once, syncs
// the directory when a segment was created or removed, then publishes durable_seq (and each segment's
// durable_end) and runs the callbacks of every append now durable, in seq order. Appends that arrive during
// the syncs wait for the next cycle: one sync serves every append waiting.
// sync_mode::interval: callbacks run as soon as the records are written; the same cycle runs every
// sync_interval (and at close), and only it advances durable_seq, so readers still never see past the disk.
// A failed sync is sticky: every pending and later append fails with errc::io_error, durable_seq stays.

#include <chrono>

#include "spool/errc.h"
#include "spool/spool_impl.h"

namespace sd::spool::detail {

void spool_impl::sync_loop() {
  const bool always = _o.sync == sync_mode::always;
  auto next_sync = std::chrono::steady_clock::now() + _o.sync_interval;
  std::unique_lock lk(_mu);
  for (;;) {
    auto dirty = [&] { return !_unsynced.empty() || _dir_dirty || _ledger_dirty; };
    auto has_work = [&] { return _stopping || !_pending.empty() || (always && dirty()); };
    if (always) {
      _cv.wait(lk, has_work);
    } else {
      _cv.wait_until(lk, next_sync,
                     [&] { return has_work() || std::chrono::steady_clock::now() >= next_sync; });
    }
    std::vector<append_callback> ok_fns;  // run with their first seq
    std::vector<std::uint64_t> ok_seqs;
    std::vector<append_callback> failed_fns;
    std::vector<std::function<void()>> wake;

    if (!always) {  // acknowledged on write
      for (auto& p : _pending) {
        ok_fns.push_back(std::move(p.done));
        ok_seqs.push_back(p.first_seq);
      }
      _pending.clear();
    }
    bool sync_now = always || _stopping || std::chrono::steady_clock::now() >= next_sync;
    if (sync_now && dirty() && !_failure) {
      if (_ledger_dirty) (void)write_ledger_locked();  // drop_newest gaps; a failure becomes sticky
      std::uint64_t target = _written_seq;
      std::vector<std::pair<std::shared_ptr<segment>, std::uint64_t>> files;  // with the end to publish
      for (auto& s : _unsynced) {
        s->unsynced = false;
        files.emplace_back(s, s->size);
      }
      _unsynced.clear();
      bool dir = std::exchange(_dir_dirty, false);
      lk.unlock();
      status st = ok();
      for (auto& [s, end] : files) {
        st = s->file->datasync();
        if (!st) break;
      }
      if (st && dir) st = _fs.sync_dir(_o.dir);
      lk.lock();
      if (!st) {
        (void)fail_locked(st.error());
      } else {
        ++_stats.syncs_total;
        for (auto& [s, end] : files) s->durable_end = std::max(s->durable_end, end);
        _durable_seq = std::max(_durable_seq, target);
      }
    }
    if (sync_now && !always) next_sync = std::chrono::steady_clock::now() + _o.sync_interval;
    if (_failure) {
      // Nothing more will become durable: give up what is waiting, so the loop does not spin on it.
      for (auto& s : _unsynced) s->unsynced = false;
      _unsynced.clear();
      _dir_dirty = false;
      _ledger_dirty = false;
    }
    if (always) {
      while (!_pending.empty() && _pending.front().last_seq <= _durable_seq) {
        ok_fns.push_back(std::move(_pending.front().done));
        ok_seqs.push_back(_pending.front().first_seq);
        _pending.pop_front();
      }
      if (_failure) {
        for (auto& p : _pending) failed_fns.push_back(std::move(p.done));
        _pending.clear();
      }
    }
    while (!_durable_waiters.empty() && _durable_waiters.begin()->first < _durable_seq) {
      wake.push_back(std::move(_durable_waiters.begin()->second));
      _durable_waiters.erase(_durable_waiters.begin());
    }
    bool stop = _stopping && _pending.empty() && (!dirty() || _failure);
    lk.unlock();
    for (std::size_t i = 0; i < ok_fns.size(); ++i) ok_fns[i](ok_seqs[i]);
    for (auto& fn : failed_fns) fn(errc::io_error);
    for (auto& fn : wake) fn();
    lk.lock();
    if (stop) return;
  }
}

}  // namespace sd::spool::detail
