#include "producer/control_batch.h"

#include "base/record_batch_header.h"
#include "base/varint.h"

namespace sd::producer {
namespace {
constexpr std::int16_t control_key_version = 0;
constexpr std::int16_t attributes_transactional_control = 0x10 | 0x20;
}  // namespace

sd::bytes encode_marker(std::int64_t producer_id, std::int16_t producer_epoch, marker_kind kind,
                        std::int32_t coordinator_epoch, std::int64_t timestamp_ms) {
  sd::bytes key;
  append_be<std::int16_t>(key, control_key_version);
  append_be<std::int16_t>(key, static_cast<std::int16_t>(kind));
  sd::bytes value;
  append_be<std::int16_t>(value, 0);
  append_be<std::int32_t>(value, coordinator_epoch);
  sd::bytes body;
  body.push_back(0);           // record attributes
  varint::put_s64(body, 0);    // timestamp delta
  varint::put_s32(body, 0);    // offset delta
  varint::put_s32(body, static_cast<std::int32_t>(key.size()));
  body.insert(body.end(), key.begin(), key.end());
  varint::put_s32(body, static_cast<std::int32_t>(value.size()));
  body.insert(body.end(), value.begin(), value.end());
  varint::put_u32(body, 0);    // no headers
  sd::bytes out(batch::header_size, 0);
  varint::put_s32(out, static_cast<std::int32_t>(body.size()));
  out.insert(out.end(), body.begin(), body.end());
  batch::header h;
  h.base_offset = 0;
  h.batch_length = static_cast<std::int32_t>(out.size() - batch::length_field_end);
  h.leader_epoch = 0;
  h.magic = batch::magic_v2;
  h.attributes = attributes_transactional_control;
  h.last_offset_delta = 0;
  h.base_timestamp = timestamp_ms;
  h.max_timestamp = timestamp_ms;
  h.producer_id = producer_id;
  h.producer_epoch = producer_epoch;
  h.base_sequence = -1;
  h.records_count = 1;
  batch::write_header(out.data(), h);
  batch::seal_crc(mutable_byte_span(out.data(), out.size()));
  return out;
}

std::optional<marker_kind> decode_marker(byte_span whole) {
  if (whole.size() < batch::header_size) return std::nullopt;
  const auto h = batch::parse_header(whole.data());
  if (!h.control() || h.records_count < 1 || h.codec() != batch::compression::none) return std::nullopt;
  const std::uint8_t* p = whole.data() + batch::header_size;
  const std::uint8_t* end = whole.data() + whole.size();
  auto len = varint::get_s32(p, end);
  if (!len || *len <= 0 || end - p < *len) return std::nullopt;
  end = p + *len;
  if (p >= end) return std::nullopt;
  ++p;  // record attributes
  if (!varint::get_s64(p, end) || !varint::get_s32(p, end)) return std::nullopt;
  auto key_len = varint::get_s32(p, end);
  if (!key_len || *key_len < 4 || end - p < *key_len) return std::nullopt;
  if (load_be<std::int16_t>(p) != control_key_version) return std::nullopt;
  const auto type = load_be<std::int16_t>(p + 2);
  if (type != 0 && type != 1) return std::nullopt;
  return static_cast<marker_kind>(type);
}

}  // namespace sd::producer
