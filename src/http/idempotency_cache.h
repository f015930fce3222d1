#pragma once
// idempotency_cache: what makes a retried HTTP write happen once. A request carrying an `Idempotency-Key` claims
// the key; a retry with the same key gets the first request's answer (or 409 while it is still running). Kept in
// memory only (a restart forgets the keys), at most `capacity` keys, oldest finished ones dropped first (never
// one in progress). Callers scope keys (principal, topic) so different clients cannot collide. Thread-safe.

#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "http/http_server.h"

namespace sd::http {

class idempotency_cache {
 public:
  enum class state { absent, in_progress, done };

  explicit idempotency_cache(std::size_t capacity = 10000) : _capacity(capacity) {}

  /// Claims key; returns the previous state and, when done, the stored answer. `absent` means the caller now
  /// owns the key and must call finish().
  state claim(const std::string& key, response& answer) {
    std::lock_guard lk(_mu);
    auto it = _entries.find(key);
    if (it == _entries.end()) {
      _entries.emplace(key, std::nullopt);
      _order.push_back(key);
      // Drop the oldest finished keys; one still in progress goes to the back instead (bounded passes).
      for (std::size_t passes = _order.size(); _entries.size() > _capacity && passes > 0; --passes) {
        auto front = std::move(_order.front());
        _order.pop_front();
        auto old = _entries.find(front);
        if (old == _entries.end()) continue;
        if (old->second) _entries.erase(old);
        else _order.push_back(std::move(front));
      }
      return state::absent;
    }
    if (!it->second) return state::in_progress;
    answer = *it->second;
    return state::done;
  }

  /// Stores the final answer; a retriable failure (429, 5xx) releases the key instead, so a retry runs again.
  void finish(const std::string& key, const response& answer) {
    std::lock_guard lk(_mu);
    if (answer.status == 429 || answer.status >= 500) _entries.erase(key);
    else _entries[key] = answer;
  }

  std::size_t size() const {
    std::lock_guard lk(_mu);
    return _entries.size();
  }

 private:
  const std::size_t _capacity;
  mutable std::mutex _mu;
  std::unordered_map<std::string, std::optional<response>> _entries;
  std::deque<std::string> _order;
};

}  // namespace sd::http
