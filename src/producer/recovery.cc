#include "producer/recovery.h"

#include <spdlog/spdlog.h>

#include <map>

#include "base/clock.h"
#include "producer/control_batch.h"
#include "producer/snapshot.h"
#include "storage/read_result.h"

namespace sd::producer {
namespace {

/// The type of each control batch at or past `from` (a first header pass finds them; they are few and
/// small, so each is then read whole). A control batch that is not a readable marker is reported.
result<std::map<std::int64_t, marker_kind>> find_markers(storage::partition_log& log, offset from) {
  std::vector<std::int64_t> at;
  SD_TRY(log.scan_headers(from, [&](const batch::header& h) {
    if (h.control()) at.push_back(h.base_offset);
  }));
  std::map<std::int64_t, marker_kind> kinds;
  for (auto off : at) {
    auto rr = log.read(offset(off), 4096);
    if (!rr) return rr.error();
    auto data = storage::copy_to_bytes(*rr);
    if (!data) return data.error();
    auto kind = decode_marker(byte_span(data->data(), data->size()));
    if (!kind) {
      spdlog::warn("{}: the control batch at offset {} is not a transaction marker; ignored", log.dir(), off);
      continue;
    }
    kinds[off] = *kind;
  }
  return kinds;
}

}  // namespace

result<recovery_stats> recover(storage::partition_log& log, producer_state_table& table, std::int64_t now_ms) {
  io::filesystem& fs = log.filesystem();
  recovery_stats stats;
  table.assign({});
  auto found = list_snapshots(fs, log.dir());
  if (!found) return found.error();
  for (offset end : *found) {
    if (!stats.snapshot_used && end <= log.next_offset()) {
      auto s = read_snapshot(fs, log.dir(), end);
      if (s) {
        table.assign(std::move(s->entries));
        table.assign_aborted(std::move(s->aborted));
        stats.snapshot_used = end;
        continue;
      }
      if (s.error() != errc::corrupt_snapshot) return s.error();
    } else if (stats.snapshot_used) {
      continue;  // an older snapshot: kept
    }
    // Past the log end (the crash took that tail) or damaged.
    SD_TRY(fs.remove(log.dir() + "/" + snapshot_file_name(end)));
    ++stats.snapshots_discarded;
  }
  stats.replayed_from = stats.snapshot_used.value_or(offset(0));
  auto markers = find_markers(log, stats.replayed_from);
  if (!markers) return markers.error();
  SD_TRY(log.scan_headers(stats.replayed_from, [&](const batch::header& h) {
    if (!h.has_producer_id()) return;
    if (h.control()) {
      if (auto it = markers->find(h.base_offset); it != markers->end())
        table.record_marker(h.producer_id, h.producer_epoch, it->second, h.base_offset, now_ms);
    } else {
      table.replay(h, now_ms);
    }
    ++stats.batches_replayed;
  }));
  table.trim_aborted(log.start_offset().value());
  table.expire(now_ms);
  if (stats.batches_replayed > 0 || stats.snapshots_discarded > 0) {
    if (auto st = checkpoint(log, table, log.next_offset(), now_ms); !st) {
      spdlog::warn("producer state snapshot in {} failed: {}", log.dir(), st.error().message());
    }
  }
  return stats;
}

status checkpoint(storage::partition_log& log, const producer_state_table& table, offset covered_end,
                  std::int64_t now_ms) {
  snapshot s;
  s.covered_end = covered_end;
  s.entries = table.entries();
  std::erase_if(s.entries, [&](const producer_entry& e) {
    return e.txn_first_offset < 0 && now_ms - e.last_update_ms >= table.expiration_ms();
  });
  s.aborted = table.aborted();
  if (covered_end.value() == 0 && s.entries.empty() && s.aborted.empty()) return ok();  // nothing to remember
  // A snapshot already covering this end holds the same state: producer state is a function of the log up to
  // it (recovery removes every snapshot past the log's end, so one that survived describes this log), and
  // entries it holds that have expired since are dropped again when it is loaded. A clean restart of an idle
  // partition then writes nothing at shutdown.
  auto there = log.filesystem().exists(log.dir() + "/" + snapshot_file_name(covered_end));
  if (!there) return there.error();
  if (*there) return ok();
  return write_snapshot(log.filesystem(), log.dir(), s);
}

result<recovery_stats> attach(storage::partition_log& log, std::shared_ptr<producer_state_table> table,
                              std::int64_t now_ms) {
  auto stats = recover(log, *table, now_ms);
  if (!stats) return stats.error();
  storage::partition_log* lp = &log;
  log.set_checkpoint_hook([lp, table](offset next) {
    if (auto st = checkpoint(*lp, *table, next, wall_ms_now()); !st) {
      spdlog::warn("producer state snapshot at offset {} in {} failed: {}", next.value(), lp->dir(),
                   st.error().message());
    }
  });
  return stats;
}

}  // namespace sd::producer
