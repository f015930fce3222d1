#pragma once
// Kafka request and response headers, and whole-frame encoding.
//
// Request header v0: api_key i16, api_version i16, correlation_id i32.
//            v1: + client_id (nullable int16 string, never compact).
//            v2: v1 + tagged fields (flexible requests).
// Response header v0: correlation_id i32. v1: + tagged fields (flexible responses).
// The version follows the API's first flexible version (generated/api_keys.h), except that ApiVersions
// responses always use header v0 (clients parse them before they know the broker's versions), and
// ControlledShutdown v0 requests use header v0.
//
// Frames on the wire are a 4-byte big-endian size followed by that many bytes; decode_request_header takes
// the bytes after the size prefix, encode_* produce the prefix too.

#include <cstdint>
#include <optional>
#include <string>

#include "base/byte_reader.h"
#include "base/bytes.h"
#include "base/result.h"
#include "protocol/buffer.h"
#include "protocol/errc.h"
#include "protocol/generated/api_keys.h"
#include "protocol/writer.h"

namespace sd::protocol {

struct request_header {
  api_key api{};
  std::int16_t api_version = 0;
  std::int32_t correlation_id = 0;
  std::optional<std::string> client_id;  // absent in header v0 and null when sent as -1

  bool operator==(const request_header&) const = default;
};

/// Header versions for an API at a version. Unknown APIs get the non-flexible versions (1 and 0).
std::int16_t request_header_version(api_key api, std::int16_t api_version) noexcept;
std::int16_t response_header_version(api_key api, std::int16_t api_version) noexcept;

struct decoded_request {
  request_header header;
  std::int16_t header_version = 1;
  /// The request body: a view into the frame (the frame must outlive it; records views inside the decoded
  /// body point into the frame as well).
  sd::byte_span body;
};

/// Parses the header at the start of a frame (without its size prefix). Errors: truncated/malformed input,
/// unknown_api_key for a key no schema defines. Versions are not checked here: the broker answers
/// unsupported versions itself (ApiVersions must get error 35 with its range, not a disconnect).
result<decoded_request> decode_request_header(sd::byte_span frame);

/// Decodes a message body at `version`. Fails with unsupported_version outside the schema's range and
/// malformed when the bytes do not parse (truncation, bad lengths, bad counts). Trailing bytes are ignored.
template <class Msg>
status decode_body(sd::byte_span body, std::int16_t version, Msg& out) {
  if (version < Msg::min_version || version > Msg::max_version) return errc::unsupported_version;
  sd::byte_reader r(body);
  out.decode(r, version);
  if (!r.ok()) return errc::malformed;
  return {};
}

/// Writes a request header (without size prefix) at the given header version.
void encode_request_header(writer& w, const request_header& h, std::int16_t header_version);
/// Writes a response header (without size prefix).
void encode_response_header(writer& w, std::int32_t correlation_id, std::int16_t header_version);

/// A whole response frame: size prefix, header (version chosen from the API table), body.
template <class Msg>
response_buffer encode_response(std::int32_t correlation_id, std::int16_t version, const Msg& body) {
  writer w;
  auto size_mark = w.reserve_i32();
  encode_response_header(w, correlation_id, response_header_version(Msg::api, version));
  body.encode(w, version);
  w.patch_i32(size_mark, static_cast<std::int32_t>(w.size() - 4));
  return std::move(w).finish();
}

/// A whole request frame (clients, tools, tests): size prefix, header, body. api and api_version in `h`
/// are overwritten from Msg and `version`.
template <class Msg>
response_buffer encode_request(request_header h, std::int16_t version, const Msg& body) {
  h.api = Msg::api;
  h.api_version = version;
  writer w;
  auto size_mark = w.reserve_i32();
  encode_request_header(w, h, request_header_version(Msg::api, version));
  body.encode(w, version);
  w.patch_i32(size_mark, static_cast<std::int32_t>(w.size() - 4));
  return std::move(w).finish();
}

}  // namespace sd::protocol
