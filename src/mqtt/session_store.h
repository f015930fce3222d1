#pragma once
// session_store: which client ids have a persistent session on this server, and which connection holds each.
// The relay keeps no per-session state beyond "a session exists" (it never delivers to devices, and inbound
// QoS 1 state ends with the connection: redelivered messages are delivered again, at least once), so the
// store answers CONNACK's Session Present and detects takeovers. The relay supplies the store; it may be
// shared by all connections of one listener (not thread-safe: use it from one thread/strand).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/clock.h"

namespace sd::mqtt {

inline constexpr std::uint32_t session_never_expires = 0xFFFFFFFF;

class session_store {
 public:
  virtual ~session_store() = default;

  struct attach_result {
    bool session_present = false;                 // a stored session was resumed
    std::optional<std::uint64_t> taken_over;      // the connection that held client_id: the relay closes it
  };

  /// Connection `connection_id` has been accepted as client_id. clean_start discards any stored session
  /// first (then session_present is false).
  virtual attach_result attach(std::string_view client_id, bool clean_start, std::uint64_t connection_id,
                               steady_clock::time_point now) = 0;

  /// Connection `connection_id` of client_id ended. The session is kept for expiry_s seconds
  /// (0 = discard now, session_never_expires = keep). No effect if another connection took client_id over.
  virtual void detach(std::string_view client_id, std::uint64_t connection_id, std::uint32_t expiry_s,
                      steady_clock::time_point now) = 0;
};

/// In-memory store, bounded: at most max_sessions entries; attaching past the bound first drops expired
/// sessions, then the detached session that expires first. Sessions held by a live connection are never dropped.
class memory_session_store final : public session_store {
 public:
  explicit memory_session_store(std::size_t max_sessions = 100'000) : _max(max_sessions) {}

  attach_result attach(std::string_view client_id, bool clean_start, std::uint64_t connection_id,
                       steady_clock::time_point now) override;
  void detach(std::string_view client_id, std::uint64_t connection_id, std::uint32_t expiry_s,
              steady_clock::time_point now) override;

  std::size_t size() const noexcept { return _sessions.size(); }
  bool has_session(std::string_view client_id, steady_clock::time_point now) const;

 private:
  struct entry {
    std::optional<std::uint64_t> connection;           // set while a connection holds the session
    std::optional<steady_clock::time_point> expires;   // detached: when it ends (nullopt = never)
  };
  void make_room(steady_clock::time_point now);

  std::size_t _max;
  std::unordered_map<std::string, entry> _sessions;
};

}  // namespace sd::mqtt
