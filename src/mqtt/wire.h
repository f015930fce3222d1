#pragma once
// MQTT wire primitives (internal to the codec): a bounds-checked reader over one packet's bytes whose first
// failure sticks (later reads return zero values, error() keeps the first errc), and appending writers.
// Data types per MQTT 5 section 1.5: Two/Four Byte Integer (big-endian), Variable Byte Integer (1-4 bytes),
// UTF-8 Encoded String and Binary Data (two-byte length prefix).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "mqtt/errc.h"

namespace sd::mqtt::wire {

inline constexpr std::uint32_t max_varint = 268'435'455;  // 0xFF,0xFF,0xFF,0x7F

/// Whether a string or binary field fits its two-byte length prefix.
inline bool fits(std::string_view s) noexcept { return s.size() <= 0xFFFF; }
inline bool fits(const bytes& b) noexcept { return b.size() <= 0xFFFF; }

/// True if s is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF) without U+0000, as MQTT
/// requires of every UTF-8 Encoded String [MQTT-1.5.4-1], [MQTT-1.5.4-2].
bool valid_utf8(std::string_view s) noexcept;

std::size_t varint_size(std::uint32_t v) noexcept;

class reader {
 public:
  explicit reader(byte_span data) : _p(data.data()), _end(data.data() + data.size()) {}

  bool ok() const noexcept { return !_error; }
  std::optional<errc> error() const noexcept { return _error; }
  void fail(errc e) noexcept {
    if (!_error) _error = e;
    _p = _end;
  }
  std::size_t remaining() const noexcept { return static_cast<std::size_t>(_end - _p); }
  bool at_end() const noexcept { return _p == _end; }

  std::uint8_t u8() noexcept;
  std::uint16_t u16() noexcept;
  std::uint32_t u32() noexcept;
  std::uint32_t varint() noexcept;  // errc::malformed_remaining_length past 4 bytes
  byte_span span(std::size_t n) noexcept;
  bytes binary();                    // two-byte length + bytes
  std::string utf8();                // two-byte length + valid UTF-8 (errc::invalid_utf8)

 private:
  const std::uint8_t* _p;
  const std::uint8_t* _end;
  std::optional<errc> _error;
};

/// Appends to out. Precondition (checked by the encoder before calling): strings and binary fields are at
/// most 65535 bytes, varints at most max_varint.
class writer {
 public:
  explicit writer(bytes& out) : _out(out) {}
  void u8(std::uint8_t v) { _out.push_back(v); }
  void u16(std::uint16_t v) { append_be(_out, v); }
  void u32(std::uint32_t v) { append_be(_out, v); }
  void varint(std::uint32_t v);
  void raw(byte_span b) { _out.insert(_out.end(), b.begin(), b.end()); }
  void binary(byte_span b) {
    u16(static_cast<std::uint16_t>(b.size()));
    raw(b);
  }
  void utf8(std::string_view s) { binary(as_bytes(s)); }

 private:
  bytes& _out;
};

}  // namespace sd::mqtt::wire
