#include "group/offset_log.h"

#include <spdlog/spdlog.h>

#include "base/clock.h"
#include "base/record_batch_header.h"
#include "group/errc.h"

namespace sd::group {
namespace {
constexpr std::size_t max_batch_payload = 512 * 1024;  // well below the log's max batch size
}

result<std::unique_ptr<offset_log>> offset_log::open(io::filesystem& fs, std::string dir,
                                                     const coordinator_config& cfg, storage::flusher* flusher,
                                                     bool clean_shutdown) {
  storage::log_config lc;
  lc.segment_bytes = cfg.log_segment_bytes;
  lc.retention_bytes = -1;
  lc.retention_ms = -1;
  lc.max_batch_bytes = 8 << 20;
  // Bounded by key compaction (broker/log_cleaner.h registers this log): the latest record of each group and
  // offset stays, deletions are tombstones. Nobody reads this log while it is cleaned except replay at
  // start-up, so tombstones can go at the first pass that sees them.
  lc.compact = true;
  lc.delete_by_retention = false;
  lc.min_cleanable_dirty_ratio = cfg.log_min_cleanable_dirty_ratio;
  lc.delete_retention_ms = 0;
  storage::open_options oo;
  oo.clean_shutdown = clean_shutdown;
  auto log = storage::partition_log::open(fs, std::move(dir), lc, oo);
  if (!log) return log.error();
  std::shared_ptr<storage::partition_log> shared(std::move(*log));
  return std::unique_ptr<offset_log>(new offset_log(std::move(shared), flusher, cfg));
}

offset_log::~offset_log() { (void)close(); }

status offset_log::close() { return _log->close(); }

status offset_log::replay(const std::function<void(const store_record&)>& fn) {
  std::int64_t from = _log->start_offset().value();
  const std::int64_t start = from;
  const std::int64_t end = _log->next_offset().value();
  while (from < end) {
    auto rr = _log->read(offset(from), 1 << 20);
    if (!rr) return rr.error();
    if (rr->empty()) break;
    auto data = storage::copy_to_bytes(*rr);
    if (!data) return data.error();
    byte_span rest(data->data(), data->size());
    while (!rest.empty()) {
      auto fr = batch::frame(rest, rest.size());
      if (fr.status != batch::check::ok) return make_error_code(errc::storage_error);
      bool ok = for_each_record(rest.first(fr.size), [&](byte_span k, std::optional<byte_span> v, std::int64_t at) {
        if (at < start) return true;  // before the log start (an older part of the first batch)
        auto rec = decode_record(k, v);
        if (!rec) return false;
        fn(*rec);
        return true;
      });
      if (!ok) {
        spdlog::error("offsets log: undecodable record in the batch at offset {}", fr.hdr.base_offset);
        return make_error_code(errc::storage_error);
      }
      rest = rest.subspan(fr.size);
    }
    if (rr->next_offset.value() <= from) break;
    from = rr->next_offset.value();
  }
  return ok();
}

result<std::int64_t> offset_log::write(const std::vector<store_record>& records) {
  std::vector<encoded_record> pending;
  std::size_t bytes = 0;
  const auto now = wall_ms_now();
  auto flush_batch = [&]() -> status {
    if (pending.empty()) return ok();
    auto b = encode_batch(pending, now);
    pending.clear();
    bytes = 0;
    auto r = _log->append(mutable_byte_span(b.data(), b.size()), now);
    if (!r) return r.error();
    return ok();
  };
  for (const auto& r : records) {
    auto e = encode_record(r);
    bytes += e.key.size() + (e.value ? e.value->size() : 0) + 16;
    pending.push_back(std::move(e));
    if (bytes >= max_batch_payload) SD_TRY(flush_batch());
  }
  SD_TRY(flush_batch());
  return _log->next_offset().value();
}

void offset_log::append(std::vector<store_record> records, commit_callback durable) {
  auto end = write(records);
  if (!end) {
    spdlog::error("offsets log: append failed: {}", end.error().message());
    if (durable) durable(errc::storage_error);
    return;
  }
  if (!_flusher) {
    auto st = _log->flush();
    if (durable) durable(st ? std::error_code{} : make_error_code(errc::storage_error));
    return;
  }
  if (!durable) {
    _flusher->request_background(_log->sync());
    return;
  }
  _flusher->request(*_log, offset(*end), [durable = std::move(durable)](status st) {
    if (!st) spdlog::error("offsets log: sync failed: {}", st.error().message());
    durable(st ? std::error_code{} : make_error_code(errc::storage_error));
  });
}

}  // namespace sd::group
