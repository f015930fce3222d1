#include "mqtt/packet.h"

namespace sd::mqtt {

std::string_view to_string(packet_type t) noexcept {
  switch (t) {
    case packet_type::connect: return "CONNECT";
    case packet_type::connack: return "CONNACK";
    case packet_type::publish: return "PUBLISH";
    case packet_type::puback: return "PUBACK";
    case packet_type::pubrec: return "PUBREC";
    case packet_type::pubrel: return "PUBREL";
    case packet_type::pubcomp: return "PUBCOMP";
    case packet_type::subscribe: return "SUBSCRIBE";
    case packet_type::suback: return "SUBACK";
    case packet_type::unsubscribe: return "UNSUBSCRIBE";
    case packet_type::unsuback: return "UNSUBACK";
    case packet_type::pingreq: return "PINGREQ";
    case packet_type::pingresp: return "PINGRESP";
    case packet_type::disconnect: return "DISCONNECT";
    case packet_type::auth: return "AUTH";
  }
  return "RESERVED";
}

packet_type type_of(const packet& p) noexcept {
  // The variant's alternatives are listed in packet_type order, skipping the QoS 2 packets.
  static constexpr packet_type types[] = {packet_type::connect,     packet_type::connack,  packet_type::publish,
                                          packet_type::puback,      packet_type::subscribe, packet_type::suback,
                                          packet_type::unsubscribe, packet_type::unsuback, packet_type::pingreq,
                                          packet_type::pingresp,    packet_type::disconnect};
  return types[p.index()];
}

}  // namespace sd::mqtt
