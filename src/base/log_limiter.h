#pragma once
// log_limiter: at most one log line per interval for a kind of event that a client can trigger at will
// (authentication failures, authorisation denials), so a hostile or misconfigured client cannot flood the log.
// Thread-safe, lock-free. Usage:
//   static sd::log_limiter limiter;
//   if (auto skipped = limiter.admit()) spdlog::warn("... ({} more not logged)", *skipped);

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>

namespace sd {

class log_limiter {
 public:
  explicit log_limiter(std::chrono::milliseconds interval = std::chrono::seconds(1)) : _interval_ms(interval.count()) {}

  /// nullopt: do not log (the event is counted as suppressed). Otherwise log, and the value is the number of
  /// events suppressed since the last admitted one.
  std::optional<std::uint64_t> admit() noexcept {
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now().time_since_epoch()).count();
    auto prev = _last_ms.load(std::memory_order_relaxed);
    if ((prev != 0 && now - prev < _interval_ms) || !_last_ms.compare_exchange_strong(prev, now)) {
      _suppressed.fetch_add(1, std::memory_order_relaxed);
      return std::nullopt;
    }
    return _suppressed.exchange(0, std::memory_order_relaxed);
  }

 private:
  const std::int64_t _interval_ms;
  std::atomic<std::int64_t> _last_ms{0};
  std::atomic<std::uint64_t> _suppressed{0};
};

}  // namespace sd
