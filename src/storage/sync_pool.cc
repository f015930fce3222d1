#include "storage/sync_pool.h"

#include "base/thread_name.h"
#include "storage/sync_state.h"

namespace sd::storage {

sync_pool::sync_pool(std::size_t threads) {
  _threads.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) _threads.emplace_back([this] { worker(); });
}

sync_pool::~sync_pool() {
  {
    std::lock_guard lk(_mu);
    _stop = true;
  }
  _work_cv.notify_all();
  for (auto& t : _threads) t.join();
}

bool sync_pool::run_one(std::unique_lock<std::mutex>& lk) {
  if (_next >= _states.size()) return false;
  sync_state* s = _states[_next++];
  lk.unlock();
  if (s->needs_sync() || s->recovery_point_requested()) (void)s->sync();  // a failure is sticky in the state; waiters read it there
  lk.lock();
  if (--_outstanding == 0) _done_cv.notify_all();
  return true;
}

void sync_pool::sync_all(std::span<sync_state* const> states) {
  if (states.empty()) return;
  std::unique_lock lk(_mu);
  _states = states;
  _next = 0;
  _outstanding = states.size();
  if (states.size() > 1 && !_threads.empty()) _work_cv.notify_all();
  while (run_one(lk)) {
  }
  _done_cv.wait(lk, [&] { return _outstanding == 0; });
  _states = {};
  _next = 0;
}

void sync_pool::worker() {
  set_thread_name("sd-sync");
  std::unique_lock lk(_mu);
  for (;;) {
    _work_cv.wait(lk, [&] { return _stop || _next < _states.size(); });
    if (_stop) return;
    while (run_one(lk)) {
    }
  }
}

}  // namespace sd::storage
