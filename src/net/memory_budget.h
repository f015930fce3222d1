#pragma once
// memory_budget: the broker-wide bound on bytes held by in-flight requests. A connection acquires the frame's
// size before it reads the frame body; when the budget is spent it waits, which stops it reading its socket
// (TCP backpressure) instead of buffering. Waiters are served first-come first-served, so a large request is not
// starved by small ones. Thread-safe: shards share one budget.
//
// Small frames (at most small_frame_limit bytes: ApiVersions, Metadata, heartbeats, fetch requests) may also
// draw on a separate small reserve when the main pool is spent or has waiters, so control traffic is not
// queued behind large produce requests under overload.
//
// Invariants: main bytes in use <= capacity(); reserve bytes in use <= small_reserve(); so in_use() <=
// capacity() + small_reserve(). A single acquire larger than capacity is a caller bug (frames larger than the
// maximum request size are refused before acquiring, and capacity >= maximum request size).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>

#include "net/asio.h"
#include "net/event.h"

namespace sd::net {

class memory_budget;

/// Ownership of acquired bytes; returns them on destruction.
class budget_lease {
 public:
  budget_lease() = default;
  budget_lease(memory_budget* b, std::size_t n, bool from_reserve = false)
      : _budget(b), _bytes(n), _from_reserve(from_reserve) {}
  budget_lease(budget_lease&& o) noexcept
      : _budget(std::exchange(o._budget, nullptr)), _bytes(o._bytes), _from_reserve(o._from_reserve) {}
  budget_lease& operator=(budget_lease&& o) noexcept;
  budget_lease(const budget_lease&) = delete;
  budget_lease& operator=(const budget_lease&) = delete;
  ~budget_lease() { release(); }

  std::size_t bytes() const noexcept { return _budget ? _bytes : 0; }
  bool from_reserve() const noexcept { return _from_reserve; }
  void release() noexcept;

 private:
  memory_budget* _budget = nullptr;
  std::size_t _bytes = 0;
  bool _from_reserve = false;
};

class memory_budget {
 public:
  static constexpr std::size_t default_small_frame_limit = 64 * 1024;

  explicit memory_budget(std::size_t capacity, std::size_t small_reserve = 0,
                         std::size_t small_frame_limit = default_small_frame_limit)
      : _capacity(capacity), _small_reserve(small_reserve), _small_frame_limit(small_frame_limit) {}
  memory_budget(const memory_budget&) = delete;
  memory_budget& operator=(const memory_budget&) = delete;

  /// Waits (without blocking the thread) until n bytes fit, then takes them.
  awaitable<budget_lease> acquire(std::size_t n);
  /// Takes n bytes if they fit now and nobody is waiting.
  bool try_acquire(std::size_t n, budget_lease& out);

  std::size_t capacity() const noexcept { return _capacity; }
  std::size_t small_reserve() const noexcept { return _small_reserve; }
  /// Bytes held, main pool and small reserve together.
  std::size_t in_use() const noexcept {
    return _in_use.load(std::memory_order_relaxed) + _reserve_in_use.load(std::memory_order_relaxed);
  }
  std::size_t reserve_in_use() const noexcept { return _reserve_in_use.load(std::memory_order_relaxed); }
  std::uint64_t waits_total() const noexcept { return _waits_total.load(std::memory_order_relaxed); }
  /// Total time acquirers spent waiting, in nanoseconds.
  std::uint64_t blocked_ns_total() const noexcept { return _blocked_ns_total.load(std::memory_order_relaxed); }

 private:
  friend class budget_lease;
  struct waiter {
    std::size_t bytes;
    std::shared_ptr<async_event> granted;
  };
  void give_back(std::size_t n, bool from_reserve) noexcept;

  const std::size_t _capacity;
  const std::size_t _small_reserve;
  const std::size_t _small_frame_limit;
  std::atomic<std::size_t> _reserve_in_use{0};  // changed under _mu
  std::mutex _mu;
  std::deque<waiter> _waiters;  // guarded by _mu
  std::atomic<std::size_t> _in_use{0};
  std::atomic<std::uint64_t> _waits_total{0};
  std::atomic<std::uint64_t> _blocked_ns_total{0};
};

}  // namespace sd::net
