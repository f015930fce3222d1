#include "spool/segment_scan.h"

#include <algorithm>

#include "spool/format.h"

namespace sd::spool {

result<byte_span> file_window::get(std::uint64_t pos, std::size_t n) {
  if (pos >= _size) return byte_span{};
  n = static_cast<std::size_t>(std::min<std::uint64_t>(n, _size - pos));
  if (pos >= _buf_pos && pos + n <= _buf_pos + _buf.size()) {
    return byte_span(_buf.data() + (pos - _buf_pos), n);
  }
  std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(std::max(n, _chunk), _size - pos));
  _buf.resize(want);
  auto got = io::read_up_to(_f, file_pos(pos), mutable_byte_span(_buf.data(), want));
  if (!got) {
    _buf.clear();
    return got.error();
  }
  _buf.resize(*got);  // a file shorter than its stat size (truncated meanwhile) reads as ending here
  _buf_pos = pos;
  return byte_span(_buf.data(), std::min(n, _buf.size()));
}

namespace {

// The frame at pos when it is acceptable after prev_seq, else nullopt. max_advance bounds seq - prev_seq.
result<std::optional<record>> try_frame(file_window& w, std::uint64_t pos, std::uint64_t prev_seq,
                                        std::uint64_t max_advance) {
  auto head = w.get(pos, format::frame_header_bytes + 8);
  if (!head) return head.error();
  if (head->size() < format::frame_header_bytes + 8) return std::optional<record>{};
  auto len = format::frame_body_len(*head);
  if (!len || pos + format::frame_header_bytes + *len > w.size()) return std::optional<record>{};
  std::uint64_t seq = format::peek_seq(*head);
  if (seq <= prev_seq || seq - prev_seq > max_advance) return std::optional<record>{};
  auto frame = w.get(pos, format::frame_header_bytes + *len);
  if (!frame) return frame.error();
  return format::decode_frame(*frame);
}

}  // namespace

result<segment_scan> scan_segment(io::file& f, std::uint64_t prev_seq, const scan_fn& on_record,
                                  std::uint64_t index_interval) {
  segment_scan s;
  auto size = f.size();
  if (!size) return size.error();
  s.file_size = *size;
  file_window w(f, s.file_size);
  auto head = w.get(0, format::segment_header_bytes);
  if (!head) return head.error();
  s.header_seq = format::decode_segment_header(*head);
  s.end = std::min<std::uint64_t>(format::segment_header_bytes, s.file_size);
  // Any seq advance larger than the file could not come from frames of this file: rejects stale garbage.
  std::uint64_t max_advance = std::max<std::uint64_t>(s.file_size, 1);
  std::uint64_t pos = s.end;
  std::uint64_t last_indexed = 0;
  bool damaged = false;  // scanning for the next acceptable frame after a bad one
  std::uint64_t bad_begin = 0;
  while (pos < s.file_size) {
    auto fr = try_frame(w, pos, prev_seq, damaged ? max_advance : UINT64_MAX);
    if (!fr) return fr.error();
    if (!*fr) {
      if (!damaged) {
        damaged = true;
        bad_begin = pos;
      }
      ++pos;
      continue;
    }
    const record& r = **fr;
    if (damaged) {
      s.corrupt.push_back({bad_begin, pos, prev_seq, r.seq});
      damaged = false;
    }
    std::uint64_t len = format::frame_bytes(r);
    if (s.records == 0) {
      s.first_seq = r.seq;
      s.first_timestamp_ms = r.timestamp_ms;
    }
    if (s.index.empty() || pos - last_indexed >= index_interval) {
      s.index.push_back({r.seq, pos});
      last_indexed = pos;
    }
    ++s.records;
    s.last_seq = r.seq;
    prev_seq = r.seq;
    if (on_record) on_record(r, pos, len);
    pos += len;
    s.end = pos;
  }
  if (damaged) s.tail_bytes = s.file_size - bad_begin;
  return s;
}

}  // namespace sd::spool
