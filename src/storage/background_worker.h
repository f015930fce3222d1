#pragma once
// background_worker<T>: one thread that does slow filesystem work handed to it by other threads, so an owner
// loop never waits for it. Shared by page_cache_budget (POSIX_FADV_DONTNEED advice, which blocks when the
// device's queue is full) and file_deleter (unlinking large files).
//
// Contract:
//  - Bounded: at most `max_queued` items wait. try_push queues all the given items or none; false (no room, or
//    stopping) means the caller does the work itself, which is the back-pressure.
//  - Items run in push order on the worker's thread, outside the lock; each is destroyed there after its work
//    (so a file reference an item holds is released on that thread).
//  - drain() waits until everything pushed so far has run (or was dropped by a stop).
//  - The destructor stops the thread: `at_stop::run_queued` runs what is queued first (unlinks must not be
//    lost), `at_stop::drop_queued` drops it (advice only).
// Thread-safe. The thread starts in the constructor.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <iterator>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/thread_name.h"

namespace sd::storage {

template <class T>
class background_worker {
 public:
  enum class at_stop { run_queued, drop_queued };

  background_worker(std::string thread_name, std::size_t max_queued, std::function<void(T&)> work,
                    at_stop policy)
      : _max_queued(max_queued), _work(std::move(work)), _policy(policy),
        _thread([this, name = std::move(thread_name)] { run(name); }) {}
  ~background_worker() {
    {
      std::lock_guard lk(_mu);
      _stop = true;
      if (_policy == at_stop::drop_queued) _queue.clear();
    }
    _cv.notify_all();
    _thread.join();
  }
  background_worker(const background_worker&) = delete;
  background_worker& operator=(const background_worker&) = delete;

  /// Queues `item` (moved from only on success).
  bool try_push(T& item) {
    std::unique_lock lk(_mu);
    if (_stop || _queue.size() >= _max_queued) return false;
    const bool was_idle = _queue.empty() && !_busy;
    _queue.push_back(std::move(item));
    lk.unlock();
    if (was_idle) _cv.notify_all();  // a busy thread looks at the queue again when its batch is done
    return true;
  }
  /// Queues every element of `items` and clears it, or none (items untouched).
  bool try_push(std::vector<T>& items) {
    if (items.empty()) return true;
    std::unique_lock lk(_mu);
    if (_stop || _queue.size() + items.size() > _max_queued) return false;
    const bool was_idle = _queue.empty() && !_busy;
    for (auto& i : items) _queue.push_back(std::move(i));
    lk.unlock();
    items.clear();
    if (was_idle) _cv.notify_all();
    return true;
  }
  void drain() {
    std::unique_lock lk(_mu);
    _cv.wait(lk, [&] { return _queue.empty() && !_busy; });
  }

 private:
  void run(const std::string& name) {
    set_thread_name(name);
    std::vector<T> batch;
    std::unique_lock lk(_mu);
    for (;;) {
      _cv.wait(lk, [&] { return _stop || !_queue.empty(); });
      if (_queue.empty()) return;  // stopping, and nothing (left) to run
      batch.assign(std::make_move_iterator(_queue.begin()), std::make_move_iterator(_queue.end()));
      _queue.clear();
      _busy = true;
      lk.unlock();
      for (auto& item : batch) _work(item);
      batch.clear();  // items are destroyed here, outside the lock
      lk.lock();
      _busy = false;
      if (_queue.empty()) _cv.notify_all();  // drain()
    }
  }

  const std::size_t _max_queued;
  const std::function<void(T&)> _work;
  const at_stop _policy;
  std::mutex _mu;
  std::condition_variable _cv;
  std::deque<T> _queue;  // guarded by _mu
  bool _busy = false;    // the thread is running a batch it took (guarded by _mu)
  bool _stop = false;
  std::thread _thread;  // started last
};

}  // namespace sd::storage
