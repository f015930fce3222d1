#pragma once
// Decoding primitives used by the generated message code. All of them read through sd::byte_reader, so
// any over-read or bad value puts the reader into its sticky failed state; callers check r.ok() once.
// No length or count is trusted: a length must fit in the remaining bytes before anything is allocated,
// and an array count larger than the remaining bytes (every element takes at least one byte) fails.

#include <algorithm>
#include <bit>
#include <cstdint>
#include <optional>
#include <string>

#include "base/byte_reader.h"
#include "protocol/buffer.h"

namespace sd::protocol::wire {

inline bool read_bool(byte_reader& r) { return r.read_i8() != 0; }
inline double read_f64(byte_reader& r) { return std::bit_cast<double>(r.read_be<std::uint64_t>()); }

inline void read_uuid(byte_reader& r, uuid& out) {
  auto s = r.read_span(out.size());
  if (r.ok()) std::copy(s.begin(), s.end(), out.begin());
}

/// Reads a string/bytes length prefix. Returns -1 for null (only if `nullable`), or the length, which is
/// guaranteed to be <= r.remaining(). On any violation fails the reader and returns 0.
inline std::int64_t read_length(byte_reader& r, bool flex, bool nullable, bool int32_len) {
  std::int64_t n;
  if (flex) {
    n = static_cast<std::int64_t>(r.read_uvarint()) - 1;
  } else {
    n = int32_len ? r.read_i32() : r.read_i16();
  }
  if (!r.ok()) return 0;
  if (n < 0) {
    if (n == -1 && nullable) return -1;
    r.fail();
    return 0;
  }
  if (static_cast<std::uint64_t>(n) > r.remaining()) {
    r.fail();
    return 0;
  }
  return n;
}

inline void read_string(byte_reader& r, bool flex, std::string& out) {
  auto n = read_length(r, flex, false, false);
  auto v = r.read_string_view(static_cast<std::size_t>(n));
  out.assign(v.data(), v.size());
}

inline void read_nullable_string(byte_reader& r, bool flex, bool nullable, std::optional<std::string>& out) {
  auto n = read_length(r, flex, nullable, false);
  if (n < 0) {
    out.reset();
    return;
  }
  auto v = r.read_string_view(static_cast<std::size_t>(n));
  out.emplace(v.data(), v.size());
}

inline void read_bytes(byte_reader& r, bool flex, sd::bytes& out) {
  auto n = read_length(r, flex, false, true);
  auto v = r.read_span(static_cast<std::size_t>(n));
  out.assign(v.begin(), v.end());
}

inline void read_nullable_bytes(byte_reader& r, bool flex, bool nullable, std::optional<sd::bytes>& out) {
  auto n = read_length(r, flex, nullable, true);
  if (n < 0) {
    out.reset();
    return;
  }
  auto v = r.read_span(static_cast<std::size_t>(n));
  out.emplace(v.begin(), v.end());
}

/// The records view points into the buffer the reader reads (see records in buffer.h for the contract).
inline void read_records(byte_reader& r, bool flex, bool nullable, records& out) {
  auto n = read_length(r, flex, nullable, true);
  out.chunks.clear();
  if (n < 0) {
    out.is_null = true;
    out.data = {};
    return;
  }
  auto v = r.read_span(static_cast<std::size_t>(n));
  out.is_null = false;
  out.data = sd::mutable_byte_span(const_cast<std::uint8_t*>(v.data()), v.size());
}

/// Array count: -1 for null (only if nullable); otherwise 0 <= count * min_elem_size <= r.remaining(), where
/// min_elem_size (>= 1, computed by the generator) is the smallest encoding an element can have.
inline std::int32_t read_array_len(byte_reader& r, bool flex, bool nullable, std::size_t min_elem_size = 1) {
  std::int64_t n;
  if (flex) {
    n = static_cast<std::int64_t>(r.read_uvarint()) - 1;
  } else {
    n = r.read_i32();
  }
  if (!r.ok()) return 0;
  if (n < 0) {
    if (n == -1 && nullable) return -1;
    r.fail();
    return 0;
  }
  if (static_cast<std::uint64_t>(n) * min_elem_size > r.remaining()) {
    r.fail();
    return 0;
  }
  return static_cast<std::int32_t>(n);
}

/// Skips a whole tagged-field buffer (used where no tagged field is known, e.g. headers).
inline void skip_tagged_fields(byte_reader& r) {
  std::uint32_t n = r.read_uvarint();
  for (std::uint32_t i = 0; i < n && r.ok(); ++i) {
    (void)r.read_uvarint();
    r.skip(r.read_uvarint());
  }
}

}  // namespace sd::protocol::wire
