#pragma once
// Kafka RecordBatch v2 header: the unit streamdown stores, indexes and serves. Shared by storage (on-disk
// format and recovery), protocol (building and reading batches) and broker/producer (validation, idempotence).
//
// Layout (big-endian), 61 bytes:
//   0  BaseOffset           i64   assigned by the broker (not covered by the CRC)
//   8  BatchLength          i32   bytes after this field: total size = 12 + BatchLength
//  12  PartitionLeaderEpoch i32   (not covered by the CRC; any value accepted)
//  16  Magic                i8    must be 2
//  17  CRC                  u32   CRC-32C of bytes [21, end)
//  21  Attributes           i16   bits 0-2 codec, 3 timestamp type, 4 transactional, 5 control
//  23  LastOffsetDelta      i32
//  27  BaseTimestamp        i64
//  35  MaxTimestamp         i64
//  43  ProducerId           i64
//  51  ProducerEpoch        i16
//  53  BaseSequence         i32
//  57  RecordsCount         i32
//  61  records...

#include <cstdint>
#include <optional>

#include "base/bytes.h"
#include "base/crc32c.h"

namespace sd::batch {

constexpr std::size_t header_size = 61;
constexpr std::size_t length_field_end = 12;  // BaseOffset + BatchLength
constexpr std::size_t crc_covered_from = 21;
constexpr std::int8_t magic_v2 = 2;

namespace field {
constexpr std::size_t base_offset = 0;
constexpr std::size_t batch_length = 8;
constexpr std::size_t leader_epoch = 12;
constexpr std::size_t magic = 16;
constexpr std::size_t crc = 17;
constexpr std::size_t attributes = 21;
constexpr std::size_t last_offset_delta = 23;
constexpr std::size_t base_timestamp = 27;
constexpr std::size_t max_timestamp = 35;
constexpr std::size_t producer_id = 43;
constexpr std::size_t producer_epoch = 51;
constexpr std::size_t base_sequence = 53;
constexpr std::size_t records_count = 57;
}  // namespace field

enum class compression : std::uint8_t { none = 0, gzip = 1, snappy = 2, lz4 = 3, zstd = 4 };

struct header {
  std::int64_t base_offset = 0;
  std::int32_t batch_length = 0;
  std::int32_t leader_epoch = 0;
  std::int8_t magic = 0;
  std::uint32_t crc = 0;
  std::int16_t attributes = 0;
  std::int32_t last_offset_delta = 0;
  std::int64_t base_timestamp = 0;
  std::int64_t max_timestamp = 0;
  std::int64_t producer_id = -1;
  std::int16_t producer_epoch = -1;
  std::int32_t base_sequence = -1;
  std::int32_t records_count = 0;

  std::size_t total_size() const { return length_field_end + static_cast<std::size_t>(batch_length); }
  std::int64_t last_offset() const { return base_offset + last_offset_delta; }
  compression codec() const { return static_cast<compression>(attributes & 0x7); }
  bool log_append_time() const { return (attributes & 0x8) != 0; }
  bool transactional() const { return (attributes & 0x10) != 0; }
  bool control() const { return (attributes & 0x20) != 0; }
  bool has_producer_id() const { return producer_id >= 0; }
};

/// Reads the header fields from p (at least header_size bytes). Checks nothing.
inline header parse_header(const std::uint8_t* p) noexcept {
  header h;
  h.base_offset = load_be<std::int64_t>(p + field::base_offset);
  h.batch_length = load_be<std::int32_t>(p + field::batch_length);
  h.leader_epoch = load_be<std::int32_t>(p + field::leader_epoch);
  h.magic = static_cast<std::int8_t>(p[field::magic]);
  h.crc = load_be<std::uint32_t>(p + field::crc);
  h.attributes = load_be<std::int16_t>(p + field::attributes);
  h.last_offset_delta = load_be<std::int32_t>(p + field::last_offset_delta);
  h.base_timestamp = load_be<std::int64_t>(p + field::base_timestamp);
  h.max_timestamp = load_be<std::int64_t>(p + field::max_timestamp);
  h.producer_id = load_be<std::int64_t>(p + field::producer_id);
  h.producer_epoch = load_be<std::int16_t>(p + field::producer_epoch);
  h.base_sequence = load_be<std::int32_t>(p + field::base_sequence);
  h.records_count = load_be<std::int32_t>(p + field::records_count);
  return h;
}

/// Writes every header field except the CRC into p; then call seal_crc over the whole batch.
inline void write_header(std::uint8_t* p, const header& h) noexcept {
  store_be(p + field::base_offset, h.base_offset);
  store_be(p + field::batch_length, h.batch_length);
  store_be(p + field::leader_epoch, h.leader_epoch);
  p[field::magic] = static_cast<std::uint8_t>(h.magic);
  store_be(p + field::attributes, h.attributes);
  store_be(p + field::last_offset_delta, h.last_offset_delta);
  store_be(p + field::base_timestamp, h.base_timestamp);
  store_be(p + field::max_timestamp, h.max_timestamp);
  store_be(p + field::producer_id, h.producer_id);
  store_be(p + field::producer_epoch, h.producer_epoch);
  store_be(p + field::base_sequence, h.base_sequence);
  store_be(p + field::records_count, h.records_count);
}

/// CRC-32C of the CRC-covered region of a whole batch.
inline std::uint32_t compute_crc(byte_span whole_batch) noexcept {
  return crc32c::extend(0, whole_batch.data() + crc_covered_from, whole_batch.size() - crc_covered_from);
}
inline void seal_crc(mutable_byte_span whole_batch) noexcept {
  store_be(whole_batch.data() + field::crc, compute_crc(whole_batch));
}

/// Rewrites BaseOffset in place. The CRC does not cover it, so the batch stays valid.
inline void set_base_offset(mutable_byte_span whole_batch, std::int64_t base_offset) noexcept {
  store_be(whole_batch.data() + field::base_offset, base_offset);
}

enum class check { ok, truncated, bad_length, bad_magic, bad_crc, bad_counts };

/// Frames one batch at the start of data: returns its total size or what is wrong. Checks length sanity,
/// magic, records count vs last offset delta, and the CRC. `truncated` means data ends inside the batch.
struct frame_result {
  check status = check::truncated;
  std::size_t size = 0;
  header hdr{};
};
/// frame() without the CRC pass, for bytes the caller already framed with frame(): same result otherwise.
inline frame_result frame_without_crc(byte_span data, std::size_t max_batch_size) noexcept;

inline frame_result frame(byte_span data, std::size_t max_batch_size) noexcept {
  frame_result r = frame_without_crc(data, max_batch_size);
  if (r.status == check::ok && compute_crc(data.first(r.size)) != r.hdr.crc) r.status = check::bad_crc;
  return r;
}

inline frame_result frame_without_crc(byte_span data, std::size_t max_batch_size) noexcept {
  frame_result r;
  if (data.size() < length_field_end) return r;
  std::int32_t len = load_be<std::int32_t>(data.data() + field::batch_length);
  if (len < static_cast<std::int32_t>(header_size - length_field_end) ||
      static_cast<std::size_t>(len) + length_field_end > max_batch_size) {
    r.status = check::bad_length;
    return r;
  }
  r.size = length_field_end + static_cast<std::size_t>(len);
  if (data.size() < header_size) return r;
  r.hdr = parse_header(data.data());
  if (r.hdr.magic != magic_v2) {
    r.status = check::bad_magic;
    return r;
  }
  if (data.size() < r.size) return r;  // truncated
  if (r.hdr.last_offset_delta < 0 || r.hdr.records_count < 0 ||
      (r.hdr.records_count > 0 && r.hdr.records_count - 1 > r.hdr.last_offset_delta)) {
    r.status = check::bad_counts;
    return r;
  }
  r.status = check::ok;
  return r;
}

}  // namespace sd::batch
