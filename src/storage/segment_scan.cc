#include "storage/segment_scan.h"

#include <algorithm>
#include <optional>

#include "base/crc32c.h"
#include "storage/header_cursor.h"

namespace sd::storage {

namespace {
constexpr std::size_t chunk_size = 256 * 1024;
}  // namespace

// Streams the batch's CRC-covered bytes through crc32c, so a huge or garbage length never needs a huge buffer.
result<bool> batch_crc_ok(io::file& f, file_pos pos, std::size_t total, std::uint32_t expected, bytes& buf) {
  if (buf.size() < chunk_size) buf.resize(chunk_size);
  std::uint32_t crc = 0;
  std::size_t at = batch::crc_covered_from;
  while (at < total) {
    std::size_t n = std::min(chunk_size, total - at);
    auto r = io::read_up_to(f, pos + at, mutable_byte_span(buf.data(), n));
    if (!r) return r.error();
    if (*r != n) return false;
    crc = crc32c::extend(crc, buf.data(), n);
    at += n;
  }
  return crc == expected;
}

result<scan_outcome> scan_segment(segment& seg, std::uint64_t file_size, std::int64_t index_interval_bytes,
                                  bool allow_gaps, std::uint64_t trust_until) {
  bytes buf;
  std::optional<std::uint64_t> checked_from;
  std::uint64_t checked_bytes = 0;
  header_cursor cursor(*seg.log, file_size, chunk_size);
  for (;;) {
    file_pos pos(seg.size);
    if (pos.value() + batch::header_size > file_size) break;  // clean end, or a torn header
    auto h = cursor.at(pos);
    if (!h) return h.error();
    const batch::header& hdr = **h;
    if (hdr.batch_length < static_cast<std::int32_t>(batch::header_size - batch::length_field_end)) break;
    std::size_t total = hdr.total_size();
    if (pos.value() + total > file_size) break;  // torn tail
    if (hdr.magic != batch::magic_v2) break;
    if (hdr.last_offset_delta < 0 || hdr.records_count < 0 ||
        (hdr.records_count > 0 && hdr.records_count - 1 > hdr.last_offset_delta)) {
      break;
    }
    // Offsets continue without gap or overlap (a cleaned segment may skip ahead, never back).
    if (allow_gaps ? offset(hdr.base_offset) < seg.next_offset : offset(hdr.base_offset) != seg.next_offset) break;
    if (pos.value() + total > trust_until) {
      if (byte_span whole = cursor.buffered(pos, total); !whole.empty()) {
        if (batch::compute_crc(whole) != hdr.crc) break;
      } else {
        auto good = batch_crc_ok(*seg.log, pos, total, hdr.crc, buf);
        if (!good) return good.error();
        if (!*good) break;
      }
      if (!checked_from) checked_from = pos.value();
      checked_bytes += total;
    }
    seg.record_batch(hdr, pos, total, index_interval_bytes);
  }
  return scan_outcome{seg.size, seg.size == file_size, checked_from.value_or(seg.size), checked_bytes};
}

}  // namespace sd::storage
