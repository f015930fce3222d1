#pragma once
// counter and gauge: single values recorded without locks (relaxed atomics). A counter only grows.

#include <atomic>
#include <cstdint>

namespace sd::metrics {

class counter {
 public:
  void inc(std::uint64_t n = 1) noexcept { _v.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return _v.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> _v{0};
};

class gauge {
 public:
  void set(std::int64_t v) noexcept { _v.store(v, std::memory_order_relaxed); }
  void add(std::int64_t d) noexcept { _v.fetch_add(d, std::memory_order_relaxed); }
  std::int64_t value() const noexcept { return _v.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> _v{0};
};

}  // namespace sd::metrics
