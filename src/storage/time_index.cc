#include "storage/time_index.h"

#include <algorithm>

namespace sd::storage {

void time_index::maybe_add(std::int64_t max_timestamp, offset batch_base) {
  if (!_entries.empty() &&
      (max_timestamp <= _entries.back().max_timestamp || batch_base <= _entries.back().batch_base)) {
    return;
  }
  _entries.push_back({max_timestamp, batch_base});
}

offset time_index::search_start(std::int64_t ts) const {
  auto it = std::lower_bound(_entries.begin(), _entries.end(), ts,
                             [](const entry& e, std::int64_t t) { return e.max_timestamp < t; });
  if (it == _entries.begin()) return _base;
  return (it - 1)->batch_base;
}

void time_index::truncate_to(offset end) {
  while (!_entries.empty() && _entries.back().batch_base >= end) _entries.pop_back();
}

bytes time_index::encode() const {
  bytes out;
  out.reserve(_entries.size() * entry_size);
  for (const auto& e : _entries) {
    append_be(out, e.max_timestamp);
    append_be(out, static_cast<std::uint32_t>(e.batch_base - _base));
  }
  return out;
}

std::optional<time_index> time_index::decode(offset segment_base, byte_span data, offset offset_end) {
  if (data.size() % entry_size != 0) return std::nullopt;
  time_index idx(segment_base);
  for (std::size_t i = 0; i < data.size(); i += entry_size) {
    std::int64_t ts = load_be<std::int64_t>(data.data() + i);
    offset off = segment_base + load_be<std::uint32_t>(data.data() + i + 8);
    if (off >= offset_end) return std::nullopt;
    if (!idx._entries.empty() && (ts <= idx._entries.back().max_timestamp || off <= idx._entries.back().batch_base)) {
      return std::nullopt;
    }
    idx._entries.push_back({ts, off});
  }
  return idx;
}

}  // namespace sd::storage
