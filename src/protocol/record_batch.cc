#include "protocol/record_batch.h"

#include <algorithm>
#include <limits>

#include "base/byte_reader.h"
#include "base/varint.h"

namespace sd::protocol {
namespace {

void put_nullable(sd::bytes& out, const std::optional<sd::bytes>& b) {
  if (!b) {
    varint::put_s32(out, -1);
    return;
  }
  varint::put_s32(out, static_cast<std::int32_t>(b->size()));
  out.insert(out.end(), b->begin(), b->end());
}

/// Reads a varint length (-1 = null) and that many bytes, bounded by the reader.
std::optional<sd::byte_span> read_nullable(byte_reader& r) {
  std::int32_t n = r.read_varint();
  if (n == -1 || !r.ok()) return std::nullopt;
  if (n < 0) {
    r.fail();
    return std::nullopt;
  }
  return r.read_span(static_cast<std::size_t>(n));
}

}  // namespace

void batch_builder::add(const record& rec) {
  if (_count == 0) {
    _base_ts = rec.timestamp;
    _max_ts = rec.timestamp;
  }
  _max_ts = std::max(_max_ts, rec.timestamp);
  sd::bytes body;
  body.reserve(32 + (rec.key ? rec.key->size() : 0) + (rec.value ? rec.value->size() : 0));
  body.push_back(0);  // record attributes (unused)
  varint::put_s64(body, rec.timestamp - _base_ts);
  varint::put_s32(body, _count);
  put_nullable(body, rec.key);
  put_nullable(body, rec.value);
  varint::put_s32(body, static_cast<std::int32_t>(rec.headers.size()));
  for (const auto& h : rec.headers) {
    varint::put_s32(body, static_cast<std::int32_t>(h.key.size()));
    body.insert(body.end(), h.key.begin(), h.key.end());
    put_nullable(body, h.value);
  }
  varint::put_s32(_records, static_cast<std::int32_t>(body.size()));
  _records.insert(_records.end(), body.begin(), body.end());
  ++_count;
}

result<sd::bytes> batch_builder::build() const {
  if (_count == 0) return errc::malformed;
  sd::bytes payload;
  if (_opts.codec == batch::compression::none) {
    payload = _records;
  } else {
    auto c = compress(_opts.codec, _records, _opts.compression_level);
    if (!c) return c.error();
    payload = std::move(c).value();
  }
  if (payload.size() > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()) - batch::header_size) {
    return errc::malformed;
  }
  batch::header h;
  h.base_offset = _opts.base_offset;
  h.batch_length = static_cast<std::int32_t>(batch::header_size - batch::length_field_end + payload.size());
  h.leader_epoch = _opts.leader_epoch;
  h.magic = batch::magic_v2;
  h.attributes = static_cast<std::int16_t>(static_cast<int>(_opts.codec) | (_opts.log_append_time ? 0x8 : 0) |
                                           (_opts.transactional ? 0x10 : 0) | (_opts.control ? 0x20 : 0));
  h.last_offset_delta = _count - 1;
  h.base_timestamp = _base_ts;
  h.max_timestamp = _max_ts;
  h.producer_id = _opts.producer_id;
  h.producer_epoch = _opts.producer_epoch;
  h.base_sequence = _opts.base_sequence;
  h.records_count = _count;
  sd::bytes out(batch::header_size + payload.size());
  batch::write_header(out.data(), h);
  std::copy(payload.begin(), payload.end(), out.begin() + batch::header_size);
  batch::seal_crc(out);
  return out;
}

result<sd::bytes> rebuild_batch(const batch::header& original, std::span<const sd::byte_span> kept) {
  sd::bytes records;
  for (const auto& k : kept) records.insert(records.end(), k.begin(), k.end());
  batch::header h = original;
  sd::bytes payload;
  if (kept.empty()) {
    h.attributes = static_cast<std::int16_t>(h.attributes & ~0x7);  // nothing to compress
  } else if (original.codec() == batch::compression::none) {
    payload = std::move(records);
  } else {
    auto c = compress(original.codec(), records);
    if (!c) return c.error();
    payload = std::move(c).value();
  }
  if (payload.size() > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()) - batch::header_size) {
    return errc::malformed;
  }
  h.records_count = static_cast<std::int32_t>(kept.size());
  h.batch_length = static_cast<std::int32_t>(batch::header_size - batch::length_field_end + payload.size());
  sd::bytes out(batch::header_size + payload.size());
  batch::write_header(out.data(), h);
  std::copy(payload.begin(), payload.end(), out.begin() + batch::header_size);
  batch::seal_crc(out);
  return out;
}

result<sd::bytes> build_batch(std::span<const record> records, const batch_options& opts) {
  batch_builder b(opts);
  for (const auto& r : records) b.add(r);
  return b.build();
}

record record_view::to_record() const {
  record r;
  if (key) r.key.emplace(key->begin(), key->end());
  if (value) r.value.emplace(value->begin(), value->end());
  r.timestamp = timestamp;
  for (const auto& h : headers) {
    auto& o = r.headers.emplace_back();
    o.key.assign(h.key);
    if (h.value) o.value.emplace(h.value->begin(), h.value->end());
  }
  return r;
}

result<decoded_batch> read_batch(sd::byte_span data, std::size_t max_uncompressed) {
  auto fr = batch::frame(data, std::numeric_limits<std::int32_t>::max());
  if (fr.status == batch::check::truncated) return errc::truncated;
  if (fr.status != batch::check::ok) return errc::corrupt_batch;
  decoded_batch out;
  out.header = fr.hdr;
  const auto codec_bits = out.header.attributes & 0x7;
  if (codec_bits > 4) return errc::unsupported_codec;
  sd::byte_span payload = data.subspan(batch::header_size, fr.size - batch::header_size);
  if (out.header.codec() != batch::compression::none) {
    auto d = decompress(out.header.codec(), payload, max_uncompressed);
    if (!d) return d.error();
    out.decompressed = std::move(d).value();
    payload = out.decompressed;
  }
  // Every record takes at least 7 bytes, so a count beyond payload/7 cannot be right (bounds reserve()).
  if (static_cast<std::size_t>(out.header.records_count) > payload.size() / 7 + 1) return errc::corrupt_batch;
  out.records.reserve(static_cast<std::size_t>(out.header.records_count));
  byte_reader r(payload);
  for (std::int32_t i = 0; i < out.header.records_count; ++i) {
    const std::size_t record_start = payload.size() - r.remaining();
    std::int32_t len = r.read_varint();
    if (!r.ok() || len < 0 || static_cast<std::size_t>(len) > r.remaining()) return errc::corrupt_batch;
    byte_reader rr(r.read_span(static_cast<std::size_t>(len)));
    record_view& v = out.records.emplace_back();
    v.encoded = payload.subspan(record_start, payload.size() - r.remaining() - record_start);
    v.attributes = rr.read_i8();
    std::int64_t ts_delta = rr.read_varlong();
    std::int32_t off_delta = rr.read_varint();
    v.key = read_nullable(rr);
    v.value = read_nullable(rr);
    std::int32_t nh = rr.read_varint();
    if (!rr.ok() || nh < 0 || static_cast<std::size_t>(nh) > rr.remaining()) return errc::corrupt_batch;
    v.headers.reserve(static_cast<std::size_t>(nh));
    for (std::int32_t h = 0; h < nh && rr.ok(); ++h) {
      std::int32_t kl = rr.read_varint();
      if (kl < 0) return errc::corrupt_batch;
      auto& hv = v.headers.emplace_back();
      hv.key = rr.read_string_view(static_cast<std::size_t>(kl));
      hv.value = read_nullable(rr);
    }
    if (!rr.ok() || !rr.at_end()) return errc::corrupt_batch;
    if (off_delta < 0 || off_delta > out.header.last_offset_delta) return errc::corrupt_batch;
    v.offset = out.header.base_offset + off_delta;
    v.timestamp = out.header.log_append_time() ? out.header.max_timestamp : out.header.base_timestamp + ts_delta;
  }
  if (!r.at_end()) return errc::corrupt_batch;
  return out;
}

result<std::vector<decoded_batch>> read_batches(sd::byte_span data, std::size_t max_uncompressed) {
  std::vector<decoded_batch> out;
  while (!data.empty()) {
    auto b = read_batch(data, max_uncompressed);
    if (!b) {
      if (b.error() == make_error_code(errc::truncated)) break;  // partial last batch
      return b.error();
    }
    std::size_t n = b->header.total_size();
    out.push_back(std::move(b).value());
    data = data.subspan(n);
  }
  return out;
}

}  // namespace sd::protocol
