#include "support/wire.h"

#include "base/byte_reader.h"
#include "base/record_batch_header.h"
#include "base/varint.h"

namespace sd::itest::wire {

writer& writer::uvarint(std::uint64_t v) {
  varint::put_u64(_out, v);
  return *this;
}
writer& writer::varint(std::int64_t v) {
  varint::put_s64(_out, v);
  return *this;
}
writer& writer::string(std::string_view s) {
  i16(static_cast<std::int16_t>(s.size()));
  return raw(as_bytes(s));
}
writer& writer::nullable_string(std::optional<std::string_view> s) {
  if (!s) return i16(-1);
  return string(*s);
}
writer& writer::compact_string(std::string_view s) {
  uvarint(s.size() + 1);
  return raw(as_bytes(s));
}
writer& writer::bytes32(byte_span b) {
  i32(static_cast<std::int32_t>(b.size()));
  return raw(b);
}
writer& writer::raw(byte_span b) {
  _out.insert(_out.end(), b.begin(), b.end());
  return *this;
}

namespace {
bytes frame(std::int16_t api_key, std::int16_t api_version, std::int32_t correlation_id, std::string_view client_id,
            byte_span body, bool header_v2) {
  writer w;
  w.i32(0);  // size, patched below
  w.i16(api_key).i16(api_version).i32(correlation_id).string(client_id);
  if (header_v2) w.uvarint(0);  // no tagged fields
  w.raw(body);
  bytes out = w.take();
  store_be(out.data(), static_cast<std::int32_t>(out.size() - 4));
  return out;
}
}  // namespace

bytes request_frame(std::int16_t api_key, std::int16_t api_version, std::int32_t correlation_id,
                    std::string_view client_id, byte_span body) {
  return frame(api_key, api_version, correlation_id, client_id, body, false);
}
bytes request_frame_v2(std::int16_t api_key, std::int16_t api_version, std::int32_t correlation_id,
                       std::string_view client_id, byte_span body) {
  return frame(api_key, api_version, correlation_id, client_id, body, true);
}

bytes record_batch(const std::vector<test_record>& records, std::int64_t timestamp_ms) {
  bytes out(batch::header_size, 0);
  for (std::size_t i = 0; i < records.size(); ++i) {
    writer body;
    body.i8(0);                               // record attributes
    body.varint(0);                           // timestamp delta
    body.varint(static_cast<std::int64_t>(i));  // offset delta
    const auto& r = records[i];
    if (r.key) {
      body.varint(static_cast<std::int64_t>(r.key->size())).raw(as_bytes(*r.key));
    } else {
      body.varint(-1);
    }
    if (r.value) {
      body.varint(static_cast<std::int64_t>(r.value->size())).raw(as_bytes(*r.value));
    } else {
      body.varint(-1);
    }
    body.varint(0);  // no headers
    varint::put_s64(out, static_cast<std::int64_t>(body.data().size()));
    out.insert(out.end(), body.data().begin(), body.data().end());
  }
  batch::header h;
  h.base_offset = 0;
  h.batch_length = static_cast<std::int32_t>(out.size() - batch::length_field_end);
  h.leader_epoch = -1;
  h.magic = batch::magic_v2;
  h.attributes = 0;
  h.last_offset_delta = records.empty() ? 0 : static_cast<std::int32_t>(records.size() - 1);
  h.base_timestamp = timestamp_ms;
  h.max_timestamp = timestamp_ms;
  h.producer_id = -1;
  h.producer_epoch = -1;
  h.base_sequence = -1;
  h.records_count = static_cast<std::int32_t>(records.size());
  batch::write_header(out.data(), h);
  batch::seal_crc(out);
  return out;
}

bytes produce_v3_body(std::string_view topic, std::int32_t partition, std::int16_t acks, std::int32_t timeout_ms,
                      byte_span records) {
  writer w;
  w.nullable_string(std::nullopt);  // transactional id
  w.i16(acks).i32(timeout_ms);
  w.i32(1).string(topic);           // one topic
  w.i32(1).i32(partition).bytes32(records);  // one partition
  return w.take();
}

bytes fetch_v4_body(std::string_view topic, std::int32_t partition, std::int64_t offset, std::int32_t max_wait_ms,
                    std::int32_t min_bytes, std::int32_t max_bytes) {
  writer w;
  w.i32(-1).i32(max_wait_ms).i32(min_bytes).i32(max_bytes).i8(0);
  w.i32(1).string(topic);
  w.i32(1).i32(partition).i64(offset).i32(max_bytes);
  return w.take();
}

namespace {
template <class F>
void for_each_batch(const bytes& records, F&& f) {
  std::size_t off = 0;
  while (off < records.size()) {
    auto r = batch::frame(byte_span(records).subspan(off), records.size());
    if (r.status != batch::check::ok) break;
    f(r.hdr);
    off += r.size;
  }
}
}  // namespace

std::size_t fetch_partition_response::batch_count() const {
  std::size_t n = 0;
  for_each_batch(records, [&](const batch::header&) { ++n; });
  return n;
}

std::int64_t fetch_partition_response::record_count() const {
  std::int64_t n = 0;
  for_each_batch(records, [&](const batch::header& h) { n += h.records_count; });
  return n;
}

std::optional<fetch_partition_response> parse_fetch_v4(byte_span frame) {
  byte_reader r(frame);
  fetch_partition_response out;
  out.correlation_id = r.read_i32();
  (void)r.read_i32();                          // throttle time
  if (r.read_i32() != 1) return std::nullopt;  // topics
  std::int16_t name_len = r.read_i16();
  if (!r.ok() || name_len < 0) return std::nullopt;
  r.skip(static_cast<std::size_t>(name_len));
  if (r.read_i32() != 1) return std::nullopt;  // partitions
  out.partition = r.read_i32();
  out.error_code = r.read_i16();
  out.high_watermark = r.read_i64();
  out.last_stable_offset = r.read_i64();
  std::int32_t aborted = r.read_i32();
  if (aborted > 0) r.skip(static_cast<std::size_t>(aborted) * 16);
  out.records_length = r.read_i32();
  if (!r.ok()) return std::nullopt;
  if (out.records_length > 0) {
    auto span = r.read_span(static_cast<std::size_t>(out.records_length));
    if (!r.ok()) return std::nullopt;
    out.records.assign(span.begin(), span.end());
  }
  return out;
}

std::optional<api_range> api_versions_response::find(std::int16_t key) const {
  for (const auto& a : apis) {
    if (a.key == key) return a;
  }
  return std::nullopt;
}

std::optional<api_versions_response> parse_api_versions_v0(byte_span frame) {
  byte_reader r(frame);
  api_versions_response out;
  out.correlation_id = r.read_i32();
  out.error_code = r.read_i16();
  std::int32_t n = r.read_i32();
  if (!r.ok() || n < 0 || static_cast<std::size_t>(n) * 6 > r.remaining()) return std::nullopt;
  for (std::int32_t i = 0; i < n; ++i) {
    api_range a;
    a.key = r.read_i16();
    a.min = r.read_i16();
    a.max = r.read_i16();
    out.apis.push_back(a);
  }
  if (!r.ok()) return std::nullopt;
  return out;
}

std::optional<produce_partition_response> parse_produce_v3(byte_span frame) {
  byte_reader r(frame);
  produce_partition_response out;
  out.correlation_id = r.read_i32();
  if (r.read_i32() != 1) return std::nullopt;  // topics
  std::int16_t name_len = r.read_i16();
  if (!r.ok() || name_len < 0) return std::nullopt;
  out.topic = std::string(r.read_string_view(static_cast<std::size_t>(name_len)));
  if (r.read_i32() != 1) return std::nullopt;  // partitions
  out.partition = r.read_i32();
  out.error_code = r.read_i16();
  out.base_offset = r.read_i64();
  (void)r.read_i64();  // log append time
  (void)r.read_i32();  // throttle time
  if (!r.ok()) return std::nullopt;
  return out;
}

}  // namespace sd::itest::wire
