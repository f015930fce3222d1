// open() and recovery. Order of work, each step leaving a directory the next open can recover again:
//   1. lock <dir>/LOCK (errc::locked when held), read the ledger (errc::wrong_relay for another relay id);
//   2. delete segments an interrupted mark_forwarded or drop_oldest left (wholly forwarded, or inside a
//      drop_oldest gap the ledger holds: the ledger is always written before files are deleted);
//   3. scan every segment: a damaged header skips the segment (a "corrupt" gap; a last segment with no record
//      and a torn header is an interrupted creation and is removed), damaged bytes in the middle are skipped
//      ("corrupt" gaps, counted), the unacceptable tail of the LAST segment is cut (truncate + fdatasync:
//      nothing past durable_seq was acknowledged), an unacceptable tail of an earlier one is a corrupt gap;
//   4. fdatasync every segment kept (what survived a process crash may still be only in the page cache) and
//      the directory; resume seqs after the highest one the directory or the ledger knows; write the ledger.

#include <algorithm>

#include "base/clock.h"
#include "io/errc.h"
#include "io/faulty_filesystem.h"
#include "spool/errc.h"
#include "spool/spool_impl.h"

namespace sd::spool {

result<std::unique_ptr<spool>> spool::open(const options& opts, recovery_report* report) {
  if (opts.dir.empty() || opts.relay_id.size() > format::max_relay_id_bytes || opts.max_bytes < 16 * 1024 ||
      (opts.sync == sync_mode::interval && opts.sync_interval.count() <= 0))
    return errc::invalid_argument;
  std::uint64_t seg =
      opts.segment_bytes != 0
          ? opts.segment_bytes
          : std::min<std::uint64_t>(64ull << 20, std::max<std::uint64_t>(opts.max_bytes / 8, 64 << 10));
  seg = std::min(seg, opts.max_bytes);
  if (seg < 4096) return errc::invalid_argument;
  io::filesystem& fs = opts.fs != nullptr ? *opts.fs : io::filesystem_from_env();
  if (!fs.mkdir(opts.dir)) return errc::io_error;
  auto lock = fs.lock_exclusive(opts.dir + "/" + format::lock_name);
  if (!lock) return lock.error() == io::errc::locked ? errc::locked : errc::io_error;
  auto ledger = read_ledger(fs, opts.dir);
  if (!ledger) return errc::io_error;
  if (ledger->state && ledger->state->relay_id != opts.relay_id) return errc::wrong_relay;
  auto impl = std::make_unique<detail::spool_impl>(opts, fs, seg, std::move(*lock));
  recovery_report rep;
  SD_TRY(impl->recover(*ledger, rep));
  if (report != nullptr) *report = std::move(rep);
  return std::unique_ptr<spool>(std::move(impl));
}

namespace detail {

namespace {
struct found {
  std::uint64_t name = 0;
  std::string file_name;
  std::shared_ptr<io::file> file;
  segment_scan scan;
  std::uint64_t unforwarded = 0;
  bool scanned = false;
};
}  // namespace

status spool_impl::recover(const ledger_read& lr, recovery_report& rep) {
  std::lock_guard lk(_mu);
  bool ledger_changed = !lr.state;
  if (lr.state) {
    _ledger = *lr.state;
  } else if (lr.exists) {
    rep.notes.push_back(
        "ledger unreadable (both slots damaged): forwarded position reset to 0, gaps forgotten; "
        "records still in the spool will be forwarded again");
  }
  _ledger.relay_id = _o.relay_id;
  _forwarded_seq = _ledger.forwarded_seq;
  auto note = [&](std::string s) { rep.notes.push_back(std::move(s)); };
  std::int64_t now = wall_ms_now();
  auto add_corrupt_gap = [&](std::uint64_t lo, std::uint64_t hi, std::uint64_t nbytes) {
    lo = std::max(lo, _forwarded_seq + 1);
    if (lo > hi) return;
    rep.corrupt_records += hi - lo + 1;
    for (const gap& g : _ledger.gaps)
      if (g.reason == "corrupt" && g.first_seq == lo && g.last_seq == hi)
        return;  // known from an earlier open
    add_gap_locked({lo, hi, hi - lo + 1, nbytes, now, "corrupt"});
    ledger_changed = true;
  };

  auto listing = _fs.list(_o.dir);
  if (!listing) return errc::io_error;
  std::vector<found> segs;
  for (const auto& e : *listing) {
    if (e.name == format::lock_name || e.name == format::ledger_name) continue;
    auto seq = e.is_dir ? std::nullopt : format::parse_segment_name(e.name);
    if (!seq) {
      note("ignored unknown entry " + e.name);
      continue;
    }
    segs.push_back({*seq, e.name, nullptr, {}, 0, false});
  }
  std::sort(segs.begin(), segs.end(), [](const found& a, const found& b) { return a.name < b.name; });

  bool dir_changed = false;
  auto covered = [&](std::uint64_t name, std::uint64_t hi) {
    segment probe;
    probe.name_seq = name;
    probe.covers_to = hi;
    return deletable_locked(probe);
  };
  // 2. Deletions a crash interrupted (a segment's last seq is at most the next segment's name - 1).
  for (std::size_t i = 0; i + 1 < segs.size();) {
    if (covered(segs[i].name, segs[i + 1].name - 1)) {
      if (!_fs.remove(_o.dir + "/" + segs[i].file_name)) return errc::io_error;
      note("removed " + segs[i].file_name + ": wholly forwarded or dropped (an interrupted deletion)");
      dir_changed = true;
      segs.erase(segs.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      ++i;
    }
  }

  // 3. Scan.
  std::uint64_t prev = 0;
  for (auto& s : segs) {
    auto f = _fs.open(_o.dir + "/" + s.file_name, io::open_mode::read_write);
    if (!f) {
      note("cannot open " + s.file_name + " (" + f.error().message() + "): skipped");
      continue;
    }
    s.file = std::move(*f);
    std::uint64_t fwd = _forwarded_seq;
    auto sc = scan_segment(
        *s.file, prev,
        [&](const record& r, std::uint64_t, std::uint64_t) { s.unforwarded += r.seq > fwd ? 1 : 0; },
        index_interval);
    if (!sc) {
      note("cannot read " + s.file_name + " (" + sc.error().message() + "): skipped");
      s.file.reset();
      continue;
    }
    s.scan = std::move(*sc);
    s.scanned = true;
    prev = std::max(prev, s.scan.last_seq);
  }

  std::uint64_t max_seq = std::max(prev, _forwarded_seq);
  for (const gap& g : _ledger.gaps) max_seq = std::max(max_seq, g.last_seq);
  for (std::size_t i = 0; i < segs.size(); ++i) {
    found& s = segs[i];
    const bool is_last = i + 1 == segs.size();
    const std::uint64_t next_name = is_last ? 0 : segs[i + 1].name;
    const segment_scan& sc = s.scan;
    auto seg = std::make_shared<segment>();
    seg->name_seq = s.name;
    seg->path = _o.dir + "/" + s.file_name;
    seg->covers_to = is_last ? std::max(sc.last_seq, s.name - 1) : std::max(sc.last_seq, next_name - 1);
    max_seq = std::max(max_seq, s.name - 1);
    if (!s.scanned || !sc.header_seq || *sc.header_seq != s.name) {
      if (s.scanned && is_last && sc.records == 0) {
        // A creation the crash interrupted: no record in it was ever acknowledged.
        if (!_fs.remove(seg->path)) return errc::io_error;
        note("removed " + s.file_name + ": torn segment header and no record (an interrupted creation)");
        dir_changed = true;
        continue;
      }
      note("skipped " + s.file_name + ": " + (s.scanned ? "damaged segment header" : "unreadable"));
      // The last one reserves at least its own name, so the segment created after it gets another name.
      if (is_last) seg->covers_to = std::max(seg->covers_to, s.name);
      max_seq = std::max(max_seq, seg->covers_to);
      seg->readable = false;
      seg->size = sc.file_size;
      add_corrupt_gap(s.name, seg->covers_to, sc.file_size);
      rep.corrupt_bytes += sc.file_size;
      _bytes += seg->size;
      _segments[seg->name_seq] = seg;
      continue;
    }
    for (const corrupt_range& c : sc.corrupt) {
      note("skipped " + std::to_string(c.end - c.begin) + " damaged bytes at " + s.file_name + ":" +
           std::to_string(c.begin) + " (between seq " + std::to_string(c.prev_seq) + " and " +
           std::to_string(c.next_seq) + ")");
      rep.corrupt_bytes += c.end - c.begin;
      add_corrupt_gap(c.prev_seq + 1, c.next_seq - 1, c.end - c.begin);
    }
    std::uint64_t size = sc.file_size;
    if (sc.tail_bytes > 0 && is_last) {
      if (!s.file->truncate(sc.end)) return errc::io_error;
      note("cut a torn tail of " + std::to_string(sc.tail_bytes) + " bytes from " + s.file_name);
      rep.torn_tail_bytes += sc.tail_bytes;
      size = sc.end;
    } else if (sc.tail_bytes > 0) {
      note("skipped " + std::to_string(sc.tail_bytes) + " damaged bytes at the end of " + s.file_name);
      rep.corrupt_bytes += sc.tail_bytes;
      std::uint64_t before = sc.records > 0 ? sc.last_seq : s.name - 1;
      add_corrupt_gap(before + 1, next_name - 1, sc.tail_bytes);
    }
    if (!s.file->datasync()) return errc::io_error;
    seg->file = s.file;
    seg->skips = sc.corrupt;
    seg->size = size;
    seg->durable_end = sc.end;
    seg->records = sc.records;
    seg->first_seq = sc.first_seq;
    seg->last_seq = sc.last_seq;
    seg->first_timestamp_ms = sc.first_timestamp_ms;
    seg->index = sc.index;
    rep.records += s.unforwarded;
    _bytes += size;
    _segments[seg->name_seq] = seg;
  }
  _stats.corrupt_skipped_total = rep.corrupt_records;

  // Quarantined or fully forwarded segments that are not the last may go now.
  for (auto it = _segments.begin(); it != _segments.end();) {
    if (std::next(it) != _segments.end() && deletable_locked(*it->second)) {
      if (!_fs.remove(it->second->path)) return errc::io_error;
      note("removed " + it->second->path + ": wholly forwarded or dropped");
      dir_changed = true;
      _bytes -= it->second->size;
      it = _segments.erase(it);
    } else {
      ++it;
    }
  }

  // 4. Positions, the active segment, the ledger.
  _next_seq = max_seq + 1;
  _written_seq = _durable_seq = max_seq;
  if (!_segments.empty() && _segments.rbegin()->second->readable) {
    _active = _segments.rbegin()->second;
  } else {
    if (!roll_locked()) return errc::io_error;
    if (!_active->file->datasync()) return errc::io_error;
    _active->unsynced = false;
    _unsynced.clear();
    _dir_dirty = false;
    dir_changed = true;
  }
  if (dir_changed && !_fs.sync_dir(_o.dir)) return errc::io_error;
  auto w = ledger_writer::open(_fs, _o.dir, _ledger.generation);
  if (!w) return errc::io_error;
  _ledger_writer.emplace(std::move(*w));
  if (ledger_changed && !write_ledger_locked()) return errc::io_error;

  rep.segments = _segments.size();
  rep.forwarded_seq = _forwarded_seq;
  rep.next_seq = _next_seq;
  _sync_thread = std::thread([this] { sync_loop(); });
  return ok();
}

}  // namespace detail
}  // namespace sd::spool
