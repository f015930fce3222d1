#pragma once
// Clocks. Durations and deadlines use the monotonic clock; record timestamps and file ages use wall-clock
// milliseconds since the Unix epoch, as Kafka does.

#include <chrono>
#include <cstdint>

namespace sd {

using steady_clock = std::chrono::steady_clock;

inline std::int64_t wall_ms_now() noexcept {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Milliseconds on the monotonic clock (an arbitrary origin): for deadlines and intervals, never for timestamps.
inline std::int64_t steady_ms_now() noexcept {
  return std::chrono::duration_cast<std::chrono::milliseconds>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace sd
