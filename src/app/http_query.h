#pragma once
// http_query: reading the admin API's query parameters (offset/limit paging and the like).

#include <charconv>
#include <cstdint>
#include <optional>

#include "http/http_server.h"

namespace sd::app {

/// An integer query parameter in [lo, hi]; `fallback` when absent; nullopt when malformed or out of range.
inline std::optional<std::int64_t> query_int(const http::request& req, const char* key, std::int64_t fallback,
                                      std::int64_t lo, std::int64_t hi) {
  auto it = req.query.find(key);
  if (it == req.query.end()) return fallback;
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
  if (ec != std::errc{} || ptr != it->second.data() + it->second.size() || v < lo || v > hi) return std::nullopt;
  return v;
}

}  // namespace sd::app
