#pragma once
// notifier: a condition variable for coroutines on one executor. wait() suspends until the next notify();
// callers re-check their condition in a loop (there is no lost-wakeup race because both sides run on the
// same single-threaded executor and nothing interleaves between the check and the wait).

#include "net/asio.h"

namespace sd::net {

class notifier {
 public:
  explicit notifier(asio::any_io_executor ex) : _timer(ex, asio::steady_timer::time_point::max()) {}

  void notify() { _timer.cancel(); }

  awaitable<void> wait() {
    _timer.expires_at(asio::steady_timer::time_point::max());
    boost::system::error_code ec;
    co_await _timer.async_wait(no_throw(ec));
  }

  /// Waits for a notify or until `d` passes, whichever is first.
  template <class Duration>
  awaitable<void> wait_for(Duration d) {
    _timer.expires_after(d);
    boost::system::error_code ec;
    co_await _timer.async_wait(no_throw(ec));
  }

 private:
  asio::steady_timer _timer;
};

}  // namespace sd::net
