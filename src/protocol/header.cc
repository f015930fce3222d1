#include "protocol/header.h"

#include "protocol/wire.h"

namespace sd::protocol {

std::int16_t request_header_version(api_key api, std::int16_t api_version) noexcept {
  if (api == api_key::controlled_shutdown && api_version == 0) return 0;
  const api_info* info = find_api(static_cast<std::int16_t>(api));
  if (info && info->first_flexible_version >= 0 && api_version >= info->first_flexible_version) return 2;
  return 1;
}

std::int16_t response_header_version(api_key api, std::int16_t api_version) noexcept {
  if (api == api_key::api_versions) return 0;  // always v0, even for flexible ApiVersions (v3+)
  const api_info* info = find_api(static_cast<std::int16_t>(api));
  if (info && info->first_flexible_version >= 0 && api_version >= info->first_flexible_version) return 1;
  return 0;
}

result<decoded_request> decode_request_header(sd::byte_span frame) {
  sd::byte_reader r(frame);
  decoded_request out;
  const std::int16_t key = r.read_i16();
  out.header.api_version = r.read_i16();
  out.header.correlation_id = r.read_i32();
  if (!r.ok()) return errc::truncated;
  if (find_api(key) == nullptr) return errc::unknown_api_key;
  out.header.api = static_cast<api_key>(key);
  out.header_version = request_header_version(out.header.api, out.header.api_version);
  if (out.header_version >= 1) {
    wire::read_nullable_string(r, /*flex=*/false, /*nullable=*/true, out.header.client_id);
  }
  if (out.header_version >= 2) wire::skip_tagged_fields(r);
  if (!r.ok()) return errc::malformed;
  out.body = sd::byte_span(r.position(), r.remaining());
  return out;
}

void encode_request_header(writer& w, const request_header& h, std::int16_t header_version) {
  w.write_i16(static_cast<std::int16_t>(h.api));
  w.write_i16(h.api_version);
  w.write_i32(h.correlation_id);
  if (header_version >= 1) w.write_nullable_string(h.client_id, /*flex=*/false);
  if (header_version >= 2) w.write_uvarint(0);
}

void encode_response_header(writer& w, std::int32_t correlation_id, std::int16_t header_version) {
  w.write_i32(correlation_id);
  if (header_version >= 1) w.write_uvarint(0);
}

}  // namespace sd::protocol
