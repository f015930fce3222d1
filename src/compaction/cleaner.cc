#include "compaction/cleaner.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <thread>

#include "base/record_batch_header.h"
#include "protocol/record_batch.h"
#include "storage/errc.h"
#include "storage/layout.h"

namespace sd::compaction {


namespace {

constexpr std::int64_t no_limit = std::numeric_limits<std::int64_t>::max();

bool in_aborted(const partition_facts& facts, const batch::header& h) {
  if (!h.transactional() || h.control()) return false;
  for (const auto& a : facts.aborted)
    if (a.producer_id == h.producer_id && h.base_offset >= a.first_offset && h.base_offset <= a.last_offset) return true;
  return false;
}

/// Walks the whole batches of one sealed segment, reading each into `buf`.
template <class Fn>
status for_each_batch(const storage::sealed_segment& seg, bytes& buf, io_throttle* throttle, pass_stats& stats, Fn&& fn) {
  file_pos pos(0);
  while (pos.value() < seg.size) {
    auto h = storage::read_header_at(*seg.file, pos, seg.size);
    if (!h) return h.error();
    if (!*h) return storage::errc::corrupt_log;
    const std::size_t total = (*h)->total_size();
    if (pos.value() + total > seg.size) return storage::errc::corrupt_log;
    buf.resize(total);
    auto n = io::read_up_to(*seg.file, pos, mutable_byte_span(buf.data(), total));
    if (!n) return n.error();
    if (*n != total) return storage::errc::corrupt_log;
    stats.bytes_read += total;
    if (throttle) throttle->charge(total);
    bool go_on = true;
    SD_TRY(fn(**h, byte_span(buf.data(), total), go_on));
    if (!go_on) return ok();
    pos += total;
  }
  return ok();
}

}  // namespace

assessment assess(const storage::cleaning_view& view, const storage::log_config& cfg, const partition_facts& facts,
                  std::int64_t now_ms) {
  assessment a;
  a.clean_limit = std::min(view.active_base, offset(facts.last_stable));
  if (cfg.min_compaction_lag_ms > 0) {
    for (const auto& s : view.segments) {
      if (s.max_timestamp > now_ms - cfg.min_compaction_lag_ms) {
        a.clean_limit = std::min(a.clean_limit, s.base);
        break;
      }
    }
  }
  bool first_dirty = true;
  for (const auto& s : view.segments) {
    if (s.end > a.clean_limit) break;
    if (s.end <= view.checkpoint) {
      a.clean_bytes += s.size;
      continue;
    }
    a.dirty_bytes += s.size;
    if (first_dirty && cfg.max_compaction_lag_ms != no_limit && s.max_timestamp >= 0 &&
        now_ms - s.max_timestamp > cfg.max_compaction_lag_ms)
      a.overdue = true;
    first_dirty = false;
  }
  const auto total = a.clean_bytes + a.dirty_bytes;
  a.dirty_ratio = total == 0 ? 0.0 : static_cast<double>(a.dirty_bytes) / static_cast<double>(total);
  // A dirty range of only empty segments still moves the checkpoint on (cheaply), so count it as due.
  const bool any_dirty = std::any_of(view.segments.begin(), view.segments.end(), [&](const auto& s) {
    return s.end <= a.clean_limit && s.end > view.checkpoint;
  });
  a.due = cfg.compact && any_dirty && (a.dirty_ratio >= cfg.min_cleanable_dirty_ratio || a.overdue);
  return a;
}

void io_throttle::charge(std::uint64_t n) {
  const double rate = _rate.load();
  if (!(rate > 0) || rate == std::numeric_limits<double>::infinity()) return;
  const auto now = std::chrono::steady_clock::now().time_since_epoch();
  const std::int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now).count();
  double wait_s = 0;
  {
    std::lock_guard lk(_mu);
    const double elapsed = _last_ns == 0 ? 0 : static_cast<double>(now_ns - _last_ns) / 1e9;
    _last_ns = now_ns;
    _debt_s = std::max(0.0, _debt_s - elapsed) + static_cast<double>(n) / rate;
    wait_s = _debt_s;
  }
  if (wait_s > 0.001) std::this_thread::sleep_for(std::chrono::duration<double>(wait_s));
}

result<pass_output> clean(io::filesystem& fs, const storage::cleaning_view& view, const storage::log_config& cfg,
                          const partition_facts& facts, const assessment& plan, offset_map& map,
                          io_throttle* throttle) {
  pass_output out;
  map.clear();
  bytes buf;

  // 1. The offset map, from the checkpoint on, over dirty segments below the clean limit.
  offset map_end = view.checkpoint;
  bool stopped = false;
  for (const auto& seg : view.segments) {
    if (stopped || seg.end > plan.clean_limit) break;
    if (seg.end <= view.checkpoint) continue;
    auto st = for_each_batch(seg, buf, throttle, out.stats, [&](const batch::header& h, byte_span b, bool& go_on) -> status {
      const offset last(h.last_offset());
      if (last < view.checkpoint) return ok();
      if (h.control() || in_aborted(facts, h)) {
        map_end = last + 1;
        return ok();
      }
      auto decoded = protocol::read_batch(b);
      if (!decoded) return storage::errc::corrupt_log;
      std::size_t keyed = 0;
      for (const auto& r : decoded->records) keyed += r.key ? 1 : 0;
      if (map.free() < keyed) {
        out.stats.map_full = stopped = true;
        go_on = false;
        return ok();
      }
      for (const auto& r : decoded->records)
        if (r.key) map.put(hash_key(*r.key), r.offset);
      out.stats.records_read += decoded->records.size();
      map_end = last + 1;
      return ok();
    });
    if (!st) return st.error();
    if (!stopped) map_end = seg.end;  // the whole segment, gaps included
  }
  out.map_end = map_end;
  out.stats.map_keys = map.size();
  if (map_end <= view.checkpoint) return out;  // nothing to do (or not even one batch fits the map)

  // 2. Groups of consecutive segments below the map's end, each at most segment.bytes of input.
  std::vector<std::vector<const storage::sealed_segment*>> groups;
  std::uint64_t group_bytes = 0;
  for (const auto& seg : view.segments) {
    if (seg.base >= map_end) break;
    const bool fits = !groups.empty() &&
                      group_bytes + seg.size <= static_cast<std::uint64_t>(cfg.segment_bytes) &&
                      (seg.end - groups.back().front()->base) <= std::numeric_limits<std::int32_t>::max();
    if (!fits) {
      groups.emplace_back();
      group_bytes = 0;
    }
    groups.back().push_back(&seg);
    group_bytes += seg.size;
  }

  // 3. Write each group.
  for (const auto& group : groups) {
    const offset base = group.front()->base;
    const offset end = group.back()->end;
    auto file = fs.open(view.dir + "/" + storage::layout::cleaning_file_name(base), io::open_mode::create_truncate);
    if (!file) return file.error();
    // Unbounded by the file cache while the pass writes it; install_cleaned hands it to the log's cache.
    auto seg = std::make_unique<storage::segment>(
        view.dir, base, storage::file_cache::make(nullptr, fs, view.dir + "/" + storage::layout::cleaning_file_name(base)));
    seg->log->adopt(std::move(*file));
    std::vector<byte_span> kept;
    for (const auto* src : group) {
      auto st = for_each_batch(*src, buf, throttle, out.stats, [&](const batch::header& h, byte_span b, bool&) -> status {
        const std::int64_t batch_records = std::max<std::int32_t>(0, h.records_count);
        bytes rebuilt;
        byte_span write = b;
        auto last_of = facts.last_batch_of_producer.find(h.producer_id);
        const bool producers_last =
            h.producer_id >= 0 && last_of != facts.last_batch_of_producer.end() && last_of->second == h.base_offset;
        if (h.last_offset() < view.start.value() || in_aborted(facts, h)) {
          out.stats.records_removed += static_cast<std::uint64_t>(batch_records);
          if (!producers_last || h.last_offset() < view.start.value()) return ok();
          auto r = protocol::rebuild_batch(h, {});  // the producer's sequence stays known
          if (!r) return r.error();
          rebuilt = std::move(*r);
          write = rebuilt;
        } else if (!h.control() && offset(h.base_offset) < map_end) {
          auto decoded = protocol::read_batch(b);
          if (!decoded) return storage::errc::corrupt_log;
          kept.clear();
          for (const auto& r : decoded->records) {
            if (!r.key) continue;
            auto latest = map.get(hash_key(*r.key));
            if (latest && *latest > r.offset) continue;
            if (!r.value && r.offset < facts.tombstone_horizon) continue;
            kept.push_back(r.encoded);
          }
          out.stats.records_removed += decoded->records.size() - kept.size();
          if (kept.size() != decoded->records.size()) {
            if (kept.empty() && !producers_last) return ok();
            auto r = protocol::rebuild_batch(h, kept);
            if (!r) return r.error();
            rebuilt = std::move(*r);
            write = rebuilt;
          }
        }
        const file_pos at(seg->size);
        SD_TRY(io::write_all(*seg->log, at, write));
        out.stats.bytes_written += write.size();
        if (throttle) throttle->charge(write.size());
        seg->record_batch(batch::parse_header(write.data()), at, write.size(), cfg.index_interval_bytes);
        return ok();
      });
      if (!st) return st.error();
    }
    SD_TRY(seg->log->datasync());
    seg->next_offset = end;
    storage::cleaned_segment c;
    c.base = base;
    c.end = end;
    for (const auto* src : group) c.replaced.push_back(src->file);
    c.seg = std::move(seg);
    c.checkpoint_after = std::min(end, map_end);
    out.segments.push_back(std::move(c));
  }
  return out;
}

}  // namespace sd::compaction

namespace sd::compaction {

result<int> clean_synchronously(storage::partition_log& log, io::filesystem& fs, offset_map& map, std::int64_t now_ms,
                                partition_facts facts) {
  int passes = 0;
  bool follow_up = false;
  const bool ask_log = facts.tombstone_horizon < 0;
  for (;;) {
    auto view = log.view_for_cleaning();
    if (facts.last_stable == 0) facts.last_stable = log.next_offset().value();
    const auto cfg = log.config();
    if (ask_log) facts.tombstone_horizon = log.tombstone_horizon(now_ms - cfg.delete_retention_ms).value();
    const auto plan = assess(view, cfg, facts, now_ms);
    if (!plan.due && !(follow_up && plan.dirty_bytes > 0)) return passes;
    if (log.flushed_offset() < plan.clean_limit) SD_TRY(log.flush());
    auto out = clean(fs, view, cfg, facts, plan, map);
    if (!out) return out.error();
    if (out->segments.empty()) return passes;
    for (auto& s : out->segments) SD_TRY(log.install_cleaned(std::move(s)));
    log.record_clean_pass(now_ms);
    ++passes;
    if (!out->stats.map_full) return passes;
    follow_up = true;
  }
}

}  // namespace sd::compaction
