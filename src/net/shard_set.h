#pragma once
// shard_set: one event loop (io_context) per thread. Partitions and connections are owned by a shard; work
// for them runs on that shard's executor, so their state needs no lock. Cross-shard work is posted.

#include <cstddef>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "net/asio.h"

namespace sd::net {

class shard_set {
 public:
  /// `name` prefixes the threads' names ("sd-net" -> "sd-net-0", shown by top -H and perf).
  explicit shard_set(std::size_t count, std::string name = "sd-shard");
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
  std::string _name;
};

/// Runs fn on executor ex and resumes the caller with its result (on the caller's executor).
/// fn runs exactly once and is moved along with the work, so it may own what it captures.
///
/// Built from plain handlers, not from coroutine lambdas or by-value coroutine parameters: GCC 12 destroys
/// non-trivial by-value parameters of such coroutines twice (a double free seen under ASan). Keep it so.
template <class F>
auto run_on(asio::any_io_executor ex, F&& fn) {
  using T = std::decay_t<decltype(fn())>;
  using fn_t = std::decay_t<F>;
  if constexpr (std::is_void_v<T>) {
    return asio::async_initiate<decltype(use_awaitable), void()>(
        [ex](auto handler, fn_t f) mutable {
          asio::post(ex, [handler = std::move(handler), f = std::move(f)]() mutable {
            f();
            auto home = asio::get_associated_executor(handler);
            asio::post(home, std::move(handler));
          });
        },
        use_awaitable, fn_t(std::forward<F>(fn)));
  } else {
    return asio::async_initiate<decltype(use_awaitable), void(T)>(
        [ex](auto handler, fn_t f) mutable {
          asio::post(ex, [handler = std::move(handler), f = std::move(f)]() mutable {
            T result = f();
            auto home = asio::get_associated_executor(handler);
            asio::post(home, [handler = std::move(handler), result = std::move(result)]() mutable {
              std::move(handler)(std::move(result));
            });
          });
        },
        use_awaitable, fn_t(std::forward<F>(fn)));
  }
}

}  // namespace sd::net
