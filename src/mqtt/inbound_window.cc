#include "mqtt/inbound_window.h"

#include "mqtt/errc.h"

namespace sd::mqtt {

std::optional<ack_token> inbound_window::admit(std::uint16_t packet_id) {
  if (!_ids.insert(packet_id).second) return std::nullopt;
  _q.push_back({packet_id, false});
  return _front + _q.size() - 1;
}

status inbound_window::ack(ack_token token, std::vector<std::uint16_t>& ready) {
  if (token < _front || token - _front >= _q.size()) return errc::unknown_token;
  auto& e = _q[token - _front];
  if (e.acked) return errc::unknown_token;
  e.acked = true;
  while (!_q.empty() && _q.front().acked) {
    ready.push_back(_q.front().packet_id);
    _ids.erase(_q.front().packet_id);
    _q.pop_front();
    ++_front;
  }
  return ok();
}

}  // namespace sd::mqtt
