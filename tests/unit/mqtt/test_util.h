#pragma once
// Helpers for the MQTT unit tests: hex literals and draining a decoder.

#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "mqtt/codec.h"

namespace sd::mqtt::test {

/// "10 0e 00" -> bytes; spaces are ignored.
inline bytes hex(std::string_view s) {
  bytes out;
  int hi = -1;
  for (char c : s) {
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else continue;
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(hi << 4 | v));
      hi = -1;
    }
  }
  return out;
}

inline bytes str_bytes(std::string_view s) { return bytes(s.begin(), s.end()); }

inline bytes concat(std::initializer_list<bytes> parts) {
  bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

/// The encodings of packets, one after another (each must encode).
inline bytes concat_encoded(const std::vector<packet>& packets, protocol_version v) {
  bytes out;
  for (const auto& p : packets) {
    auto b = encode(p, v);
    if (!b) return {};
    out.insert(out.end(), b->begin(), b->end());
  }
  return out;
}

/// Decodes every complete packet in data (fed in one chunk); stops at the first error.
inline std::vector<packet> decode_all(byte_span data, protocol_version v, std::error_code* error = nullptr) {
  decoder d(1 << 20, v);
  d.feed(data);
  std::vector<packet> out;
  for (;;) {
    auto r = d.next();
    if (!r) {
      if (error) *error = r.error();
      return out;
    }
    if (!*r) return out;
    out.push_back(std::move(**r));
  }
}

/// The error of decoding data as exactly one packet, or {} if it decoded.
inline std::error_code decode_error(const bytes& data, protocol_version v = protocol_version::v311) {
  decoder d(1 << 20, v);
  d.feed(data);
  auto r = d.next();
  if (!r) return r.error();
  return {};
}

}  // namespace sd::mqtt::test
