#pragma once
// MQTT 5 property blocks (internal to the codec): a Variable Byte Integer length followed by
// (identifier, value) pairs. Which identifiers a block may hold depends on where it sits.

#include "mqtt/packet.h"
#include "mqtt/wire.h"

namespace sd::mqtt {

/// Where a property block sits; decides which properties it may carry (MQTT 5 table 2-4).
enum class property_context : std::uint8_t {
  connect, connack, publish, puback, subscribe, suback, unsubscribe, unsuback, disconnect, will,
};

/// Reads one property block into out (which the caller passes default-constructed). Fails r with
/// unknown_property, duplicate_property, property_not_allowed, invalid_property_value, invalid_utf8,
/// truncated (the block runs past the packet, or a value past the block), malformed_remaining_length.
void read_properties(wire::reader& r, property_context where, properties& out);

/// Appends the block (length + properties); returns false if a value cannot be encoded (a string or
/// binary field longer than 65535 bytes, a Subscription Identifier of 0 or above max_varint).
bool write_properties(wire::writer& w, const properties& p);

/// True if every property set in p is allowed in `where` (the encoder refuses to write anything else).
bool properties_allowed(const properties& p, property_context where);

}  // namespace sd::mqtt
