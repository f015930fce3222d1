#pragma once
// async_event: a one-shot signal that one coroutine awaits and anyone sets. Contract: set() and wait() are
// called on the event's executor (callers on other threads use set_from_any_thread, which posts). Once set,
// wait() completes immediately. Built on a steady_timer that never expires on its own.

#include <memory>

#include "net/asio.h"

namespace sd::net {

class async_event {
 public:
  explicit async_event(asio::any_io_executor ex) : _timer(ex, asio::steady_timer::time_point::max()) {}

  void set() {
    _set = true;
    _timer.cancel();
  }
  bool is_set() const noexcept { return _set; }

  awaitable<void> wait() {
    while (!_set) {
      boost::system::error_code ec;  // cancelled by set() or abandon(): either way re-check the flags
      co_await _timer.async_wait(no_throw(ec));
      if (!_set && _abandoned) co_return;
    }
  }

  /// Waits until set() or until `deadline`, whichever is first. Returns whether the event is set.
  awaitable<bool> wait_until(asio::steady_timer::time_point deadline) {
    if (_set) co_return true;
    _timer.expires_at(deadline);
    boost::system::error_code ec;
    co_await _timer.async_wait(no_throw(ec));
    co_return _set;
  }

  /// Wakes a waiter without setting: used on shutdown so waiters can observe it.
  void abandon() {
    _abandoned = true;
    _timer.cancel();
  }

  asio::any_io_executor get_executor() { return _timer.get_executor(); }

  /// Thread-safe setter for completions that arrive on another thread (for example the storage flusher).
  static void set_from_any_thread(const std::shared_ptr<async_event>& ev) {
    asio::post(ev->get_executor(), [ev] { ev->set(); });
  }

 private:
  asio::steady_timer _timer;
  bool _set = false;
  bool _abandoned = false;
};

}  // namespace sd::net
