#include "storage/offset_index.h"

#include <algorithm>
#include <cassert>

namespace sd::storage {

void offset_index::add(offset batch_base, file_pos position) {
  assert(_entries.empty() || (batch_base > _entries.back().batch_base && position > _entries.back().position));
  assert(batch_base >= _base);
  _entries.push_back({batch_base, position});
}

offset_index::entry offset_index::floor(offset target) const {
  auto it = std::upper_bound(_entries.begin(), _entries.end(), target,
                             [](offset t, const entry& e) { return t < e.batch_base; });
  if (it == _entries.begin()) return {_base, file_pos(0)};
  return *(it - 1);
}

void offset_index::truncate_to(file_pos end) {
  while (!_entries.empty() && _entries.back().position >= end) _entries.pop_back();
}

bytes offset_index::encode() const {
  bytes out;
  out.reserve(_entries.size() * entry_size);
  for (const auto& e : _entries) {
    append_be(out, static_cast<std::uint32_t>(e.batch_base - _base));
    append_be(out, static_cast<std::uint32_t>(e.position.value()));
  }
  return out;
}

std::optional<offset_index> offset_index::decode(offset segment_base, byte_span data, std::uint64_t log_size,
                                                 offset offset_end) {
  if (data.size() % entry_size != 0) return std::nullopt;
  offset_index idx(segment_base);
  for (std::size_t i = 0; i < data.size(); i += entry_size) {
    offset off = segment_base + load_be<std::uint32_t>(data.data() + i);
    file_pos pos(load_be<std::uint32_t>(data.data() + i + 4));
    if (pos.value() >= log_size || off >= offset_end) return std::nullopt;
    if (!idx._entries.empty() && (off <= idx._entries.back().batch_base || pos <= idx._entries.back().position)) {
      return std::nullopt;
    }
    idx._entries.push_back({off, pos});
  }
  return idx;
}

}  // namespace sd::storage
