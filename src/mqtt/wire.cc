#include "mqtt/wire.h"

namespace sd::mqtt::wire {

bool valid_utf8(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    unsigned c = *p;
    if (c == 0) return false;  // U+0000
    if (c < 0x80) {
      ++p;
      continue;
    }
    int n;
    std::uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {  // 0xC0, 0xC1 would be overlong
      n = 1;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (end - p <= n) return false;
    for (int i = 1; i <= n; ++i) {
      unsigned cc = p[i];
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) return false;  // overlong, surrogate
    if (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) return false;
    p += n + 1;
  }
  return true;
}

std::size_t varint_size(std::uint32_t v) noexcept {
  if (v < 128) return 1;
  if (v < 16'384) return 2;
  if (v < 2'097'152) return 3;
  return 4;
}

std::uint8_t reader::u8() noexcept {
  if (remaining() < 1) {
    fail(errc::truncated);
    return 0;
  }
  return *_p++;
}

std::uint16_t reader::u16() noexcept {
  if (remaining() < 2) {
    fail(errc::truncated);
    return 0;
  }
  auto v = load_be<std::uint16_t>(_p);
  _p += 2;
  return v;
}

std::uint32_t reader::u32() noexcept {
  if (remaining() < 4) {
    fail(errc::truncated);
    return 0;
  }
  auto v = load_be<std::uint32_t>(_p);
  _p += 4;
  return v;
}

std::uint32_t reader::varint() noexcept {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    if (at_end()) {
      fail(errc::truncated);
      return 0;
    }
    std::uint8_t b = *_p++;
    v |= static_cast<std::uint32_t>(b & 0x7F) << (7 * i);
    if (!(b & 0x80)) return v;
  }
  fail(errc::malformed_remaining_length);
  return 0;
}

byte_span reader::span(std::size_t n) noexcept {
  if (remaining() < n) {
    fail(errc::truncated);
    return {};
  }
  byte_span s(_p, n);
  _p += n;
  return s;
}

bytes reader::binary() {
  auto n = u16();
  auto s = span(n);
  return bytes(s.begin(), s.end());
}

std::string reader::utf8() {
  auto n = u16();
  auto s = as_chars(span(n));
  if (!valid_utf8(s)) {
    fail(errc::invalid_utf8);
    return {};
  }
  return std::string(s);
}

void writer::varint(std::uint32_t v) {
  do {
    std::uint8_t b = v & 0x7F;
    v >>= 7;
    if (v) b |= 0x80;
    _out.push_back(b);
  } while (v);
}

}  // namespace sd::mqtt::wire
