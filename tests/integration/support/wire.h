#pragma once
// Hand-made Kafka wire frames for the raw-socket tests, written from the schemas in
// kafka-protocol/message/*.json, independent of the broker's own protocol codec (so a codec bug cannot hide
// itself). Only what the tests need: request framing, ApiVersions v0/v3+, Produce v3 with an uncompressed
// RecordBatch v2, and parsing of their responses.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"

namespace sd::itest::wire {

namespace api {
constexpr std::int16_t produce = 0;
constexpr std::int16_t fetch = 1;
constexpr std::int16_t metadata = 3;
constexpr std::int16_t api_versions = 18;
}  // namespace api

namespace error {
constexpr std::int16_t none = 0;
constexpr std::int16_t corrupt_message = 2;
constexpr std::int16_t unsupported_version = 35;
}  // namespace error

/// Appends big-endian primitives to a buffer.
class writer {
 public:
  writer& i8(std::int8_t v) { return put(v); }
  writer& i16(std::int16_t v) { return put(v); }
  writer& i32(std::int32_t v) { return put(v); }
  writer& i64(std::int64_t v) { return put(v); }
  writer& u32(std::uint32_t v) { return put(v); }
  writer& uvarint(std::uint64_t v);
  writer& varint(std::int64_t v);  // zigzag
  writer& string(std::string_view s);                         // i16 length
  writer& nullable_string(std::optional<std::string_view> s);  // i16 length, -1 = null
  writer& compact_string(std::string_view s);                 // uvarint length+1
  writer& bytes32(byte_span b);                               // i32 length
  writer& raw(byte_span b);
  bytes& data() { return _out; }
  bytes take() { return std::move(_out); }

 private:
  template <class T>
  writer& put(T v) {
    append_be(_out, v);
    return *this;
  }
  bytes _out;
};

/// Request header v1 (api_key, api_version, correlation_id, client_id) + body, with the i32 size prefix.
bytes request_frame(std::int16_t api_key, std::int16_t api_version, std::int32_t correlation_id,
                    std::string_view client_id, byte_span body);
/// Same with request header v2 (v1 + an empty tagged-field buffer), as flexible versions use.
bytes request_frame_v2(std::int16_t api_key, std::int16_t api_version, std::int32_t correlation_id,
                       std::string_view client_id, byte_span body);

struct test_record {
  std::optional<std::string> key;
  std::optional<std::string> value;
};

/// An uncompressed RecordBatch v2 (BaseOffset 0, producer id -1, CreateTime), CRC sealed.
bytes record_batch(const std::vector<test_record>& records, std::int64_t timestamp_ms);

/// Produce v3 request body for one topic and partition; records is the raw Records field (any bytes).
bytes produce_v3_body(std::string_view topic, std::int32_t partition, std::int16_t acks, std::int32_t timeout_ms,
                      byte_span records);

/// Fetch v4 request body for one topic and partition (replica -1, READ_UNCOMMITTED).
bytes fetch_v4_body(std::string_view topic, std::int32_t partition, std::int64_t offset, std::int32_t max_wait_ms,
                    std::int32_t min_bytes, std::int32_t max_bytes);

struct fetch_partition_response {
  std::int32_t correlation_id = 0;
  std::int32_t partition = 0;
  std::int16_t error_code = 0;
  std::int64_t high_watermark = -1;
  std::int64_t last_stable_offset = -1;
  std::int32_t records_length = -1;  // -1: null records
  bytes records;
  /// Whole batches in records (a partial batch at the end is allowed by the protocol and not counted).
  std::size_t batch_count() const;
  std::int64_t record_count() const;
};
/// Parses a Fetch v4 response with exactly one topic and one partition.
std::optional<fetch_partition_response> parse_fetch_v4(byte_span frame);

struct api_range {
  std::int16_t key = 0, min = 0, max = 0;
};
struct api_versions_response {
  std::int32_t correlation_id = 0;
  std::int16_t error_code = 0;
  std::vector<api_range> apis;
  std::optional<api_range> find(std::int16_t key) const;
};
/// Parses a v0 ApiVersions response (header v0 + v0 body); trailing bytes (v1+ throttle) are allowed.
std::optional<api_versions_response> parse_api_versions_v0(byte_span frame);

struct produce_partition_response {
  std::int32_t correlation_id = 0;
  std::string topic;
  std::int32_t partition = 0;
  std::int16_t error_code = 0;
  std::int64_t base_offset = -1;
};
/// Parses a Produce v3 response with exactly one topic and one partition.
std::optional<produce_partition_response> parse_produce_v3(byte_span frame);

}  // namespace sd::itest::wire
