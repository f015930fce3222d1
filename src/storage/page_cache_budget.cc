#include "storage/page_cache_budget.h"

#include <vector>

#include "io/file.h"

namespace sd::storage {

void page_cache_budget::set_limit(std::int64_t limit_bytes) {
  std::lock_guard lk(_mu);
  _ranges.set_keep(limit_bytes);
}

std::int64_t page_cache_budget::limit() const {
  std::lock_guard lk(_mu);
  return _ranges.keep();
}

std::uint64_t page_cache_budget::advised_bytes_total() const {
  std::lock_guard lk(_mu);
  return _ranges.advised_twice_total();
}

std::size_t page_cache_budget::tracked_ranges() const {
  std::lock_guard lk(_mu);
  return _ranges.tracked();
}

void page_cache_budget::written(const std::shared_ptr<io::file>& f, file_pos pos, std::uint64_t size) {
  std::vector<written_ranges::advice> due;
  {
    std::lock_guard lk(_mu);
    _ranges.written(f, pos, size, due);
  }
  // Outside the lock: advice is a system call that may start writeback.
  for (const auto& a : due) a.file->drop_cache(file_pos(a.begin), a.len);
}

}  // namespace sd::storage
