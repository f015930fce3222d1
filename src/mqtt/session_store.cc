#include "mqtt/session_store.h"

namespace sd::mqtt {
namespace {
bool expired(const std::optional<steady_clock::time_point>& expires, steady_clock::time_point now) {
  return expires && *expires <= now;
}
}  // namespace

session_store::attach_result memory_session_store::attach(std::string_view client_id, bool clean_start,
                                                         std::uint64_t connection_id, steady_clock::time_point now) {
  attach_result r;
  auto it = _sessions.find(std::string(client_id));
  if (it != _sessions.end()) {
    auto& e = it->second;
    if (e.connection && *e.connection != connection_id) r.taken_over = e.connection;
    // A session held by a live connection is present too (takeover resumes it) unless clean start.
    r.session_present = !clean_start && (e.connection || !expired(e.expires, now));
    e.connection = connection_id;
    e.expires.reset();
    return r;
  }
  if (_sessions.size() >= _max) make_room(now);
  _sessions.emplace(std::string(client_id), entry{connection_id, std::nullopt});
  return r;
}

void memory_session_store::detach(std::string_view client_id, std::uint64_t connection_id, std::uint32_t expiry_s,
                                  steady_clock::time_point now) {
  auto it = _sessions.find(std::string(client_id));
  if (it == _sessions.end() || it->second.connection != connection_id) return;
  if (expiry_s == 0) {
    _sessions.erase(it);
    return;
  }
  it->second.connection.reset();
  if (expiry_s == session_never_expires) {
    it->second.expires.reset();
  } else {
    it->second.expires = now + std::chrono::seconds(expiry_s);
  }
}

bool memory_session_store::has_session(std::string_view client_id, steady_clock::time_point now) const {
  auto it = _sessions.find(std::string(client_id));
  return it != _sessions.end() && (it->second.connection || !expired(it->second.expires, now));
}

void memory_session_store::make_room(steady_clock::time_point now) {
  std::erase_if(_sessions, [&](const auto& kv) { return !kv.second.connection && expired(kv.second.expires, now); });
  if (_sessions.size() < _max) return;
  // Drop the detached session that would expire first (never-expiring ones last).
  auto victim = _sessions.end();
  for (auto it = _sessions.begin(); it != _sessions.end(); ++it) {
    if (it->second.connection) continue;
    if (victim == _sessions.end() || (it->second.expires && (!victim->second.expires ||
                                                              *it->second.expires < *victim->second.expires))) {
      victim = it;
    }
  }
  if (victim != _sessions.end()) _sessions.erase(victim);
}

}  // namespace sd::mqtt
