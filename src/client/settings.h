#pragma once
// Pure parsing of command-line values shared by the tools: `-X key=value` settings, durations ("250ms",
// "10s"), and the retry backoff schedule. No librdkafka here, so all of it is unit-tested directly.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "base/result.h"
#include "client/errc.h"

namespace sd::client {

/// "key=value" -> {key, value}; the value may contain '=' and may be empty; the key (trimmed of nothing) must
/// be non-empty. Anything else is errc::malformed_setting.
result<std::pair<std::string, std::string>> parse_setting(std::string_view text);

/// "<non-negative integer><unit>" with unit ms, s, m, h or d; a bare integer means milliseconds.
result<std::chrono::milliseconds> parse_duration(std::string_view text);

/// Retry delays: after the n-th failed attempt (n >= 1) the next attempt waits min * 2^(n-1), capped at max.
/// No jitter: the schedule is a pure function of n (records of one key retry strictly in order anyway).
struct backoff_policy {
  std::chrono::milliseconds min{100};
  std::chrono::milliseconds max{10000};

  std::chrono::milliseconds delay_after(int failed_attempts) const noexcept;
};

/// "MIN[:MAX]" (durations); MAX defaults to max(MIN, 10s). Requires 0 < MIN <= MAX.
result<backoff_policy> parse_backoff(std::string_view text);

}  // namespace sd::client
