#include "client/settings.h"

#include <algorithm>
#include <charconv>

namespace sd::client {

result<std::pair<std::string, std::string>> parse_setting(std::string_view text) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) return errc::malformed_setting;
  std::string_view key = text.substr(0, eq);
  if (key.find_first_not_of(" \t") == std::string_view::npos) return errc::malformed_setting;
  return std::pair{std::string(key), std::string(text.substr(eq + 1))};
}

result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  std::uint64_t n = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, n);
  if (ec != std::errc{} || ptr == begin) return errc::malformed_duration;
  const std::string_view unit(ptr, static_cast<std::size_t>(end - ptr));
  std::uint64_t factor = 0;
  if (unit.empty() || unit == "ms") factor = 1;
  else if (unit == "s") factor = 1000;
  else if (unit == "m") factor = 60'000;
  else if (unit == "h") factor = 3'600'000;
  else if (unit == "d") factor = 86'400'000;
  else return errc::malformed_duration;
  constexpr std::uint64_t limit = std::uint64_t(1) << 50;  // far beyond any sensible timeout; no overflow
  if (n > limit / factor) return errc::malformed_duration;
  return std::chrono::milliseconds(static_cast<std::int64_t>(n * factor));
}

std::chrono::milliseconds backoff_policy::delay_after(int failed_attempts) const noexcept {
  if (failed_attempts < 1) failed_attempts = 1;
  std::int64_t d = min.count();
  for (int i = 1; i < failed_attempts && d < max.count(); ++i) d *= 2;  // stops doubling at the cap
  return std::chrono::milliseconds(std::min(d, max.count()));
}

result<backoff_policy> parse_backoff(std::string_view text) {
  backoff_policy p;
  const auto colon = text.find(':');
  auto lo = parse_duration(text.substr(0, colon));
  if (!lo) return errc::malformed_backoff;
  p.min = *lo;
  if (colon == std::string_view::npos) {
    p.max = std::max(p.min, std::chrono::milliseconds(10'000));
  } else {
    auto hi = parse_duration(text.substr(colon + 1));
    if (!hi) return errc::malformed_backoff;
    p.max = *hi;
  }
  if (p.min.count() <= 0 || p.max < p.min) return errc::malformed_backoff;
  return p;
}

}  // namespace sd::client
