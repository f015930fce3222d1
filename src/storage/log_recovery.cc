// partition_log::open: find the segments of a partition directory and recover them.
//
// Clean shutdown (marker present): trust each segment's indexes if they decode consistently with the log
// (sizes, monotonic entries, nothing past the end, the last offset-index entry really starts a batch with
// that BaseOffset), and scan only the tail of the last segment from its last index entry. A segment whose
// indexes are missing or inconsistent is fully scanned and its indexes rebuilt.
// Unclean shutdown: fully scan every segment (CRC included) and rebuild its indexes. The first bad batch
// truncates its segment; segments after a truncated (or non-contiguous) segment are removed, because the
// log must stay contiguous. Then every segment from the recovery point's on is fdatasync'ed so flushed == next
// at the end of open().
// Log compaction (storage/cleaning.h): a leftover <base>.<end>.swap is a committed cleaned segment whose swap
// was interrupted; it is finished first. Segments whose base lies below the cleaner checkpoint may have
// offset gaps (inside and after them); every other segment must be contiguous.

#include <algorithm>

#include "base/clock.h"
#include "storage/errc.h"
#include "storage/log_start_offset.h"
#include "storage/recovery_point.h"
#include "storage/offset_file.h"
#include "storage/partition_log.h"
#include "storage/segment_scan.h"

namespace sd::storage {

struct log_opener {
  static result<std::unique_ptr<partition_log>> open(io::filesystem& fs, std::string dir, log_config config,
                                                     open_options options);
};

namespace {

result<bytes> read_whole(io::filesystem& fs, const std::string& path, bool& missing) {
  auto data = io::read_whole_file(fs, path);
  if (!data) return data.error();
  missing = !*data;
  return missing ? bytes{} : std::move(**data);
}

// Loads the segment's index files if they are consistent with a log of `log_size` bytes whose offsets end
// before offset_end. On success seg's indexes and max_timestamp are set and true is returned.
result<bool> load_indexes(io::filesystem& fs, segment& seg, std::uint64_t log_size, offset offset_end,
                          bool allow_gaps) {
  bool missing_o = false;
  bool missing_t = false;
  auto odata = read_whole(fs, seg.path(layout::segment_file_kind::index), missing_o);
  if (!odata) return odata.error();
  auto tdata = read_whole(fs, seg.path(layout::segment_file_kind::time_index), missing_t);
  if (!tdata) return tdata.error();
  if (missing_o || missing_t) return false;
  auto oidx = offset_index::decode(seg.base, *odata, log_size, offset_end);
  auto tidx = time_index::decode(seg.base, *tdata, offset_end);
  if (!oidx || !tidx) return false;
  if (log_size == 0) return oidx->entries().empty() && tidx->entries().empty();
  if (oidx->entries().empty() || tidx->entries().empty()) return false;
  const auto& first = oidx->entries().front();
  if ((allow_gaps ? first.batch_base < seg.base : first.batch_base != seg.base) || first.position != file_pos(0))
    return false;
  // The last entry must point at a batch header carrying that offset.
  const auto& last = oidx->entries().back();
  auto h = read_header_at(*seg.log, last.position, log_size);
  if (!h) return h.error();
  if (!*h || (*h)->magic != batch::magic_v2 || offset((*h)->base_offset) != last.batch_base) return false;
  seg.oidx = std::move(*oidx);
  seg.tidx = std::move(*tidx);
  seg.max_timestamp = seg.tidx.entries().back().max_timestamp;
  return true;
}

// Finishes the interrupted swaps found in `dir` (storage/cleaning.h, steps 3-5): raise the checkpoint so it
// covers the swapped segment, delete the replaced segments' files, rename the swap file to <base>.log.
// Returns whether anything was done (the caller then lists the directory again).
result<bool> finish_swaps(io::filesystem& fs, const std::string& dir, const std::vector<io::dir_entry>& entries) {
  std::vector<layout::swap_file> swaps;
  for (const auto& e : entries)
    if (auto sw = layout::parse_swap_file_name(e.name); sw && !e.is_dir) swaps.push_back(*sw);
  if (swaps.empty()) return false;
  const std::string ckpt_name(layout::cleaner_checkpoint_file);
  for (const auto& sw : swaps) {
    auto ckpt = read_offset_file(fs, dir, ckpt_name, cleaner_checkpoint_magic);
    if (!ckpt) return ckpt.error();
    if (!*ckpt || **ckpt <= sw.base) SD_TRY(write_offset_file(fs, dir, ckpt_name, cleaner_checkpoint_magic, sw.base + 1));
    for (const auto& e : entries) {
      auto f = layout::parse_segment_file_name(e.name);
      if (!f || f->base < sw.base || f->base >= sw.end) continue;
      auto r = fs.remove(dir + "/" + e.name);
      if (!r && r.error() != std::errc::no_such_file_or_directory) return r.error();
    }
    SD_TRY(fs.rename(dir + "/" + layout::swap_file_name(sw.base, sw.end),
                     dir + "/" + layout::segment_file_name(sw.base, layout::segment_file_kind::log)));
  }
  SD_TRY(fs.sync_dir(dir));
  return true;
}

}  // namespace

result<std::unique_ptr<partition_log>> partition_log::open(io::filesystem& fs, std::string dir, log_config config,
                                                           open_options options) {
  return log_opener::open(fs, std::move(dir), config, options);
}

result<std::unique_ptr<partition_log>> log_opener::open(io::filesystem& fs, std::string dir, log_config config,
                                                        open_options options) {
  SD_TRY(config.validate());
  const std::int64_t now_ms = options.now_ms != 0 ? options.now_ms : wall_ms_now();
  // An existing directory's listing also says which metadata files exist, so absent ones are not opened
  // (start-up cost is per partition: tens of thousands of partitions make every system call count).
  auto entries = fs.list(dir);
  if (!entries && entries.error() == std::errc::no_such_file_or_directory) {
    SD_TRY(fs.mkdir(dir));
    entries = fs.list(dir);
  }
  if (!entries) return entries.error();
  auto swapped = finish_swaps(fs, dir, *entries);
  if (!swapped) return swapped.error();
  if (*swapped) {
    entries = fs.list(dir);
    if (!entries) return entries.error();
  }
  auto listed = [&entries](std::string_view name) {
    return std::any_of(entries->begin(), entries->end(), [&](const io::dir_entry& e) { return e.name == name; });
  };
  const bool has_checkpoint_file = listed(layout::cleaner_checkpoint_file);
  auto cleaned_through = has_checkpoint_file ? read_offset_file(fs, dir, std::string(layout::cleaner_checkpoint_file),
                                                                 cleaner_checkpoint_magic)
                                             : result<std::optional<offset>>(std::optional<offset>{});
  if (!cleaned_through) return cleaned_through.error();
  const offset checkpoint = cleaned_through->value_or(offset(0));
  // A checkpoint file that exists but does not read (damage) may have covered cleaned segments: accept gaps in
  // every sealed segment then, rather than truncate cleaned segments as corrupt (a missing file means the
  // log was never cleaned: the cleaner writes it before its first swap and never removes it).
  const bool checkpoint_damaged = !*cleaned_through && has_checkpoint_file;

  std::vector<offset> bases;
  std::vector<std::string> index_files;
  for (const auto& e : *entries) {
    if (e.is_dir) continue;
    // Half-written replacements, and segment files retention retired but a crash kept from being unlinked.
    if (e.name.ends_with(layout::tmp_suffix) || e.name.ends_with(layout::deleted_suffix)) {
      SD_TRY(fs.remove(dir + "/" + e.name));
      continue;
    }
    auto seg_file = layout::parse_segment_file_name(e.name);
    if (!seg_file) continue;
    if (seg_file->kind == layout::segment_file_kind::log) {
      bases.push_back(seg_file->base);
    } else {
      index_files.push_back(e.name);
    }
  }
  std::sort(bases.begin(), bases.end());
  // Index files without their log are leftovers of a deletion.
  for (const auto& name : index_files) {
    auto base = layout::parse_segment_file_name(name)->base;
    if (!std::binary_search(bases.begin(), bases.end(), base)) SD_TRY(fs.remove(dir + "/" + name));
  }

  auto persisted_start = listed(layout::log_start_file) ? read_log_start_offset(fs, dir)
                                                       : result<std::optional<offset>>(std::optional<offset>{});
  if (!persisted_start) return persisted_start.error();
  auto point_in_file = listed(layout::recovery_point_file)
                           ? read_recovery_point(fs, dir)
                           : result<std::optional<recovery_point>>(std::optional<recovery_point>{});
  if (!point_in_file) return point_in_file.error();
  // After an unclean shutdown, what the recovery point vouches for is not scanned (storage/recovery_point.h).
  const bool use_point = !options.clean_shutdown && point_in_file->has_value();
  const recovery_point point = use_point ? **point_in_file : recovery_point{};

  std::unique_ptr<partition_log> log(new partition_log(fs, dir, config));
  std::vector<std::shared_ptr<io::file>> rewritten_indexes;  // synced by the first flusher round or close
  recovery_report& rep = log->_recovery;
  rep.clean_shutdown = options.clean_shutdown;

  if (bases.empty()) {
    offset base = persisted_start->value_or(offset(0));
    auto seg = create_segment(fs, dir, base, options.files);
    if (!seg) return seg.error();
    log->_segments.push_back(std::move(*seg));
    SD_TRY(fs.sync_dir(dir));
  }

  for (std::size_t i = 0; i < bases.size(); ++i) {
    const bool is_last = i + 1 == bases.size();
    const offset offset_end = is_last ? offset::max() : bases[i + 1];
    const bool allow_gaps = bases[i] < checkpoint || (checkpoint_damaged && !is_last);  // a cleaned segment
    auto seg = std::make_unique<segment>(dir, bases[i], nullptr);
    seg->log = lazy_segment_file(fs, seg->path(layout::segment_file_kind::log), options.files);
    auto file_size = seg->log->size();
    if (!file_size) return file_size.error();

    bool done = false;
    std::uint64_t trust_until = 0;  // bytes below it: header checks only (the recovery point vouches for them)
    if (!options.clean_shutdown && use_point && !is_last && bases[i] < point.segment_base) {
      // Sealed before the recovery point: data and indexes durable. Load the indexes; scan only if they fail.
      auto loaded = load_indexes(fs, *seg, *file_size, offset_end, allow_gaps);
      if (!loaded) return loaded.error();
      if (*loaded) {
        seg->size = *file_size;
        seg->next_offset = offset_end;
        seg->last_batch_base = seg->oidx.entries().empty() ? seg->base : seg->oidx.entries().back().batch_base;
        seg->unverified_to = seg->size;
        ++rep.segments_trusted;
        done = true;
      } else {
        ++rep.indexes_rebuilt;
        seg = std::make_unique<segment>(dir, bases[i], std::move(seg->log));
      }
    } else if (!options.clean_shutdown) {
      ++rep.indexes_rebuilt;
      if (use_point && bases[i] == point.segment_base && point.position <= *file_size) trust_until = point.position;
    } else {
      auto loaded = load_indexes(fs, *seg, *file_size, offset_end, allow_gaps);
      if (!loaded) return loaded.error();
      if (*loaded && !is_last) {
        seg->size = *file_size;
        seg->next_offset = offset_end;
        seg->last_batch_base = seg->oidx.entries().empty() ? seg->base : seg->oidx.entries().back().batch_base;
        seg->unverified_to = seg->size;
        done = true;
      } else if (*loaded) {
        // Tail scan: from the last indexed batch to the end of the file.
        const auto entries_on_disk = std::make_pair(seg->oidx.entries().size(), seg->tidx.entries().size());
        if (!seg->oidx.entries().empty()) {
          const auto last = seg->oidx.entries().back();
          seg->size = last.position.value();
          seg->next_offset = last.batch_base;
          seg->unverified_to = seg->size;
        }
        auto out = scan_segment(*seg, *file_size, config.index_interval_bytes, allow_gaps);
        if (!out) return out.error();
        done = out->reached_file_end;
        // Index files that already say everything the scan found need not be written again at close.
        log->_active_indexes_saved =
            done && entries_on_disk == std::make_pair(seg->oidx.entries().size(), seg->tidx.entries().size());
      }
      if (!done) {
        ++rep.indexes_rebuilt;
        seg = std::make_unique<segment>(dir, bases[i], std::move(seg->log));
      }
    }

    if (!done) {
      ++rep.segments_scanned;
      auto out = scan_segment(*seg, *file_size, config.index_interval_bytes, allow_gaps, trust_until);
      rep.bytes_checked += out ? out->crc_checked_bytes : 0;
      seg->unverified_to = out ? out->crc_checked_from : 0;
      if (!out) return out.error();
      if (!out->reached_file_end) {
        rep.bytes_truncated += *file_size - out->valid_end;
        SD_TRY(seg->log->truncate(out->valid_end));
      }
      if (!is_last) {
        // Rewrite the sealed segment's indexes only when the files differ from what the scan rebuilt.
        seg->seal_time_index();
        bool missing = false;
        auto on_disk_o = read_whole(fs, seg->path(layout::segment_file_kind::index), missing);
        if (!on_disk_o) return on_disk_o.error();
        auto on_disk_t = read_whole(fs, seg->path(layout::segment_file_kind::time_index), missing);
        if (!on_disk_t) return on_disk_t.error();
        if (*on_disk_o != seg->oidx.encode() || *on_disk_t != seg->tidx.encode()) {
          auto files = write_indexes(fs, *seg);
          if (!files) return files.error();
          for (auto& idx : *files) rewritten_indexes.push_back(std::move(idx));
        }
      } else {
        // The active segment's index files are written at close; if the ones on disk already say what the
        // scan found (a crash of an idle partition), close need not write them again.
        segment sealed(dir, seg->base, nullptr);
        sealed.oidx = seg->oidx;
        sealed.tidx = seg->tidx;
        sealed.size = seg->size;
        sealed.max_timestamp = seg->max_timestamp;
        sealed.last_batch_base = seg->last_batch_base;
        sealed.seal_time_index();
        bool missing_o = false;
        bool missing_t = false;
        auto on_disk_o = read_whole(fs, seg->path(layout::segment_file_kind::index), missing_o);
        if (!on_disk_o) return on_disk_o.error();
        auto on_disk_t = read_whole(fs, seg->path(layout::segment_file_kind::time_index), missing_t);
        if (!on_disk_t) return on_disk_t.error();
        log->_active_indexes_saved = !missing_o && !missing_t && *on_disk_o == sealed.oidx.encode() &&
                                     *on_disk_t == sealed.tidx.encode();
      }
      // A segment that does not end where the next one begins breaks contiguity: drop the rest.
      const bool continues = allow_gaps ? seg->next_offset <= offset_end : seg->next_offset == offset_end;
      if (!is_last && (!out->reached_file_end || !continues)) {
        for (std::size_t j = i + 1; j < bases.size(); ++j) {
          segment doomed(dir, bases[j], nullptr);
          SD_TRY(remove_segment_files(fs, doomed));
          ++rep.segments_removed;
        }
        bases.resize(i + 1);
      } else if (!is_last) {
        seg->next_offset = offset_end;  // a cleaned segment covers up to the next one, gaps included
      }
    }
    log->_segments.push_back(std::move(seg));
  }

  // The active segment's age counts from its first batch's timestamp (not in the future).
  segment& act = *log->_segments.back();
  act.rolling_base_ms = now_ms;
  if (!act.empty()) {
    auto h = read_header_at(*act.log, file_pos(0), act.size);
    if (!h) return h.error();
    if (*h && (*h)->max_timestamp < now_ms) act.rolling_base_ms = (*h)->max_timestamp;
  }

  // After a crash everything the recovery point does not cover is synced now, so flushed == next. When the
  // point covers the whole log (the last segment is the point's and ends exactly at its position, nothing
  // truncated), that is nothing: an idle partition's unclean start costs no fsync.
  const bool point_covers_all = use_point && act.base == point.segment_base && act.size == point.position &&
                                rep.bytes_truncated == 0 && rep.segments_removed == 0;
  if ((!options.clean_shutdown && !point_covers_all) || rep.bytes_truncated > 0 || rep.segments_removed > 0) {
    // The previous process may have left dirty pages in any file it wrote after the recovery point (files
    // it synced below the point need nothing, unless this recovery truncated one). sync_open() syncs the
    // descriptor it opens itself: cached_file::datasync() would skip a file the cache has just closed.
    const bool skip_below_point = use_point && rep.bytes_truncated == 0 && rep.segments_removed == 0;
    for (auto& s : log->_segments) {
      if (skip_below_point && s->base < point.segment_base) continue;
      SD_TRY(s->log->sync_open());
    }
    SD_TRY(fs.sync_dir(dir));
  }
  // Start-up keeps no descriptor: each segment reopens on its first use (under the file cache's bound).
  if (options.files != nullptr)
    for (auto& s : log->_segments) s->log->release_if_clean();

  for (auto& s : log->_segments) log->_size_bytes += s->size;
  log->_next = act.next_offset;
  log->_start = log->_segments.front()->base;
  log->_cleaned_through = checkpoint;
  log->_clean_history.emplace_back(now_ms, checkpoint);
  if (*persisted_start && **persisted_start > log->_start) log->_start = std::min(**persisted_start, log->_next);
  rep.segments = log->_segments.size();
  log->_sync = std::make_shared<sync_state>(fs, dir, log->_next, options.probe, options.files);
  log->_probe = options.probe;
  log->_files = options.files;
  log->_cache_budget = options.cache_budget;
  log->_deleter = options.deleter;
  log->_sync->set_active_file(act.log);
  log->_sync->opened_at(recovery_point{log->_next, act.base, act.size}, *point_in_file);
  for (auto& f : rewritten_indexes) log->_sync->add_dirty_file(std::move(f));
  log->_sync->flush_interval_ms.store(config.flush_interval_ms);
  log->_sync->recovery_point_interval_ms.store(config.recovery_point_interval_ms);
  return log;
}

}  // namespace sd::storage
