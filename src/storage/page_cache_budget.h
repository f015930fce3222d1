#pragma once
// page_cache_budget: bounds how much recently written log of ALL partitions together stays in the OS page
// cache, oldest written first. It complements page_cache_window (one partition's tail): with many partitions
// each one's window never fills, so without a shared bound every write lands in a fresh page (on this
// project's reference VM 1.7 s of kernel CPU per GiB, against 0.2-0.3 s for a recycled one; docs/BENCHMARKS.md),
// and acks=1 over 100 partitions ran at 0.6x of one partition once the machine's free memory was used up.
//
// Contract: the budget keeps the last `limit` bytes written by participating partitions (in the order they
// were written, whichever partition wrote them) untouched in cache. Data between one and two budgets behind the
// write end is advised POSIX_FADV_DONTNEED, in two passes as page_cache_window does (the first starts writeback
// and drops clean pages; the second, a budget later, drops what writeback has cleaned since). Advice never
// changes durability or content. limit < 0 turns the budget off (nothing recorded, nothing advised).
// A partition whose topic sets streamdown.page.cache.window.bytes=-1 does not take part (partition_log skips it).
//
// Advice off the append path: with `background` (the log manager's budget), advise() hands the ranges to one
// thread of the budget's own, so an append never waits in POSIX_FADV_DONTNEED, which starts writeback and
// blocks when the device's queue is full. The queue is bounded (max_queued ranges); beyond it the caller
// advises inline (back-pressure, as without the thread). Pending advice is dropped at destruction (advice
// only: nothing is lost). Without `background`, advise() runs on the caller's thread. The queue and thread
// are a background_worker (storage/background_worker.h), shared with file_deleter.
//
// Threading: thread-safe; written() is called by every partition's owner thread after an append. The ranges
// to advise are chosen under the mutex and advised after it is released.

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "storage/background_worker.h"
#include "storage/written_ranges.h"

namespace sd::storage {

class page_cache_budget {
 public:
  static constexpr std::size_t max_queued = 4096;

  explicit page_cache_budget(std::int64_t limit_bytes = -1, bool background = false);
  ~page_cache_budget();  // stops the background thread (pending advice is dropped)
  page_cache_budget(const page_cache_budget&) = delete;
  page_cache_budget& operator=(const page_cache_budget&) = delete;

  void set_limit(std::int64_t limit_bytes);
  std::int64_t limit() const;

  /// Records that [pos, pos + size) of `f` was just written and appends to `due` what fell behind the budget.
  void written(const std::shared_ptr<io::file>& f, file_pos pos, std::uint64_t size,
               std::vector<written_ranges::advice>& due);
  /// The same, then advise(due).
  void written(const std::shared_ptr<io::file>& f, file_pos pos, std::uint64_t size);
  /// Advises `due` (on the background thread when there is one and its queue has room), and clears it.
  void advise(std::vector<written_ranges::advice>& due);
  /// Waits until the background thread has advised everything queued (tests).
  void drain();

  /// Bytes advised out twice (the second pass), for tests and metrics.
  std::uint64_t advised_bytes_total() const;
  /// Written ranges still tracked (not yet advised twice), for tests: bounded by about 2 * limit / write size.
  std::size_t tracked_ranges() const;

 private:
  mutable std::mutex _mu;
  written_ranges _ranges;  // guarded by _mu
  std::unique_ptr<background_worker<written_ranges::advice>> _worker;  // when background
};

}  // namespace sd::storage
