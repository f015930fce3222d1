#pragma once
// Threads that run `--exec` commands for the consume loop. The loop submits jobs and collects results by
// polling (it never blocks on the pool); jobs of different keys run concurrently, up to the thread count.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "client/exec_runner.h"

namespace sd::client {

struct exec_job {
  std::uint64_t id = 0;
  exec_request request;
};

struct exec_result {
  std::uint64_t id = 0;
  exec_outcome outcome;
};

class worker_pool {
 public:
  explicit worker_pool(int threads);
  ~worker_pool();  // drops queued jobs, waits for running ones
  worker_pool(const worker_pool&) = delete;
  worker_pool& operator=(const worker_pool&) = delete;

  void submit(exec_job job);
  /// Results finished since the last call.
  std::vector<exec_result> drain();
  /// Drops jobs not yet started and waits until no command is running.
  void cancel_queued_and_wait();

 private:
  void loop();
  std::mutex _mu;
  std::condition_variable _work_cv;
  std::condition_variable _idle_cv;
  std::deque<exec_job> _jobs;          // guarded by _mu
  std::vector<exec_result> _results;   // guarded by _mu
  int _running = 0;                    // guarded by _mu
  bool _stopping = false;              // guarded by _mu
  std::vector<std::thread> _threads;
};

}  // namespace sd::client
