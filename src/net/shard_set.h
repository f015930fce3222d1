#pragma once
// shard_set: one event loop (io_context) per thread. Partitions and connections are owned by a shard; work
// for them runs on that shard's executor, so their state needs no lock. Cross-shard work is posted.

#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include "net/asio.h"

namespace sd::net {

class shard_set {
 public:
  explicit shard_set(std::size_t count);
  ~shard_set();
  shard_set(const shard_set&) = delete;
  shard_set& operator=(const shard_set&) = delete;

  std::size_t size() const noexcept { return _contexts.size(); }
  asio::io_context& context(std::size_t i) { return *_contexts[i]; }
  asio::any_io_executor executor(std::size_t i) { return _contexts[i]->get_executor(); }

  /// Starts one thread per shard. The threads run until stop().
  void start();
  /// Stops every event loop and joins the threads. Pending handlers are dropped.
  void stop();

 private:
  std::vector<std::unique_ptr<asio::io_context>> _contexts;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> _guards;
  std::vector<std::thread> _threads;
};

/// Runs fn on executor ex and resumes the caller with its result (on the caller's executor).
template <class F>
auto run_on(asio::any_io_executor ex, F fn) -> awaitable<decltype(fn())> {
  using T = decltype(fn());
  if constexpr (std::is_void_v<T>) {
    co_await asio::co_spawn(ex, [fn = std::move(fn)]() mutable -> awaitable<void> {
      fn();
      co_return;
    }, use_awaitable);
  } else {
    co_return co_await asio::co_spawn(ex, [fn = std::move(fn)]() mutable -> awaitable<T> { co_return fn(); },
                                      use_awaitable);
  }
}

}  // namespace sd::net
