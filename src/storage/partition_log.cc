#include "storage/partition_log.h"

#include <algorithm>
#include <limits>

#include "base/clock.h"
#include "base/record_batch_header.h"
#include "io/errc.h"
#include "storage/errc.h"
#include "storage/flusher.h"
#include "storage/header_cursor.h"
#include "storage/log_start_offset.h"
#include "storage/offset_file.h"
#include "storage/probe.h"
#include "storage/segment_scan.h"

namespace sd::storage {

partition_log::partition_log(io::filesystem& fs, std::string dir, log_config config)
    : _fs(fs), _dir(std::move(dir)), _config(config), _cache_window(config.cache_window_bytes) {}

partition_log::~partition_log() {
  if (_sync) _sync->close();
}

log_config partition_log::config() const {
  std::lock_guard lk(_config_mu);
  return _config;
}

void partition_log::update_config(const log_config& config) {
  {
    std::lock_guard lk(_config_mu);
    _config = config;
  }
  const bool intervals_changed = _sync->flush_interval_ms.exchange(config.flush_interval_ms) != config.flush_interval_ms;
  const bool point_changed = _sync->recovery_point_interval_ms.exchange(config.recovery_point_interval_ms) !=
                             config.recovery_point_interval_ms;
  if (_flusher != nullptr && (intervals_changed || point_changed)) _flusher->reschedule(*_sync);
}

void partition_log::attach_flusher(flusher* f) { _flusher = f; }

std::error_code partition_log::fail(std::error_code cause) {
  _sync->set_sticky(cause);
  return make_error_code(errc::io_error);
}

result<append_info> partition_log::append(mutable_byte_span one_batch, std::int64_t now_ms, crc_check crc) {
  if (_closed) return errc::log_closed;
  if (_sync->failed()) return errc::io_error;
  const log_config cfg = config();

  // Validate: exactly one well-formed batch within the size limit.
  if (one_batch.size() >= batch::length_field_end) {
    auto len = load_be<std::int32_t>(one_batch.data() + batch::field::batch_length);
    if (len > 0 && static_cast<std::uint64_t>(len) + batch::length_field_end >
                       static_cast<std::uint64_t>(cfg.max_batch_bytes)) {
      return errc::batch_too_large;
    }
  }
  auto fr = crc == crc_check::verify ? batch::frame(one_batch, static_cast<std::size_t>(cfg.max_batch_bytes))
                                     : batch::frame_without_crc(one_batch, static_cast<std::size_t>(cfg.max_batch_bytes));
  if (fr.status != batch::check::ok || fr.size != one_batch.size()) return errc::corrupt_batch;
  const std::int64_t delta = fr.hdr.last_offset_delta;

  // Roll when the batch would not fit, the segment is too old, or relative offsets would overflow u32.
  segment* seg = &active();
  if (!seg->empty()) {
    bool too_big = seg->size + one_batch.size() > static_cast<std::uint64_t>(cfg.segment_bytes);
    bool too_old = now_ms - seg->rolling_base_ms >= cfg.effective_roll_ms();
    bool rel_overflow = (_next - seg->base) + delta > std::numeric_limits<std::int32_t>::max();
    if (too_big || too_old || rel_overflow) {
      SD_TRY(roll(_next, now_ms));
      seg = &active();
    }
  }

  batch::set_base_offset(one_batch, _next.value());
  fr.hdr.base_offset = _next.value();
  file_pos pos(seg->size);
  auto w = io::write_all(*seg->log, pos, one_batch);
  if (!w) {
    if (io::is_no_space(w.error())) {
      // Roll back the partial write so the file ends at the log's written end again.
      auto t = seg->log->truncate(seg->size);
      if (!t) return fail(t.error());
      return errc::no_space;
    }
    return fail(w.error());
  }
  if (seg->empty()) seg->rolling_base_ms = now_ms;
  _active_indexes_saved = false;
  seg->record_batch(fr.hdr, pos, one_batch.size(), cfg.index_interval_bytes);
  _size_bytes += one_batch.size();
  if (_cache_window.window() != cfg.cache_window_bytes) _cache_window.set_window(cfg.cache_window_bytes);
  if (_cache_budget == nullptr) {
    _cache_window.written(seg->log, pos, one_batch.size());  // advises on this thread
  } else {
    // The window's and the shared budget's advice go to the budget's thread (no append waits in fadvise).
    // A topic that leaves its cache to the kernel (window -1) stays out of the shared budget too.
    _cache_window.written(seg->log, pos, one_batch.size(), _cache_due);
    if (cfg.cache_window_bytes >= 0) _cache_budget->written(seg->log, pos, one_batch.size(), _cache_due);
    _cache_budget->advise(_cache_due);
  }

  append_info info;
  info.base_offset = _next;
  info.last_offset = _next + delta;
  info.next_offset = _next + (delta + 1);
  info.max_timestamp = fr.hdr.max_timestamp;
  info.records = fr.hdr.records_count;
  info.position = pos;
  info.size = one_batch.size();
  _next = info.next_offset;
  _sync->published_write(_next, seg->base, seg->size);

  if (cfg.flush_interval_messages > 0 && _flusher != nullptr) {
    _records_since_flush_request += delta + 1;
    if (_records_since_flush_request >= cfg.flush_interval_messages) {
      _records_since_flush_request = 0;
      _flusher->request_background(_sync);
    }
  }
  return info;
}

status partition_log::roll(offset new_base, std::int64_t now_ms) {
  auto fresh = create_segment(_fs, _dir, new_base, _files);
  if (!fresh) return io::is_no_space(fresh.error()) ? status(errc::no_space) : status(fail(fresh.error()));
  segment& old = active();
  old.seal_time_index();
  auto idx_files = write_indexes(_fs, old);
  if (!idx_files) {
    (void)_fs.remove((*fresh)->path(layout::segment_file_kind::log));
    return io::is_no_space(idx_files.error()) ? status(errc::no_space) : status(fail(idx_files.error()));
  }
  for (auto& f : *idx_files) _sync->add_dirty_file(std::move(f));
  (*fresh)->rolling_base_ms = now_ms;
  _active_indexes_saved = false;
  _sync->set_active_file((*fresh)->log);
  _sync->mark_dir_dirty();
  _segments.push_back(std::move(*fresh));
  if (_checkpoint) _checkpoint(new_base);
  return ok();
}

status partition_log::delete_oldest_segment() {
  // Invariant: the active segment is never deleted.
  if (_segments.size() < 2) return ok();
  auto& oldest = _segments.front();
  // With a deleter (the log manager's), the files are renamed here and unlinked on its thread: unlinking a
  // large file blocks for tens of ms, and this runs on the owner loop (storage/file_deleter.h).
  auto r = _deleter != nullptr ? retire_segment_files(_fs, *oldest, *_deleter) : remove_segment_files(_fs, *oldest);
  if (!r) return fail(r.error());
  _size_bytes -= oldest->size;
  _segments.erase(_segments.begin());
  _sync->mark_dir_dirty();
  if (_start < _segments.front()->base) _start = _segments.front()->base;
  return ok();
}

std::size_t partition_log::segment_index_for(offset o) const {
  auto it = std::upper_bound(_segments.begin(), _segments.end(), o,
                             [](offset v, const std::unique_ptr<segment>& s) { return v < s->base; });
  return it == _segments.begin() ? 0 : static_cast<std::size_t>(it - _segments.begin()) - 1;
}

result<read_result> partition_log::read(offset from, std::size_t max_bytes, read_options options) {
  if (_removed.load(std::memory_order_acquire)) return errc::log_closed;
  if (from < _start || from > _next) return errc::offset_out_of_range;
  read_result out;
  out.next_offset = from;
  out.start_offset = _start;
  out.high_watermark = _next;
  offset limit = options.max_offset ? std::min(*options.max_offset, _next) : _next;
  if (from >= limit) return out;

  for (std::size_t i = segment_index_for(from); i < _segments.size(); ++i) {
    segment& seg = *_segments[i];
    // The slices hold the descriptor itself: it stays open while the response is sent, evicted or not.
    auto held = seg.log->hold();
    if (!held) return fail(held.error());
    header_cursor cursor(**held, seg.size);
    file_pos pos(0);
    if (out.slices.empty()) {
      auto p = find_batch_position(seg, from);
      if (!p) return p.error() == errc::corrupt_log ? p.error() : fail(p.error());
      pos = *p;
    }
    while (pos.value() < seg.size) {
      auto h = cursor.at(pos);
      if (!h) return h.error();
      if (!*h) return errc::corrupt_log;
      const auto& hdr = **h;
      if (offset(hdr.base_offset) >= limit) return out;
      std::size_t n = hdr.total_size();
      if (out.total_bytes + n > max_bytes && !(out.slices.empty() && options.min_one_batch)) return out;
      if (auto v = verify_if_trusted(seg, hdr, pos, n); !v) {
        if (!out.slices.empty()) return out;  // serve what comes before; the next read reports it
        return v.error();
      }
      if (!out.slices.empty() && out.slices.back().file == *held &&
          out.slices.back().position + out.slices.back().length == pos) {
        out.slices.back().length += n;
      } else {
        out.slices.push_back({*held, pos, n});
      }
      out.total_bytes += n;
      out.records += static_cast<std::uint64_t>(std::max<std::int32_t>(0, hdr.records_count));
      out.next_offset = offset(hdr.last_offset() + 1);
      pos += n;
    }
  }
  return out;
}

status partition_log::verify_if_trusted(segment& seg, const batch::header& h, file_pos pos, std::size_t total) {
  if (pos.value() >= seg.unverified_to || pos.value() + total <= seg.unverified_from) return ok();
  // One scratch buffer per storage thread, not per partition (tens of thousands of logs may verify once each).
  static thread_local bytes scratch;
  auto good = batch_crc_ok(*seg.log, pos, total, h.crc, scratch);
  if (!good) return fail(good.error());
  if (!*good) {
    if (_probe) _probe->read_corrupt_batches_total.inc();
    return errc::corrupt_log;
  }
  if (_probe) _probe->read_verified_bytes_total.inc(total);
  if (pos.value() <= seg.unverified_from) seg.unverified_from = pos.value() + total;  // checked in order
  return ok();
}

result<std::optional<offset>> partition_log::offset_for_timestamp(std::int64_t ts) {
  for (auto& sp : _segments) {
    segment& seg = *sp;
    if (seg.empty() || seg.next_offset <= _start || seg.max_timestamp < ts) continue;
    offset from = seg.tidx.search_start(ts);
    file_pos pos = seg.oidx.floor(from).position;
    header_cursor cursor(*seg.log, seg.size);
    while (pos.value() < seg.size) {
      auto h = cursor.at(pos);
      if (!h) return h.error();
      if (!*h) return errc::corrupt_log;
      if ((*h)->max_timestamp >= ts && (*h)->last_offset() >= _start.value()) {
        return std::optional<offset>(std::max(offset((*h)->base_offset), _start));
      }
      pos += (*h)->total_size();
    }
  }
  return std::optional<offset>{};
}

result<std::optional<partition_log::max_timestamp_batch>> partition_log::find_max_timestamp() {
  // Each segment knows its largest MaxTimestamp; the search then finds the first batch reaching it. Only when
  // that batch lies below the start offset (records deleted inside the first segment) are the headers read.
  std::int64_t best = -1;
  bool any = false;
  for (auto& sp : _segments) {
    if (sp->empty() || sp->next_offset <= _start) continue;
    any = true;
    best = std::max(best, sp->max_timestamp);
  }
  if (!any) return std::optional<max_timestamp_batch>{};
  auto at = offset_for_timestamp(best);
  if (!at) return at.error();
  if (*at) return std::optional<max_timestamp_batch>(max_timestamp_batch{best, **at});
  std::optional<max_timestamp_batch> found;
  auto scanned = scan_headers(_start, [&found](const batch::header& h) {
    if (!found || h.max_timestamp > found->timestamp)
      found = max_timestamp_batch{h.max_timestamp, offset(h.base_offset)};
  });
  if (!scanned) return scanned.error();
  if (found && found->batch_base < _start) found->batch_base = _start;
  return found;
}

status partition_log::scan_headers(offset from, const std::function<void(const batch::header&)>& fn) {
  if (from < _start) from = _start;
  if (from >= _next) return ok();
  for (std::size_t i = segment_index_for(from); i < _segments.size(); ++i) {
    segment& seg = *_segments[i];
    file_pos pos(0);
    if (i == segment_index_for(from)) {
      auto p = find_batch_position(seg, from);
      if (!p) return p.error() == errc::corrupt_log ? p.error() : fail(p.error());
      pos = *p;
    }
    while (pos.value() < seg.size) {
      auto h = read_header_at(*seg.log, pos, seg.size);
      if (!h) return h.error();
      if (!*h) return errc::corrupt_log;
      if ((*h)->base_offset >= from.value()) fn(**h);
      pos += (*h)->total_size();
    }
  }
  return ok();
}

status partition_log::delete_records_before(offset before) {
  if (_closed) return errc::log_closed;
  if (before > _next) return errc::offset_out_of_range;
  if (before <= _start) return ok();
  // Persist first: if we crash after deleting files, the start offset must not move back.
  auto w = write_log_start_offset(_fs, _dir, before);
  if (!w) return io::is_no_space(w.error()) ? status(errc::no_space) : status(fail(w.error()));
  _start = before;
  if (active().next_offset <= before && !active().empty()) SD_TRY(roll(_next, wall_ms_now()));
  while (_segments.size() > 1 && _segments[1]->base <= before) SD_TRY(delete_oldest_segment());
  return ok();
}

result<std::size_t> partition_log::enforce_retention(std::int64_t now_ms) {
  if (_closed) return errc::log_closed;
  const log_config cfg = config();
  std::size_t deleted = 0;
  if (!cfg.delete_by_retention) return deleted;  // cleanup.policy=compact: only the cleaner removes records
  while (_segments.size() > 1) {
    const segment& oldest = *_segments.front();
    bool over_size = cfg.retention_bytes >= 0 &&
                     _size_bytes - oldest.size >= static_cast<std::uint64_t>(cfg.retention_bytes);
    bool too_old = cfg.retention_ms >= 0 && oldest.max_timestamp < now_ms - cfg.retention_ms;
    if (!over_size && !too_old) break;
    SD_TRY(delete_oldest_segment());
    ++deleted;
  }
  return deleted;
}

cleaning_view partition_log::view_for_cleaning() const {
  cleaning_view v;
  v.start = _start;
  v.checkpoint = _cleaned_through;
  v.active_base = _segments.back()->base;
  v.dir = _dir;
  for (std::size_t i = 0; i + 1 < _segments.size(); ++i) {
    const segment& s = *_segments[i];
    // Counted as a reader: retention must not shrink a file this pass may still read (file_deleter.h).
    v.segments.push_back({s.base, _segments[i + 1]->base, cached_file::reading_reference(s.log), s.size,
                          s.max_timestamp});
  }
  return v;
}

status partition_log::install_cleaned(cleaned_segment c, const cleaning_step_hook& hook) {
  const std::string tmp_path = _dir + "/" + layout::cleaning_file_name(c.base);
  auto discard = [&](std::error_code why) -> status {
    (void)_fs.remove(tmp_path);
    return why;
  };
  if (_closed) return discard(errc::log_closed);
  if (_sync->failed()) return discard(errc::io_error);
  // The replaced segments must still be exactly the snapshotted ones, and none of them the active segment.
  std::size_t first = 0;
  while (first < _segments.size() && _segments[first]->base < c.base) ++first;
  const std::size_t n = c.replaced.size();
  bool same = n > 0 && first + n < _segments.size() && _segments[first]->base == c.base &&
              _segments[first + n]->base == c.end;
  for (std::size_t k = 0; same && k < n; ++k) same = _segments[first + k]->log == c.replaced[k];
  if (!same) return discard(errc::cleaning_conflict);
  auto step = [&hook](std::string_view name) {
    if (hook) hook(name);
  };

  // 2. Commit.
  const std::string swap_path = _dir + "/" + layout::swap_file_name(c.base, c.end);
  if (auto r = _fs.rename(tmp_path, swap_path); !r) return discard(r.error());
  if (auto r = _fs.sync_dir(_dir); !r) return fail(r.error());
  step("committed");
  // 3. Checkpoint: from here on recovery accepts the new segment's gaps.
  const offset ckpt = std::max(_cleaned_through, c.checkpoint_after);
  if (ckpt != _cleaned_through) {
    if (auto r = write_offset_file(_fs, _dir, std::string(layout::cleaner_checkpoint_file), cleaner_checkpoint_magic,
                                   ckpt);
        !r)
      return fail(r.error());
    _cleaned_through = ckpt;
  }
  step("checkpointed");
  // 4. Remove the replaced segments (their files stay open for readers holding slices).
  std::uint64_t replaced_bytes = 0;
  for (std::size_t k = 0; k < n; ++k) {
    replaced_bytes += _segments[first + k]->size;
    if (auto r = remove_segment_files(_fs, *_segments[first + k]); !r) return fail(r.error());
  }
  if (auto r = _fs.sync_dir(_dir); !r) return fail(r.error());  // the removals are durable before the rename
  step("removed");
  // 5. Install the new segment under the first one's name.
  if (auto r = _fs.rename(swap_path, c.seg->path(layout::segment_file_kind::log)); !r) return fail(r.error());
  // From here the file lives under its final name, under this log's descriptor bound.
  c.seg->log = lazy_segment_file(_fs, c.seg->path(layout::segment_file_kind::log), _files);
  c.seg->seal_time_index();
  auto idx = write_indexes(_fs, *c.seg);
  if (!idx) return fail(idx.error());
  // Synced now, not by the next flush: a recovery point already on disk vouches for every segment below it,
  // this one included (storage/recovery_point.h).
  for (auto& f : *idx)
    if (auto r = f->datasync(); !r) return fail(r.error());
  if (auto r = _fs.sync_dir(_dir); !r) return fail(r.error());
  _size_bytes = _size_bytes - replaced_bytes + c.seg->size;
  c.seg->next_offset = c.end;
  _segments.erase(_segments.begin() + static_cast<std::ptrdiff_t>(first + 1),
                  _segments.begin() + static_cast<std::ptrdiff_t>(first + n));
  _segments[first] = std::move(c.seg);
  step("installed");
  return ok();
}

offset partition_log::tombstone_horizon(std::int64_t before_ms) const {
  offset h(0);
  for (const auto& [t, ckpt] : _clean_history) {
    if (t > before_ms) break;
    h = ckpt;
  }
  return h;
}

void partition_log::record_clean_pass(std::int64_t now_ms) {
  constexpr std::size_t max_entries = 128;
  _clean_history.emplace_back(now_ms, _cleaned_through);
  if (_clean_history.size() <= max_entries) return;
  // Thin the older half (every other entry): the history keeps spanning long retentions with coarser steps,
  // which can only make a horizon smaller (tombstones kept longer), never larger.
  std::vector<std::pair<std::int64_t, offset>> kept;
  for (std::size_t i = 0; i < _clean_history.size(); ++i)
    if (i >= _clean_history.size() / 2 || i % 2 == 0) kept.push_back(_clean_history[i]);
  _clean_history = std::move(kept);
}

status partition_log::flush() {
  if (!_sync->needs_sync()) return _sync->failed() ? status(errc::io_error) : ok();
  return _sync->sync();
}

void partition_log::mark_removed() {
  _removed.store(true, std::memory_order_release);
  _closed = true;
  _sync->close();
}

status partition_log::close() {
  if (_closed.exchange(true)) return ok();
  if (_checkpoint) _checkpoint(_next);
  status result = flush();
  if (result && !_active_indexes_saved) {
    segment& seg = active();
    seg.seal_time_index();
    auto files = write_indexes(_fs, seg);
    if (!files) {
      result = fail(files.error());
    } else {
      for (auto& f : *files) {
        auto s = f->datasync();
        if (!s) {
          result = fail(s.error());
          break;
        }
      }
    }
  }
  _sync->close();
  if (_flusher != nullptr) _flusher->unwatch(_sync.get());
  return result;
}

}  // namespace sd::storage
