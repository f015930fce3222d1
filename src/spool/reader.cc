// read(): records from the segment files, never past durable_seq. The segment to start in and the position in
// it come from the sparse index (or the cursor a previous read left); the frames are then read with pread
// through a bounded window, outside the spool's lock. A segment deleted meanwhile stays readable through its
// shared file handle; ranges recovery found damaged are jumped over, and seqs that are missing (dropped or
// corrupt) simply do not appear, so a reader never waits for them.

#include <algorithm>

#include "spool/errc.h"
#include "spool/spool_impl.h"

namespace sd::spool::detail {

result<std::vector<record>> spool_impl::read(std::uint64_t from_seq, std::size_t max_records,
                                             std::size_t max_bytes) const {
  std::vector<record> out;
  std::size_t out_bytes = 0;
  std::uint64_t from = std::max<std::uint64_t>(from_seq, 1);
  for (;;) {
    std::shared_ptr<segment> seg;
    std::uint64_t pos = 0, limit = 0, durable = 0, seg_last = 0;
    {
      std::lock_guard lk(_mu);
      if (_closed || _stopping) return errc::closed;
      durable = _durable_seq;
      if (from > durable || out.size() >= max_records) return out;
      auto it = _segments.upper_bound(from);
      if (it != _segments.begin()) --it;
      for (; it != _segments.end(); ++it) {
        const segment& s = *it->second;
        if (s.readable && s.records > 0 && s.last_seq >= from) break;
      }
      if (it == _segments.end()) return out;
      seg = it->second;
      seg_last = seg->last_seq;
      limit = seg->durable_end;
      if (_cursor.segment == seg->name_seq && _cursor.seq == from && _cursor.pos <= limit) {
        pos = _cursor.pos;
      } else {
        pos = format::segment_header_bytes;
        auto ix = std::upper_bound(seg->index.begin(), seg->index.end(), from,
                                   [](std::uint64_t s, const index_entry& e) { return s < e.seq; });
        if (ix != seg->index.begin()) pos = std::prev(ix)->pos;
      }
    }
    std::size_t chunk = std::clamp<std::size_t>(max_bytes, 4096, 1 << 20);
    file_window w(*seg->file, limit, chunk);
    bool done = false;
    while (pos < limit && !done) {
      auto skip = std::find_if(seg->skips.begin(), seg->skips.end(),
                               [&](const corrupt_range& c) { return pos >= c.begin && pos < c.end; });
      if (skip != seg->skips.end()) {
        pos = skip->end;
        continue;
      }
      auto head = w.get(pos, format::frame_header_bytes);
      if (!head) return head.error();
      auto len = format::frame_body_len(*head);
      if (!len || pos + format::frame_header_bytes + *len > limit) {
        if (out.empty()) return errc::corrupt;
        done = true;  // the next read starts here and reports it
        break;
      }
      auto frame = w.get(pos, format::frame_header_bytes + *len);
      if (!frame) return frame.error();
      auto rec = format::decode_frame(*frame);
      if (!rec) {  // damaged after recovery accepted it (the disk changed under us)
        if (out.empty()) return errc::corrupt;
        done = true;
        break;
      }
      if (rec->seq > durable) {
        done = true;
        break;
      }
      pos += format::frame_header_bytes + *len;
      if (rec->seq < from) continue;
      out_bytes += format::frame_header_bytes + *len;
      out.push_back(std::move(*rec));
      if (out.size() >= max_records || out_bytes >= max_bytes) done = true;
    }
    std::uint64_t next = out.empty() ? std::max(from, seg_last + 1) : out.back().seq + 1;
    {
      std::lock_guard lk(_mu);
      _cursor = {next, seg->name_seq, pos};
    }
    if (done || next > durable) return out;
    from = std::max(next, seg_last + 1);
  }
}

}  // namespace sd::spool::detail
