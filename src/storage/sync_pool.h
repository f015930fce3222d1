#pragma once
// sync_pool: runs the syncs of one flusher round in parallel. A round that covers several partitions
// calls sync_state::sync() for each; run one after another they cost the sum of their fdatasyncs, run
// together the device (and ext4's journal, which folds concurrent commits into one) serves them at once.
//
// Contract: sync_all() returns when every given state's sync() has returned (each state's outcome is kept
// by the state itself: flushed offset or sticky error). The calling thread takes part, so a pool of N
// threads syncs up to N + 1 partitions at once. One caller at a time (the flusher thread).

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

namespace sd::storage {

class sync_state;

class sync_pool {
 public:
  explicit sync_pool(std::size_t threads);
  ~sync_pool();  // stops and joins the threads
  sync_pool(const sync_pool&) = delete;
  sync_pool& operator=(const sync_pool&) = delete;

  /// Syncs every state of `states` that needs it; returns when all are done.
  void sync_all(std::span<sync_state* const> states);

 private:
  /// Takes the next job under `lk` and runs it unlocked; false when none is left.
  bool run_one(std::unique_lock<std::mutex>& lk);
  void worker();

  std::mutex _mu;
  std::condition_variable _work_cv;
  std::condition_variable _done_cv;
  std::span<sync_state* const> _states;
  std::size_t _next = 0;         // next job index in _states
  std::size_t _outstanding = 0;  // jobs handed out or waiting, not yet finished
  bool _stop = false;
  std::vector<std::thread> _threads;
};

}  // namespace sd::storage
