#pragma once
// byte_reader: a bounds-checked cursor over a byte span. Any read past the end, or a malformed varint, puts
// the reader into a sticky failed state: later reads return zero values and ok() stays false. Decoders read
// every field and check ok() once, so no path can over-read and no length is trusted.

#include <cstdint>
#include <string_view>

#include "base/bytes.h"
#include "base/varint.h"

namespace sd {

class byte_reader {
 public:
  byte_reader() = default;
  explicit byte_reader(byte_span data) : _p(data.data()), _end(data.data() + data.size()) {}

  bool ok() const noexcept { return !_failed; }
  void fail() noexcept {
    _failed = true;
    _p = _end;
  }
  std::size_t remaining() const noexcept { return static_cast<std::size_t>(_end - _p); }
  bool at_end() const noexcept { return _p == _end; }
  const std::uint8_t* position() const noexcept { return _p; }

  template <class T>
  T read_be() noexcept {
    if (remaining() < sizeof(T)) {
      fail();
      return T{};
    }
    T v = load_be<T>(_p);
    _p += sizeof(T);
    return v;
  }
  std::int8_t read_i8() noexcept { return read_be<std::int8_t>(); }
  std::int16_t read_i16() noexcept { return read_be<std::int16_t>(); }
  std::int32_t read_i32() noexcept { return read_be<std::int32_t>(); }
  std::int64_t read_i64() noexcept { return read_be<std::int64_t>(); }
  std::uint16_t read_u16() noexcept { return read_be<std::uint16_t>(); }
  std::uint32_t read_u32() noexcept { return read_be<std::uint32_t>(); }

  std::uint32_t read_uvarint() noexcept {
    auto v = varint::get_u32(_p, _end);
    if (!v) {
      fail();
      return 0;
    }
    return *v;
  }
  std::uint64_t read_uvarint64() noexcept {
    auto v = varint::get_u(_p, _end, varint::max_len64);
    if (!v) {
      fail();
      return 0;
    }
    return *v;
  }
  std::int32_t read_varint() noexcept { return varint::unzigzag32(read_uvarint()); }
  std::int64_t read_varlong() noexcept { return varint::unzigzag64(read_uvarint64()); }

  /// Returns the next n bytes as a view into the underlying buffer, or an empty span and failure.
  byte_span read_span(std::size_t n) noexcept {
    if (remaining() < n) {
      fail();
      return {};
    }
    byte_span s(_p, n);
    _p += n;
    return s;
  }
  std::string_view read_string_view(std::size_t n) noexcept { return as_chars(read_span(n)); }
  void skip(std::size_t n) noexcept { (void)read_span(n); }

 private:
  const std::uint8_t* _p = nullptr;
  const std::uint8_t* _end = nullptr;
  bool _failed = false;
};

}  // namespace sd
