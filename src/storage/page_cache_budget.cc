#include "storage/page_cache_budget.h"

#include "io/file.h"

namespace sd::storage {

namespace {
void advise_now(written_ranges::advice& a) { a.file->drop_cache(file_pos(a.begin), a.len); }
}  // namespace

page_cache_budget::page_cache_budget(std::int64_t limit_bytes, bool background) : _ranges(limit_bytes) {
  if (background)
    _worker = std::make_unique<background_worker<written_ranges::advice>>(
        "sd-cache-advice", max_queued, advise_now, background_worker<written_ranges::advice>::at_stop::drop_queued);
}

page_cache_budget::~page_cache_budget() = default;  // the worker drops pending advice (advice only)

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

void page_cache_budget::written(const std::shared_ptr<io::file>& f, file_pos pos, std::uint64_t size,
                                std::vector<written_ranges::advice>& due) {
  std::lock_guard lk(_mu);
  _ranges.written(f, pos, size, due);
}

void page_cache_budget::written(const std::shared_ptr<io::file>& f, file_pos pos, std::uint64_t size) {
  std::vector<written_ranges::advice> due;
  written(f, pos, size, due);
  advise(due);
}

void page_cache_budget::advise(std::vector<written_ranges::advice>& due) {
  if (due.empty() || (_worker && _worker->try_push(due))) return;
  for (auto& a : due) advise_now(a);  // no thread, or its queue is full: the caller advises
  due.clear();
}

void page_cache_budget::drain() {
  if (_worker) _worker->drain();
}

}  // namespace sd::storage
