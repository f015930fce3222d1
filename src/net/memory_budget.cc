#include "net/memory_budget.h"

#include <cassert>

namespace sd::net {

budget_lease& budget_lease::operator=(budget_lease&& o) noexcept {
  if (this != &o) {
    release();
    _budget = std::exchange(o._budget, nullptr);
    _bytes = o._bytes;
    _from_reserve = o._from_reserve;
  }
  return *this;
}

void budget_lease::release() noexcept {
  if (_budget) std::exchange(_budget, nullptr)->give_back(_bytes, _from_reserve);
}

bool memory_budget::try_acquire(std::size_t n, budget_lease& out) {
  std::lock_guard lk(_mu);
  if (_waiters.empty() && _in_use.load(std::memory_order_relaxed) + n <= _capacity) {
    _in_use.fetch_add(n, std::memory_order_relaxed);
    out = budget_lease(this, n);
    return true;
  }
  if (n <= _small_frame_limit && _reserve_in_use.load(std::memory_order_relaxed) + n <= _small_reserve) {
    _reserve_in_use.fetch_add(n, std::memory_order_relaxed);
    out = budget_lease(this, n, /*from_reserve=*/true);
    return true;
  }
  return false;
}

awaitable<budget_lease> memory_budget::acquire(std::size_t n) {
  assert(n <= _capacity);
  budget_lease lease;
  if (try_acquire(n, lease)) co_return lease;

  auto ev = std::make_shared<async_event>(co_await asio::this_coro::executor);
  {
    std::lock_guard lk(_mu);
    // Re-check under the lock: a release may have happened since try_acquire.
    if (_waiters.empty() && _in_use.load(std::memory_order_relaxed) + n <= _capacity) {
      _in_use.fetch_add(n, std::memory_order_relaxed);
      co_return budget_lease(this, n);
    }
    _waiters.push_back({n, ev});
  }
  _waits_total.fetch_add(1, std::memory_order_relaxed);
  auto start = std::chrono::steady_clock::now();
  co_await ev->wait();
  auto waited = std::chrono::steady_clock::now() - start;
  _blocked_ns_total.fetch_add(
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(waited).count()),
      std::memory_order_relaxed);
  // give_back() already added n to _in_use on our behalf before granting.
  co_return budget_lease(this, n);
}

void memory_budget::give_back(std::size_t n, bool from_reserve) noexcept {
  std::lock_guard lk(_mu);
  if (from_reserve) {
    _reserve_in_use.fetch_sub(n, std::memory_order_relaxed);
    return;  // waiters wait for the main pool only
  }
  _in_use.fetch_sub(n, std::memory_order_relaxed);
  // Grant waiters strictly in arrival order while the head fits.
  while (!_waiters.empty() && _in_use.load(std::memory_order_relaxed) + _waiters.front().bytes <= _capacity) {
    auto w = std::move(_waiters.front());
    _waiters.pop_front();
    _in_use.fetch_add(w.bytes, std::memory_order_relaxed);
    async_event::set_from_any_thread(w.granted);
  }
}

}  // namespace sd::net
