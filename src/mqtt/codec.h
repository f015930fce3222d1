#pragma once
// The MQTT codec: packets to bytes and bytes to packets, for protocol levels 3, 4 and 5. No I/O.
//
// Decoding is incremental: feed the decoder whatever chunks arrived (one byte at a time works) and pull
// complete packets. The first error is sticky: the connection is unusable after a malformed packet, and
// the session maps the errc to the CONNACK/DISCONNECT reason code (errc.h) before closing.

#include <cstddef>
#include <cstdint>
#include <optional>

#include "base/bytes.h"
#include "base/result.h"
#include "mqtt/errc.h"
#include "mqtt/packet.h"

namespace sd::mqtt {

/// Encodes p as protocol level v. Fields v lacks (MQTT 5 properties and reason codes before 5) are not
/// written. Errors (invalid_argument): a string or binary field over 65535 bytes, a topic name or filter that
/// fails validation, packet id 0 where one is needed, QoS > 2, a property not allowed on the packet, or a
/// packet over 268435455 bytes. Whatever encode accepts, decode_packet decodes to the same value.
result<bytes> encode(const packet& p, protocol_version v);

/// Decodes one whole packet: the fixed header's first byte, and the body after the Remaining Length.
/// `v` decides the body layout for every packet except CONNECT, which carries its own level.
result<packet> decode_packet(std::uint8_t first_byte, byte_span body, protocol_version v);

/// Incremental decoder for one connection.
///
/// Contract: the buffer holds at most one partial packet plus the bytes of the last feed(); a packet whose
/// declared size exceeds max_packet_size is refused as soon as its fixed header is complete, before its body
/// is buffered. Errors are sticky: after next() returns an error it returns the same error forever.
class decoder {
 public:
  /// max_packet_size counts the whole packet (fixed header included), as MQTT 5 Maximum Packet Size does.
  explicit decoder(std::size_t max_packet_size = 1 << 20,
                   protocol_version v = protocol_version::v311)
      : _max(max_packet_size), _version(v) {}

  /// The layout for packets after this point (a server learns it from CONNECT, a client knows it).
  void set_version(protocol_version v) noexcept { _version = v; }
  protocol_version version() const noexcept { return _version; }
  void set_max_packet_size(std::size_t n) noexcept { _max = n; }

  void feed(byte_span chunk);

  /// The next complete packet; nullopt when more bytes are needed; or the (sticky) error.
  result<std::optional<packet>> next();

  /// The protocol level found in the last CONNECT decoded or refused (to pick the CONNACK format when a
  /// CONNECT is malformed after its level byte); nullopt if no CONNECT got that far.
  std::optional<std::uint8_t> connect_level() const noexcept { return _connect_level; }

  /// Bytes buffered and not yet returned as packets.
  std::size_t buffered() const noexcept { return _buf.size() - _pos; }

 private:
  std::size_t _max;
  protocol_version _version;
  bytes _buf;
  std::size_t _pos = 0;
  std::optional<errc> _error;
  std::optional<std::uint8_t> _connect_level;
};

/// The CONNECT protocol level of a CONNECT body, if the body is long enough to hold it (see connect_level()).
std::optional<std::uint8_t> peek_connect_level(byte_span body) noexcept;

}  // namespace sd::mqtt
