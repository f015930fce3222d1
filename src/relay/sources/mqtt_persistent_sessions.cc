#include "relay/sources/mqtt_persistent_sessions.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "base/clock.h"

namespace sd::relay {

using json = nlohmann::json;

persistent_sessions::persistent_sessions(std::string path, net::asio::io_context& ioc, log_limiter& log_limit)
    : _path(std::move(path)), _timer(ioc), _log_limit(log_limit) {}

void persistent_sessions::load() {
  if (_path.empty() || !std::filesystem::exists(_path)) return;
  std::ifstream in(_path);
  auto doc = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("sessions") || !doc["sessions"].is_array()) {
    spdlog::warn("relay mqtt sessions file {} is unreadable; starting without persistent sessions", _path);
    return;
  }
  const auto now = wall_ms_now();
  for (const auto& s : doc["sessions"]) {
    if (!s.is_object() || !s.contains("client_id") || !s["client_id"].is_string()) continue;
    if (!s.contains("expiry_s") || !s["expiry_s"].is_number_unsigned()) continue;
    entry e;
    e.expiry_s = s["expiry_s"].get<std::uint32_t>();
    if (e.expiry_s == 0) continue;
    if (e.expiry_s != mqtt::session_never_expires) {
      if (s.contains("expires_ms") && s["expires_ms"].is_number_integer()) {
        e.expires_ms = s["expires_ms"].get<std::int64_t>();
      } else {  // attached when the relay stopped: it ends expiry_s from now
        e.expires_ms = now + std::int64_t{e.expiry_s} * 1000;
      }
    }
    if (expired(e, now)) continue;
    if (_sessions.size() >= max_sessions) break;
    _sessions.emplace(s["client_id"].get<std::string>(), e);
  }
}

mqtt::session_store::attach_result persistent_sessions::attach(std::string_view client_id, bool clean_start,
                                                               std::uint64_t connection_id,
                                                               steady_clock::time_point) {
  attach_result r;
  const auto now = wall_ms_now();
  auto it = _sessions.find(std::string(client_id));
  if (it == _sessions.end()) {
    if (_sessions.size() >= max_sessions) make_room(now);
    _sessions.emplace(std::string(client_id), entry{connection_id, 0, std::nullopt});
    return r;
  }
  auto& e = it->second;
  if (e.connection && *e.connection != connection_id) r.taken_over = e.connection;
  // A session held by a live connection is present too (takeover resumes it) unless clean start.
  r.session_present = !clean_start && (e.connection || !expired(e, now));
  const bool was_persisted = e.expiry_s != 0;
  e.connection = connection_id;
  e.expires_ms.reset();
  if (!r.session_present) e.expiry_s = 0;  // a new session: persisted once set_expiry says it outlives us
  if (was_persisted) changed(/*membership=*/e.expiry_s == 0);
  return r;
}

void persistent_sessions::set_expiry(std::string_view client_id, std::uint64_t connection_id,
                                     std::uint32_t expiry_s) {
  auto it = _sessions.find(std::string(client_id));
  if (it == _sessions.end() || it->second.connection != connection_id || it->second.expiry_s == expiry_s)
    return;
  const bool membership = (it->second.expiry_s == 0) != (expiry_s == 0);
  it->second.expiry_s = expiry_s;
  changed(membership);
}

void persistent_sessions::detach(std::string_view client_id, std::uint64_t connection_id,
                                 std::uint32_t expiry_s, steady_clock::time_point) {
  auto it = _sessions.find(std::string(client_id));
  if (it == _sessions.end() || it->second.connection != connection_id) return;  // taken over meanwhile
  const bool was_persisted = it->second.expiry_s != 0;
  if (expiry_s == 0) {
    _sessions.erase(it);
    if (was_persisted) changed(true);
    return;
  }
  auto& e = it->second;
  e.connection.reset();
  e.expiry_s = expiry_s;
  if (expiry_s != mqtt::session_never_expires) e.expires_ms = wall_ms_now() + std::int64_t{expiry_s} * 1000;
  changed(!was_persisted);
}

void persistent_sessions::save_now() {
  _timer.cancel();
  _timer_armed = false;
  if (_dirty) save();
}

bool persistent_sessions::expired(const entry& e, std::int64_t now_ms) {
  return !e.connection && (e.expiry_s == 0 || (e.expires_ms && *e.expires_ms <= now_ms));
}

void persistent_sessions::make_room(std::int64_t now_ms) {
  const auto before = _sessions.size();
  std::erase_if(_sessions, [&](const auto& kv) { return expired(kv.second, now_ms); });
  if (_sessions.size() >= max_sessions) {
    auto victim = _sessions.end();  // the detached session that would end first (never-ending ones last)
    for (auto it = _sessions.begin(); it != _sessions.end(); ++it) {
      if (it->second.connection) continue;
      if (victim == _sessions.end() ||
          (it->second.expires_ms &&
           (!victim->second.expires_ms || *it->second.expires_ms < *victim->second.expires_ms)))
        victim = it;
    }
    if (victim != _sessions.end()) _sessions.erase(victim);
  }
  if (_sessions.size() != before) changed(true);
}

void persistent_sessions::changed(bool membership) {
  if (_path.empty()) return;
  _dirty = true;
  if (membership) return save_now();
  if (_timer_armed) return;
  _timer_armed = true;
  _timer.expires_after(lazy_save_delay);
  _timer.async_wait([this](boost::system::error_code ec) {
    if (ec) return;  // cancelled: save_now() ran, or the store is going away
    _timer_armed = false;
    if (_dirty) save();
  });
}

void persistent_sessions::save() {
  _dirty = false;
  _timer_armed = false;
  json sessions = json::array();
  for (const auto& [id, e] : _sessions) {
    if (e.expiry_s == 0) continue;
    json s{{"client_id", id}, {"expiry_s", e.expiry_s}};
    s["expires_ms"] = e.connection || !e.expires_ms ? json(nullptr) : json(*e.expires_ms);
    sessions.push_back(std::move(s));
  }
  // Client ids are valid UTF-8 (the codec checks), so dump() cannot throw.
  const std::string text = json{{"version", 1}, {"sessions", std::move(sessions)}}.dump() + "\n";
  if (!write_atomically(text)) {
    const int err = errno;
    _dirty = true;  // tried again with the next change or at shutdown
    if (auto skipped = _log_limit.admit())
      spdlog::error("relay mqtt sessions file {}: cannot write: {} ({} more not logged)", _path,
                    std::strerror(err), *skipped);
  }
}

bool persistent_sessions::write_atomically(const std::string& text) {
  const std::string tmp = _path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  std::size_t done = 0;
  while (done < text.size()) {
    const auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      errno = err;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fdatasync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    errno = err;
    return false;
  }
  if (::close(fd) != 0 || ::rename(tmp.c_str(), _path.c_str()) != 0) return false;
  const auto dir = std::filesystem::path(_path).parent_path().string();
  const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

}  // namespace sd::relay
