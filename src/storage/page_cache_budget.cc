#include "storage/page_cache_budget.h"

#include "base/thread_name.h"
#include "io/file.h"

namespace sd::storage {

page_cache_budget::page_cache_budget(std::int64_t limit_bytes, bool background) : _ranges(limit_bytes) {
  if (background) _thread = std::thread([this] { run(); });
}

page_cache_budget::~page_cache_budget() {
  {
    std::lock_guard lk(_queue_mu);
    _stop = true;
    _queue.clear();
  }
  _queue_cv.notify_all();
  if (_thread.joinable()) _thread.join();
}

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
  if (due.empty()) return;
  if (_thread.joinable()) {
    std::unique_lock lk(_queue_mu);
    if (!_stop && _queue.size() + due.size() <= max_queued) {
      const bool was_idle = _queue.empty() && !_busy;
      for (auto& a : due) _queue.push_back(std::move(a));
      lk.unlock();
      if (was_idle) _queue_cv.notify_all();
      due.clear();
      return;
    }
  }
  for (const auto& a : due) a.file->drop_cache(file_pos(a.begin), a.len);
  due.clear();
}

void page_cache_budget::drain() {
  std::unique_lock lk(_queue_mu);
  _queue_cv.wait(lk, [&] { return _stop || (_queue.empty() && !_busy); });
}

void page_cache_budget::run() {
  set_thread_name("sd-cache-advice");
  std::vector<written_ranges::advice> batch;
  std::unique_lock lk(_queue_mu);
  for (;;) {
    _queue_cv.wait(lk, [&] { return _stop || !_queue.empty(); });
    if (_stop) return;
    batch.assign(std::make_move_iterator(_queue.begin()), std::make_move_iterator(_queue.end()));
    _queue.clear();
    _busy = true;
    lk.unlock();
    for (const auto& a : batch) a.file->drop_cache(file_pos(a.begin), a.len);
    batch.clear();  // releases the file references outside the lock
    lk.lock();
    _busy = false;
    if (_queue.empty()) _queue_cv.notify_all();  // drain()
  }
}

}  // namespace sd::storage
