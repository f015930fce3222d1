#pragma once
// Inbound QoS 1 messages between delivery to the application and their PUBACK, for one connection.
//
// Contract: each admitted message gets a token; tokens are consecutive in receive order. The application
// acknowledges tokens in any order once the message is durable; PUBACKs leave strictly in receive order,
// so a PUBACK for message n implies messages before it were stored too (the broker side of mosquitto
// relies on nothing else, and a relay restart cannot lose an acknowledged message).
// While a packet id is in flight, a PUBLISH with the same id is a redelivery of the same message (the
// sender may not reuse an id before its PUBACK [MQTT-2.2.1-3]), so it is not admitted again; it is
// answered by the one PUBACK that the first copy gets.

#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_set>
#include <vector>

#include "base/result.h"

namespace sd::mqtt {

using ack_token = std::uint64_t;

class inbound_window {
 public:
  /// Admits a QoS 1 PUBLISH with packet_id; nullopt if that id is already in flight (a duplicate).
  std::optional<ack_token> admit(std::uint16_t packet_id);

  /// Marks token acknowledged and appends to ready the packet ids whose PUBACK may now be sent, in receive
  /// order. errc::unknown_token if the token was never issued here or was already acknowledged.
  status ack(ack_token token, std::vector<std::uint16_t>& ready);

  bool contains(std::uint16_t packet_id) const { return _ids.contains(packet_id); }
  /// Messages delivered and not yet PUBACKed (acknowledged ones waiting on an earlier one count too).
  std::size_t size() const noexcept { return _q.size(); }

 private:
  struct entry {
    std::uint16_t packet_id;
    bool acked;
  };
  std::deque<entry> _q;         // _q[i] holds token _front + i
  ack_token _front = 1;
  std::unordered_set<std::uint16_t> _ids;  // packet ids in _q
};

}  // namespace sd::mqtt
