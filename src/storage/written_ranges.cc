#include "storage/written_ranges.h"

#include <algorithm>

namespace sd::storage {

void written_ranges::set_keep(std::int64_t keep_bytes) {
  _keep = keep_bytes;
  if (_keep < 0) {
    _ranges.clear();
    _front_stream_pos = _advised_once_total = _advised_twice_total = _written_total;
    return;
  }
  _chunk = std::max<std::uint64_t>(min_chunk_bytes, static_cast<std::uint64_t>(_keep) / 8);
}

void written_ranges::written(const std::shared_ptr<io::file>& f, file_pos pos, std::uint64_t size,
                             std::vector<advice>& due) {
  if (_keep < 0 || size == 0) {
    _written_total += size;
    if (_keep < 0) _front_stream_pos = _advised_once_total = _advised_twice_total = _written_total;
    return;
  }
  const std::uint64_t begin = pos.value();
  // Consecutive writes of one file share a range.
  if (!_ranges.empty() && _ranges.back().end == begin && _ranges.back().file.lock() == f)
    _ranges.back().end = begin + size;
  else
    _ranges.push_back(range{f, begin, begin + size});
  _written_total += size;

  const auto keep = static_cast<std::uint64_t>(_keep);
  if (_written_total >= keep + _advised_once_total + _chunk) {
    const std::uint64_t to = _written_total - keep;
    collect(_advised_once_total, to, due);
    _advised_once_total = to;
  }
  if (_written_total >= 2 * keep + _advised_twice_total + _chunk) {
    const std::uint64_t to = _written_total - 2 * keep;
    collect(_advised_twice_total, to, due);
    _advised_twice_total = to;
    while (!_ranges.empty()) {  // forget ranges wholly due twice
      const auto len = _ranges.front().end - _ranges.front().begin;
      if (_front_stream_pos + len > _advised_twice_total) break;
      _front_stream_pos += len;
      _ranges.pop_front();
    }
  }
}

void written_ranges::collect(std::uint64_t from, std::uint64_t to, std::vector<advice>& out) const {
  std::uint64_t stream = _front_stream_pos;
  for (const auto& r : _ranges) {
    const std::uint64_t len = r.end - r.begin;
    const std::uint64_t lo = std::max(from, stream);
    const std::uint64_t hi = std::min(to, stream + len);
    if (lo < hi) {
      if (auto f = r.file.lock()) {
        const std::uint64_t b = r.begin + (lo - stream);
        if (!out.empty() && out.back().file == f && out.back().begin + out.back().len == b)
          out.back().len += hi - lo;  // adjacent pieces of one file merge into one call
        else
          out.push_back(advice{std::move(f), b, hi - lo});
      }
    }
    stream += len;
    if (stream >= to) break;
  }
}

}  // namespace sd::storage
