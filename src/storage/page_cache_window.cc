#include "storage/page_cache_window.h"

#include <algorithm>

#include "io/file.h"

namespace sd::storage {

void page_cache_window::set_window(std::int64_t window_bytes) {
  _window = window_bytes;
  if (_window < 0) {
    _ranges.clear();
    _front_stream_pos = _written_total;
    _advised_once_total = _advised_twice_total = _written_total;
    return;
  }
  _chunk = std::max<std::uint64_t>(min_chunk_bytes, static_cast<std::uint64_t>(_window) / 8);
}

void page_cache_window::written(const std::shared_ptr<io::file>& f, file_pos pos, std::uint64_t size) {
  if (_window < 0 || size == 0) {
    _written_total += size;
    if (_window < 0) _front_stream_pos = _advised_once_total = _advised_twice_total = _written_total;
    return;
  }
  const std::uint64_t begin = pos.value();
  if (!_ranges.empty() && _ranges.back().end == begin && _ranges.back().file.lock() == f)
    _ranges.back().end = begin + size;
  else
    _ranges.push_back(range{f, begin, begin + size});
  _written_total += size;

  const auto window = static_cast<std::uint64_t>(_window);
  // First advice for data more than one window behind the end, second for data more than two behind.
  if (_written_total >= window + _advised_once_total + _chunk) {
    const std::uint64_t to = _written_total - window;
    advise(_advised_once_total, to);
    _advised_once_total = to;
  }
  if (_written_total >= 2 * window + _advised_twice_total + _chunk) {
    const std::uint64_t to = _written_total - 2 * window;
    advise(_advised_twice_total, to);
    _advised_twice_total = to;
    // Forget ranges wholly advised twice.
    while (!_ranges.empty()) {
      const auto len = _ranges.front().end - _ranges.front().begin;
      if (_front_stream_pos + len > _advised_twice_total) break;
      _front_stream_pos += len;
      _ranges.pop_front();
    }
  }
}

void page_cache_window::advise(std::uint64_t from, std::uint64_t to) {
  std::uint64_t stream = _front_stream_pos;
  for (const auto& r : _ranges) {
    const std::uint64_t len = r.end - r.begin;
    const std::uint64_t lo = std::max(from, stream);
    const std::uint64_t hi = std::min(to, stream + len);
    if (lo < hi) {
      if (auto f = r.file.lock()) f->drop_cache(file_pos(r.begin + (lo - stream)), hi - lo);
    }
    stream += len;
    if (stream >= to) break;
  }
}

}  // namespace sd::storage
