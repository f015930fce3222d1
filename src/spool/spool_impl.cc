// spool_impl: appends, bounds and their policies, segment roll, mark_forwarded, stats and close.
// (Group commit is in sync_thread.cc, reads in reader.cc, open and recovery in recovery.cc.)

#include "spool/spool_impl.h"

#include <algorithm>

#include "base/clock.h"
#include "io/errc.h"
#include "spool/errc.h"

namespace sd::spool::detail {

spool_impl::spool_impl(const options& o, io::filesystem& fs, std::uint64_t segment_bytes,
                       std::unique_ptr<io::file_lock> lock)
    : _o(o), _fs(fs), _segment_bytes(segment_bytes), _lock(std::move(lock)) {
  _stats.max_bytes = o.max_bytes;
}

spool_impl::~spool_impl() {
  close();
}

std::error_code spool_impl::fail_locked(std::error_code cause) {
  if (!_failure) _failure = cause ? cause : make_error_code(errc::io_error);
  return make_error_code(errc::io_error);
}

std::error_code spool_impl::io_failure() const {
  std::lock_guard lk(_mu);
  return _failure;
}

// Bytes a batch of `frames` adds to a spool whose active segment is `size` bytes long (holding records or
// not): the frames plus a segment header for every roll (a frame never spans segments).
std::uint64_t spool_impl::bytes_needed_from(std::uint64_t size, bool has_records,
                                            const std::vector<std::size_t>& frames) const {
  std::uint64_t need = 0;
  for (std::size_t f : frames) {
    if (has_records && size + f > _segment_bytes) {
      need += format::segment_header_bytes;
      size = format::segment_header_bytes;
    }
    size += f;
    need += f;
    has_records = true;
  }
  return need;
}

std::uint64_t spool_impl::bytes_needed_locked(const std::vector<std::size_t>& frames) const {
  return bytes_needed_from(_active->size, _active->records > 0, frames);
}

// Creates the segment named by the next seq and makes it active. Its creation is durable only after the sync
// thread's directory sync, which happens before any record in it is acknowledged (`_dir_dirty`).
status spool_impl::roll_locked() {
  auto seg = std::make_shared<segment>();
  seg->name_seq = _next_seq;
  seg->path = _o.dir + "/" + format::segment_name(_next_seq);
  auto f = _fs.open(seg->path, io::open_mode::create_new);
  if (!f) return fail_locked(f.error());
  bytes header = format::encode_segment_header(_next_seq);
  if (auto st = io::write_all(**f, file_pos(0), header); !st) return fail_locked(st.error());
  seg->file = std::move(*f);
  seg->size = seg->durable_end = header.size();
  seg->covers_to = _next_seq - 1;
  seg->unsynced = true;
  _unsynced.push_back(seg);
  _dir_dirty = true;
  _bytes += seg->size;
  _segments[seg->name_seq] = seg;
  _active = std::move(seg);
  return ok();
}

std::uint64_t spool_impl::gap_upper_bound(const segment& s) const {
  return std::max(s.last_seq, s.covers_to);
}

// A segment may be deleted when every seq it accounts for is forwarded or inside a drop_oldest gap.
bool spool_impl::deletable_locked(const segment& s) const {
  std::uint64_t hi = gap_upper_bound(s);
  if (hi <= _forwarded_seq) return true;
  std::uint64_t lo = std::max(s.name_seq, _forwarded_seq + 1);
  for (const gap& g : _ledger.gaps)
    if (g.reason == "drop_oldest" && g.first_seq <= lo && hi <= g.last_seq) return true;
  return false;
}

void spool_impl::add_gap_locked(gap g) {
  _ledger.gaps.push_back(std::move(g));
  ++_ledger.gaps_total;
  // Bounded list: forget the oldest entries wholly forwarded first, then the oldest of all.
  while (_ledger.gaps.size() > format::max_ledger_gaps) {
    auto it = std::find_if(_ledger.gaps.begin(), _ledger.gaps.end(),
                           [&](const gap& x) { return x.last_seq != 0 && x.last_seq <= _forwarded_seq; });
    _ledger.gaps.erase(it != _ledger.gaps.end() ? it : _ledger.gaps.begin());
  }
}

status spool_impl::write_ledger_locked() {
  if (!_ledger_writer) return fail_locked(make_error_code(errc::closed));
  format::ledger_state next = _ledger;
  next.forwarded_seq = _forwarded_seq;
  if (auto st = _ledger_writer->write(next); !st) return fail_locked(st.error());
  _ledger = std::move(next);
  _ledger_dirty = false;
  return ok();
}

// drop_oldest: chooses the oldest segments to delete (rolling first when only the active one is left), makes
// their gaps durable in the ledger, then removes them from the spool. The files are unlinked by the caller
// (paths in `removed`) and the directory synced by the sync thread: a crash before that leaves files that
// recovery deletes because the ledger's gap covers them.
status spool_impl::make_room_locked(const std::vector<std::size_t>& frames,
                                    std::vector<std::string>& removed) {
  std::vector<std::shared_ptr<segment>> victims;
  std::uint64_t freed = 0;
  bool rolled = false;
  auto it = _segments.begin();
  while (_bytes - freed + bytes_needed_locked(frames) > _o.max_bytes) {
    if (it == _segments.end() || it->second == _active) {
      if (rolled || _active->records == 0) break;
      SD_TRY(roll_locked());
      rolled = true;
      continue;
    }
    victims.push_back(it->second);
    freed += it->second->size;
    ++it;
  }
  if (_bytes - freed + bytes_needed_locked(frames) > _o.max_bytes) return errc::full;
  std::int64_t now = wall_ms_now();
  for (const auto& v : victims) {
    std::uint64_t hi = gap_upper_bound(*v);
    std::uint64_t lo = std::max(v->name_seq, _forwarded_seq + 1);
    if (lo > hi) continue;  // wholly forwarded already
    std::uint64_t lost = v->first_seq > _forwarded_seq ? v->records : hi - lo + 1;
    add_gap_locked({lo, hi, lost, v->size, now, "drop_oldest"});
    _ledger.dropped_oldest_total += lost;
  }
  _newest_gap_open = false;
  SD_TRY(write_ledger_locked());
  for (const auto& v : victims) {
    _segments.erase(v->name_seq);
    _bytes -= v->size;
    removed.push_back(v->path);
  }
  if (!victims.empty()) _dir_dirty = true;
  return ok();
}

void spool_impl::unlink_all(const std::vector<std::string>& paths) {
  // A failed unlink leaves a file that recovery deletes (it is forwarded or inside a drop_oldest gap).
  for (const auto& p : paths) (void)_fs.remove(p);
}

std::vector<std::function<void()>> spool_impl::take_space_waiters_locked() {
  std::vector<std::function<void()>> out;
  out.swap(_space_waiters);
  return out;
}

void spool_impl::append(std::vector<record> records, append_callback done) {
  if (records.empty()) return done(errc::invalid_argument);
  std::vector<std::size_t> frames;
  frames.reserve(records.size());
  std::uint64_t total = 0;
  for (const auto& r : records) {
    if (r.topic.size() > 0xffff) return done(errc::invalid_argument);
    std::size_t f = format::frame_bytes(r);
    if (f - format::frame_header_bytes > format::max_body_bytes ||
        f + format::segment_header_bytes > _segment_bytes)
      return done(errc::record_too_large);
    frames.push_back(f);
    total += f;
  }
  // A batch that would not fit even an emptied spool (one fresh segment) is refused as too large, never as
  // full: errc::full always means "wait for forwarding", which must be able to end.
  if (format::segment_header_bytes + bytes_needed_from(format::segment_header_bytes, false, frames) > _o.max_bytes)
    return done(errc::record_too_large);

  std::vector<std::string> removed;
  std::vector<std::function<void()>> space_fns;
  std::unique_lock lk(_mu);
  if (_stopping || _closed) {
    lk.unlock();
    return done(errc::closed);
  }
  if (_failure) {
    lk.unlock();
    return done(errc::io_error);
  }
  if (_bytes + bytes_needed_locked(frames) > _o.max_bytes) {
    switch (_o.policy) {
      case when_full::block:
        ++_stats.full_rejections_total;
        lk.unlock();
        return done(errc::full);
      case when_full::drop_newest: {
        // One gap entry per run of consecutive drops; the sync thread makes it durable.
        if (_newest_gap_open && !_ledger.gaps.empty() && _ledger.gaps.back().reason == "drop_newest") {
          _ledger.gaps.back().records += records.size();
          _ledger.gaps.back().bytes += total;
        } else {
          add_gap_locked({0, 0, records.size(), total, wall_ms_now(), "drop_newest"});
          _newest_gap_open = true;
        }
        _ledger.dropped_newest_total += records.size();
        _ledger_dirty = true;
        _cv.notify_one();
        lk.unlock();
        return done(std::uint64_t{0});
      }
      case when_full::drop_oldest:
        if (auto st = make_room_locked(frames, removed); !st) {
          lk.unlock();
          return done(st.error());
        }
        space_fns = take_space_waiters_locked();
        break;
    }
  }

  // Assign seqs, frame the records and write them, rolling at segment_bytes. Seqs are consumed even when a
  // write fails, so none is ever reused within this process (the failure is sticky anyway).
  std::uint64_t first = _next_seq;
  _next_seq += records.size();
  std::int64_t now = wall_ms_now();
  bytes buf;
  std::error_code failed;
  std::size_t i = 0;
  while (i < records.size() && !failed) {
    if (_active->records > 0 && _active->size + frames[i] > _segment_bytes) {
      _next_seq = first + i;  // the new segment is named by the seq of its first record
      auto st = roll_locked();
      _next_seq = first + records.size();
      if (!st) {
        failed = st.error();
        break;
      }
    }
    segment& seg = *_active;
    buf.clear();
    std::uint64_t pos = seg.size;
    std::size_t j = i;
    for (; j < records.size() && (j == i || pos + frames[j] <= _segment_bytes); ++j) {
      record& r = records[j];
      r.seq = first + j;
      if (r.timestamp_ms == 0) r.timestamp_ms = now;
      if (seg.index.empty() || pos - seg.index.back().pos >= index_interval)
        seg.index.push_back({r.seq, pos});
      if (seg.records == 0 && j == i) {
        seg.first_seq = r.seq;
        seg.first_timestamp_ms = r.timestamp_ms;
      }
      format::encode_frame(r, buf);
      pos += frames[j];
    }
    if (auto st = io::write_all(*seg.file, file_pos(seg.size), buf); !st) {
      (void)seg.file->truncate(seg.size);  // best effort: keep the tail clean for recovery
      failed = fail_locked(st.error());
      if (seg.records == 0) seg.first_seq = 0;
      while (!seg.index.empty() && seg.index.back().pos >= seg.size) seg.index.pop_back();
      break;
    }
    seg.size = pos;
    seg.records += j - i;
    seg.last_seq = seg.covers_to = first + j - 1;
    _bytes += buf.size();
    _written_seq = first + j - 1;
    _stats.appends_total += j - i;
    _stats.append_bytes_total += buf.size();
    if (!seg.unsynced) {
      seg.unsynced = true;
      _unsynced.push_back(_active);
    }
    i = j;
  }
  if (failed) {
    lk.unlock();
    unlink_all(removed);
    for (auto& fn : space_fns) fn();
    return done(errc::io_error);
  }
  _newest_gap_open = false;
  _pending.push_back({first, first + records.size() - 1, std::move(done)});
  _cv.notify_one();
  lk.unlock();
  unlink_all(removed);
  for (auto& fn : space_fns) fn();
}

bool spool_impl::has_space(std::uint64_t bytes) const {
  std::lock_guard lk(_mu);
  return _bytes + bytes <= _o.max_bytes;
}

void spool_impl::notify_on_space(std::function<void()> fn) {
  std::unique_lock lk(_mu);
  if (_closed || _stopping) {
    lk.unlock();
    fn();
    return;
  }
  _space_waiters.push_back(std::move(fn));
}

void spool_impl::notify_on_durable(std::uint64_t seq, std::function<void()> fn) {
  std::unique_lock lk(_mu);
  if (_closed || _stopping || _durable_seq > seq) {
    lk.unlock();
    fn();
    return;
  }
  _durable_waiters.emplace(seq, std::move(fn));
}

status spool_impl::mark_forwarded(std::uint64_t up_to_seq) {
  std::vector<std::string> removed;
  std::vector<std::function<void()>> space_fns;
  {
    std::lock_guard lk(_mu);
    if (_closed || _stopping) return errc::closed;
    if (up_to_seq < _forwarded_seq || up_to_seq > _durable_seq) return errc::invalid_argument;
    if (up_to_seq == _forwarded_seq) return ok();
    // 1. The ledger, durable before anything is deleted.
    std::uint64_t before = _forwarded_seq;
    _forwarded_seq = up_to_seq;
    if (auto st = write_ledger_locked(); !st) {
      _forwarded_seq = before;
      return st;
    }
    // A wholly forwarded active segment is rolled away when space is wanted or it is half full, so a spool
    // whose data fits in one segment still frees space (under block, nothing else would).
    if (_active->records > 0 && _active->last_seq <= _forwarded_seq && !_failure &&
        (!_space_waiters.empty() || _active->size * 2 >= _segment_bytes))
      SD_TRY(roll_locked());
    // 2. The files wholly forwarded.
    for (auto it = _segments.begin(); it != _segments.end();) {
      if (it->second != _active && deletable_locked(*it->second)) {
        _bytes -= it->second->size;
        removed.push_back(it->second->path);
        it = _segments.erase(it);
      } else {
        ++it;
      }
    }
    if (!removed.empty()) space_fns = take_space_waiters_locked();
  }
  unlink_all(removed);
  // 3. The directory, so the deletions survive a crash (recovery would repeat them otherwise).
  status st = ok();
  if (!removed.empty()) {
    st = _fs.sync_dir(_o.dir);
    if (!st) {
      std::lock_guard lk(_mu);
      st = fail_locked(st.error());
    }
  }
  for (auto& fn : space_fns) fn();
  return st;
}

std::uint64_t spool_impl::forwarded_seq() const {
  std::lock_guard lk(_mu);
  return _forwarded_seq;
}

std::uint64_t spool_impl::durable_seq() const {
  std::lock_guard lk(_mu);
  return _durable_seq;
}

stats spool_impl::get_stats() const {
  stats s;
  {
    std::lock_guard lk(_mu);
    s = _stats;
    s.bytes = _bytes;
    s.segments = _segments.size();
    s.written_seq = _written_seq;
    s.durable_seq = _durable_seq;
    s.forwarded_seq = _forwarded_seq;
    s.dropped_oldest_total = _ledger.dropped_oldest_total;
    s.dropped_newest_total = _ledger.dropped_newest_total;
    s.gaps = _ledger.gaps_total;
    // Records held with seq in (forwarded, durable]; dense within a segment (corrupt holes make it an
    // estimate).
    for (const auto& [name, seg] : _segments) {
      if (!seg->readable || seg->records == 0 || seg->last_seq <= _forwarded_seq) continue;
      std::uint64_t n = seg->first_seq > _forwarded_seq ? seg->records : seg->last_seq - _forwarded_seq;
      s.records += n;
    }
    s.records -= std::min(s.records, _written_seq - _durable_seq);
  }
  if (s.records > 0) {
    auto r = read(s.forwarded_seq + 1, 1, 1);
    if (r && !r->empty()) s.oldest_timestamp_ms = r->front().timestamp_ms;
  }
  return s;
}

std::vector<gap> spool_impl::gaps() const {
  std::lock_guard lk(_mu);
  return _ledger.gaps;
}

void spool_impl::close() {
  {
    std::lock_guard lk(_mu);
    if (_closed || _stopping) return;
    _stopping = true;
    _cv.notify_all();
  }
  if (_sync_thread.joinable()) _sync_thread.join();
  std::deque<pending> left;
  std::vector<std::function<void()>> fns;
  {
    std::lock_guard lk(_mu);
    if (_ledger_dirty && !_failure) (void)write_ledger_locked();
    _closed = true;
    left.swap(_pending);
    fns = take_space_waiters_locked();
    for (auto& [seq, fn] : _durable_waiters) fns.push_back(std::move(fn));
    _durable_waiters.clear();
    _ledger_writer.reset();
    _segments.clear();
    _unsynced.clear();
    _active.reset();
  }
  for (auto& p : left) p.done(_failure ? errc::io_error : errc::closed);
  for (auto& fn : fns) fn();
  _lock.reset();
}

}  // namespace sd::spool::detail
