#pragma once
// protocol::writer: appends Kafka primitives to a response_buffer under construction. Plain fields go into
// the current byte chunk; file slices become their own chunks. Never fails (memory aside).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/varint.h"
#include "protocol/buffer.h"

namespace sd::protocol {

class writer {
 public:
  writer() = default;

  void write_i8(std::int8_t v) { cur().push_back(static_cast<std::uint8_t>(v)); ++_size; }
  void write_bool(bool v) { write_i8(v ? 1 : 0); }
  void write_i16(std::int16_t v) { put_be(v); }
  void write_u16(std::uint16_t v) { put_be(v); }
  void write_i32(std::int32_t v) { put_be(v); }
  void write_u32(std::uint32_t v) { put_be(v); }
  void write_i64(std::int64_t v) { put_be(v); }
  void write_f64(double v);
  void write_uuid(const uuid& u) { write_raw(u); }
  void write_uvarint(std::uint64_t v);
  void write_varint(std::int32_t v) { write_uvarint(varint::zigzag32(v)); }
  void write_varlong(std::int64_t v) { write_uvarint(varint::zigzag64(v)); }
  void write_raw(sd::byte_span b);

  /// Length-prefixed primitives. `flex` selects compact (uvarint N+1) encodings. Non-compact strings
  /// longer than 32767 bytes are truncated to fit their int16 length.
  void write_string(std::string_view s, bool flex);
  void write_nullable_string(const std::optional<std::string>& s, bool flex);
  void write_bytes(sd::byte_span b, bool flex);
  void write_nullable_bytes(const std::optional<sd::bytes>& b, bool flex);
  void write_array_len(std::size_t n, bool flex);
  void write_null_array(bool flex);
  void write_records(const records& r, bool flex);

  /// Appends a chunk as is (file slice, or owned bytes without copying).
  void append_chunk(chunk c);
  /// Appends everything another writer produced.
  void append(writer&& other);

  /// Reserves 4 bytes to patch later (e.g. a size prefix) and returns where they are.
  struct mark {
    std::size_t chunk = 0;
    std::size_t offset = 0;
  };
  mark reserve_i32();
  void patch_i32(mark m, std::int32_t v);

  std::size_t size() const noexcept { return _size; }
  response_buffer finish() && { return response_buffer(std::move(_chunks), _size); }

 private:
  sd::bytes& cur() {
    if (_chunks.empty() || !std::holds_alternative<sd::bytes>(_chunks.back())) {
      _chunks.emplace_back(sd::bytes{});
      std::get<sd::bytes>(_chunks.back()).reserve(256);
    }
    return std::get<sd::bytes>(_chunks.back());
  }
  template <class T>
  void put_be(T v) {
    append_be(cur(), v);
    _size += sizeof(T);
  }

  std::vector<chunk> _chunks;
  std::size_t _size = 0;
};

}  // namespace sd::protocol
