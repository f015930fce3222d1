#pragma once
// Embedded group-protocol payloads (ConsumerProtocolSubscription in JoinGroup metadata,
// ConsumerProtocolAssignment in SyncGroup assignments) carry their own int16 version before the struct.
// As Kafka's ConsumerProtocol does, a version newer than we know is parsed as our newest version (fields
// are only ever appended) and trailing bytes are ignored; a negative version is malformed.

#include <algorithm>
#include <cstdint>

#include "base/byte_reader.h"
#include "base/bytes.h"
#include "base/result.h"
#include "protocol/errc.h"
#include "protocol/writer.h"

namespace sd::protocol {

/// Decodes `data` (int16 version + struct) into out; returns the version found on the wire.
template <class Msg>
result<std::int16_t> decode_versioned(sd::byte_span data, Msg& out) {
  sd::byte_reader r(data);
  const std::int16_t version = r.read_i16();
  if (!r.ok() || version < 0) return errc::malformed;
  out.decode(r, std::min<std::int16_t>(version, Msg::max_version));
  if (!r.ok()) return errc::malformed;
  return version;
}

/// Encodes int16 version + struct.
template <class Msg>
sd::bytes encode_versioned(const Msg& msg, std::int16_t version) {
  writer w;
  w.write_i16(version);
  msg.encode(w, version);
  auto flat = std::move(w).finish().flatten();  // no file slices here: cannot fail
  return flat ? std::move(flat).value() : sd::bytes{};
}

}  // namespace sd::protocol
