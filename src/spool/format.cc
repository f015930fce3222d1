#include "spool/format.h"

#include <cstdio>

#include "base/byte_reader.h"
#include "base/crc32c.h"

namespace sd::spool::format {

std::string segment_name(std::uint64_t first_seq) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%020llu%s", static_cast<unsigned long long>(first_seq), segment_suffix);
  return buf;
}

std::optional<std::uint64_t> parse_segment_name(std::string_view name) {
  std::string_view suffix = segment_suffix;
  if (name.size() != 20 + suffix.size() || name.substr(20) != suffix) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : name.substr(0, 20)) {
    if (c < '0' || c > '9') return std::nullopt;
    auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  if (v == 0) return std::nullopt;  // seqs start at 1
  return v;
}

bytes encode_segment_header(std::uint64_t first_seq) {
  bytes out;
  out.reserve(segment_header_bytes);
  append_be<std::uint32_t>(out, segment_magic);
  append_be<std::uint16_t>(out, version);
  append_be<std::uint16_t>(out, 0);
  append_be<std::uint64_t>(out, first_seq);
  append_be<std::uint32_t>(out, crc32c::extend(0, out.data(), out.size()));
  return out;
}

std::optional<std::uint64_t> decode_segment_header(byte_span h) {
  if (h.size() < segment_header_bytes) return std::nullopt;
  if (load_be<std::uint32_t>(h.data()) != segment_magic) return std::nullopt;
  if (load_be<std::uint16_t>(h.data() + 4) != version) return std::nullopt;
  if (load_be<std::uint32_t>(h.data() + 16) != crc32c::extend(0, h.data(), 16)) return std::nullopt;
  return load_be<std::uint64_t>(h.data() + 8);
}

std::size_t frame_bytes(const record& r) {
  std::size_t n = frame_header_bytes + min_body_bytes + r.topic.size();
  if (r.key) n += r.key->size();
  if (r.value) n += r.value->size();
  for (const auto& [k, v] : r.headers) n += 8 + k.size() + v.size();
  return n;
}

namespace {
void append_str(bytes& out, std::string_view s) {
  out.insert(out.end(), s.begin(), s.end());
}
void append_nullable(bytes& out, const std::optional<std::string>& s) {
  if (!s) {
    append_be<std::int32_t>(out, -1);
    return;
  }
  append_be<std::int32_t>(out, static_cast<std::int32_t>(s->size()));
  append_str(out, *s);
}
std::optional<std::string> read_nullable(byte_reader& r) {
  std::int32_t n = r.read_i32();
  if (n < 0) {
    if (n != -1) r.fail();
    return std::nullopt;
  }
  return std::string(r.read_string_view(static_cast<std::size_t>(n)));
}
}  // namespace

void encode_frame(const record& r, bytes& out) {
  std::size_t start = out.size();
  out.resize(start + frame_header_bytes);  // length and CRC filled in below
  append_be<std::uint64_t>(out, r.seq);
  append_be<std::int64_t>(out, r.timestamp_ms);
  append_be<std::int32_t>(out, r.partition);
  append_be<std::uint16_t>(out, static_cast<std::uint16_t>(r.topic.size()));
  append_str(out, r.topic);
  append_nullable(out, r.key);
  append_nullable(out, r.value);
  append_be<std::uint32_t>(out, static_cast<std::uint32_t>(r.headers.size()));
  for (const auto& [k, v] : r.headers) {
    append_be<std::uint32_t>(out, static_cast<std::uint32_t>(k.size()));
    append_str(out, k);
    append_be<std::uint32_t>(out, static_cast<std::uint32_t>(v.size()));
    append_str(out, v);
  }
  std::size_t body = out.size() - start - frame_header_bytes;
  store_be<std::uint32_t>(out.data() + start, static_cast<std::uint32_t>(body));
  store_be<std::uint32_t>(out.data() + start + 4,
                          crc32c::extend(0, out.data() + start + frame_header_bytes, body));
}

std::optional<std::uint32_t> frame_body_len(byte_span h) {
  if (h.size() < frame_header_bytes) return std::nullopt;
  std::uint32_t len = load_be<std::uint32_t>(h.data());
  if (len < min_body_bytes || len > max_body_bytes) return std::nullopt;
  return len;
}

std::uint64_t peek_seq(byte_span frame) {
  if (frame.size() < frame_header_bytes + 8) return 0;
  return load_be<std::uint64_t>(frame.data() + frame_header_bytes);
}

std::optional<record> decode_frame(byte_span frame) {
  auto len = frame_body_len(frame);
  if (!len || frame.size() < frame_header_bytes + *len) return std::nullopt;
  byte_span body = frame.subspan(frame_header_bytes, *len);
  if (crc32c::extend(0, body.data(), body.size()) != load_be<std::uint32_t>(frame.data() + 4))
    return std::nullopt;
  byte_reader r(body);
  record rec;
  rec.seq = r.read_be<std::uint64_t>();
  rec.timestamp_ms = r.read_i64();
  rec.partition = r.read_i32();
  rec.topic = std::string(r.read_string_view(r.read_u16()));
  rec.key = read_nullable(r);
  rec.value = read_nullable(r);
  std::uint32_t n = r.read_u32();
  // Each header takes at least 8 bytes: a count larger than the rest of the body is damage, not a reserve.
  if (n > r.remaining() / 8) return std::nullopt;
  rec.headers.reserve(n);
  for (std::uint32_t i = 0; i < n && r.ok(); ++i) {
    std::string k(r.read_string_view(r.read_u32()));
    std::string v(r.read_string_view(r.read_u32()));
    rec.headers.emplace_back(std::move(k), std::move(v));
  }
  if (!r.ok() || !r.at_end() || rec.seq == 0) return std::nullopt;
  return rec;
}

const char* reason_name(gap_reason r) {
  switch (r) {
    case gap_reason::drop_oldest:
      return "drop_oldest";
    case gap_reason::drop_newest:
      return "drop_newest";
    case gap_reason::corrupt:
      return "corrupt";
  }
  return "unknown";
}

std::optional<gap_reason> reason_from_name(std::string_view name) {
  for (auto r : {gap_reason::drop_oldest, gap_reason::drop_newest, gap_reason::corrupt})
    if (name == reason_name(r)) return r;
  return std::nullopt;
}

bytes encode_ledger_slot(const ledger_state& s) {
  bytes out(ledger_slot_header_bytes, 0);
  append_be<std::uint64_t>(out, s.generation);
  append_be<std::uint64_t>(out, s.forwarded_seq);
  append_be<std::uint64_t>(out, s.gaps_total);
  append_be<std::uint64_t>(out, s.dropped_oldest_total);
  append_be<std::uint64_t>(out, s.dropped_newest_total);
  std::string_view id = std::string_view(s.relay_id).substr(0, max_relay_id_bytes);
  append_be<std::uint16_t>(out, static_cast<std::uint16_t>(id.size()));
  append_str(out, id);
  std::size_t first = s.gaps.size() > max_ledger_gaps ? s.gaps.size() - max_ledger_gaps : 0;
  append_be<std::uint32_t>(out, static_cast<std::uint32_t>(s.gaps.size() - first));
  for (std::size_t i = first; i < s.gaps.size(); ++i) {
    const gap& g = s.gaps[i];
    append_be<std::uint64_t>(out, g.first_seq);
    append_be<std::uint64_t>(out, g.last_seq);
    append_be<std::uint64_t>(out, g.records);
    append_be<std::uint64_t>(out, g.bytes);
    append_be<std::int64_t>(out, g.at_ms);
    auto reason = reason_from_name(g.reason).value_or(gap_reason::corrupt);
    out.push_back(static_cast<std::uint8_t>(reason));
  }
  std::size_t body = out.size() - ledger_slot_header_bytes;
  store_be<std::uint32_t>(out.data(), ledger_magic);
  store_be<std::uint16_t>(out.data() + 4, version);
  store_be<std::uint16_t>(out.data() + 6, 0);
  store_be<std::uint32_t>(out.data() + 8, static_cast<std::uint32_t>(body));
  store_be<std::uint32_t>(out.data() + 12, crc32c::extend(0, out.data() + ledger_slot_header_bytes, body));
  return out;
}

std::optional<ledger_state> decode_ledger_slot(byte_span slot) {
  if (slot.size() < ledger_slot_header_bytes) return std::nullopt;
  if (load_be<std::uint32_t>(slot.data()) != ledger_magic) return std::nullopt;
  if (load_be<std::uint16_t>(slot.data() + 4) != version) return std::nullopt;
  std::uint32_t body = load_be<std::uint32_t>(slot.data() + 8);
  if (body > ledger_slot_bytes - ledger_slot_header_bytes || slot.size() < ledger_slot_header_bytes + body)
    return std::nullopt;
  const std::uint8_t* b = slot.data() + ledger_slot_header_bytes;
  if (crc32c::extend(0, b, body) != load_be<std::uint32_t>(slot.data() + 12)) return std::nullopt;
  byte_reader r(byte_span(b, body));
  ledger_state s;
  s.generation = r.read_be<std::uint64_t>();
  s.forwarded_seq = r.read_be<std::uint64_t>();
  s.gaps_total = r.read_be<std::uint64_t>();
  s.dropped_oldest_total = r.read_be<std::uint64_t>();
  s.dropped_newest_total = r.read_be<std::uint64_t>();
  s.relay_id = std::string(r.read_string_view(r.read_u16()));
  std::uint32_t n = r.read_u32();
  if (n > r.remaining() / gap_entry_bytes) return std::nullopt;
  for (std::uint32_t i = 0; i < n; ++i) {
    gap g;
    g.first_seq = r.read_be<std::uint64_t>();
    g.last_seq = r.read_be<std::uint64_t>();
    g.records = r.read_be<std::uint64_t>();
    g.bytes = r.read_be<std::uint64_t>();
    g.at_ms = r.read_i64();
    auto reason = static_cast<gap_reason>(r.read_be<std::uint8_t>());
    g.reason = reason_name(reason);
    s.gaps.push_back(std::move(g));
  }
  if (!r.ok() || !r.at_end() || s.generation == 0) return std::nullopt;
  return s;
}

}  // namespace sd::spool::format
