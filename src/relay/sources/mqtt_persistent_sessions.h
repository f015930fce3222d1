#pragma once
// persistent_sessions: the mqtt-server source's mqtt::session_store. It remembers which client ids hold a
// session that outlives its connection, with the session's expiry, in one JSON file
// (<state_dir>/<source>.sessions.json:
// {"version":1,"sessions":[{"client_id":..., "expiry_s":N, "expires_ms":T|null}]}), so a device reconnecting
// after a relay restart with clean session 0 / clean start 0 gets Session Present = 1 and resends its
// unacknowledged QoS 1 messages (libmosquitto resends only when the session is present).
//
// Contract:
//   - Only sessions with a non-zero expiry are written. expires_ms is wall-clock milliseconds (so expiry
//   survives
//     restarts); null means "never" (expiry_s = 0xFFFFFFFF) or "attached when saved": a session whose
//     connection was open when the relay died counts as detached at the next start and lasts expiry_s from
//     then.
//   - The file is replaced atomically (temporary file, fdatasync, rename, directory fsync). Adding or
//   removing a
//     persisted session is saved at once; refreshing the expiry time of a known one within lazy_save_delay (a
//     crash in that window keeps the older, still valid, time). save_now() writes what is pending.
//   - Bounded: at most max_sessions entries; past it, expired sessions go first, then the detached session
//   that
//     would expire first. A session held by a live connection is never dropped.
//   - An unreadable file is logged and ignored (start-up never fails on it); a failed write is logged.
//   - Not thread-safe: used on the source's io thread only.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "base/log_limiter.h"
#include "mqtt/session_store.h"
#include "net/asio.h"

namespace sd::relay {

class persistent_sessions final : public mqtt::session_store {
 public:
  static constexpr std::size_t max_sessions = 100'000;
  static constexpr std::chrono::seconds lazy_save_delay{1};

  /// path empty: memory only.
  persistent_sessions(std::string path, net::asio::io_context& ioc, log_limiter& log_limit);

  void load();

  attach_result attach(std::string_view client_id, bool clean_start, std::uint64_t connection_id,
                       steady_clock::time_point now) override;
  void detach(std::string_view client_id, std::uint64_t connection_id, std::uint32_t expiry_s,
              steady_clock::time_point now) override;
  /// The session held by connection_id lasts expiry_s after that connection ends (known once CONNECT is
  /// accepted).
  void set_expiry(std::string_view client_id, std::uint64_t connection_id, std::uint32_t expiry_s);

  /// Sessions known: attached ones and persisted detached ones.
  std::size_t size() const { return _sessions.size(); }
  /// Writes pending changes now (shutdown).
  void save_now();

 private:
  struct entry {
    std::optional<std::uint64_t> connection;  // set while a connection holds the session
    std::uint32_t expiry_s = 0;               // 0: ends with its connection (not persisted)
    std::optional<std::int64_t> expires_ms;   // detached with a finite expiry: when it ends (wall clock)
  };

  static bool expired(const entry& e, std::int64_t now_ms);
  void make_room(std::int64_t now_ms);
  void changed(bool membership);
  void save();
  bool write_atomically(const std::string& text);

  std::string _path;
  net::asio::steady_timer _timer;
  log_limiter& _log_limit;
  bool _dirty = false;
  bool _timer_armed = false;
  std::unordered_map<std::string, entry> _sessions;
};

}  // namespace sd::relay
