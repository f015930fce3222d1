#include "client/worker_pool.h"

namespace sd::client {

worker_pool::worker_pool(int threads) {
  for (int i = 0; i < threads; ++i) _threads.emplace_back([this] { loop(); });
}

worker_pool::~worker_pool() {
  {
    std::lock_guard lock(_mu);
    _stopping = true;
    _jobs.clear();
  }
  _work_cv.notify_all();
  for (auto& t : _threads) t.join();
}

void worker_pool::submit(exec_job job) {
  {
    std::lock_guard lock(_mu);
    _jobs.push_back(std::move(job));
  }
  _work_cv.notify_one();
}

std::vector<exec_result> worker_pool::drain() {
  std::lock_guard lock(_mu);
  std::vector<exec_result> out;
  out.swap(_results);
  return out;
}

void worker_pool::cancel_queued_and_wait() {
  std::unique_lock lock(_mu);
  _jobs.clear();
  _idle_cv.wait(lock, [this] { return _running == 0; });
}

void worker_pool::loop() {
  while (true) {
    exec_job job;
    {
      std::unique_lock lock(_mu);
      _work_cv.wait(lock, [this] { return _stopping || !_jobs.empty(); });
      if (_stopping) return;
      job = std::move(_jobs.front());
      _jobs.pop_front();
      ++_running;
    }
    exec_result r{job.id, run_exec(job.request)};
    {
      std::lock_guard lock(_mu);
      _results.push_back(std::move(r));
      --_running;
    }
    _idle_cv.notify_all();
  }
}

}  // namespace sd::client
