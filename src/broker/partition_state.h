#pragma once
// partition_state: the broker's view of one partition. Owned by a shard: `log` is touched only on that
// shard's event loop (storage's threading contract). The offsets below are published by the owner after each
// change so any shard can read them without hopping (Metadata, lag, the fetch long-poll check).
//
// Lifetime: shared_ptr, held by the topic table and by in-flight requests. After `deleted` is set (on the
// owner shard, before the log is removed) no one touches `log` again.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "metrics/counter.h"
#include "net/asio.h"
#include "net/event.h"
#include "producer/producer_state.h"
#include "storage/partition_log.h"

namespace sd::broker {

/// A reader's isolation level (Fetch and ListOffsets carry it: 0 READ_UNCOMMITTED, 1 READ_COMMITTED).
enum class isolation : std::int8_t { read_uncommitted = 0, read_committed = 1 };
inline isolation isolation_from_wire(std::int8_t v) {
  return v == 1 ? isolation::read_committed : isolation::read_uncommitted;
}

struct partition_state {
  std::string topic;
  std::int32_t id = 0;
  std::size_t shard = 0;
  std::shared_ptr<storage::partition_log> log;  // shared with storage::log_manager; owner shard only
  bool deleted = false;                   // owner shard only
  /// Idempotent-producer state (checked and updated in the same step as each append); owner shard only.
  /// Shared with the log's checkpoint hook, which snapshots it at segment roll and close.
  std::shared_ptr<producer::producer_state_table> producers;
  /// Wall-clock ms of the last append that failed with a storage error (0: none); owner shard only. For
  /// storage_error_window_ms after it, a sequence refusal is answered KAFKA_STORAGE_ERROR (produce.cc).
  std::int64_t last_append_failure_ms = 0;
  static constexpr std::int64_t storage_error_window_ms = 30000;
  /// Producers whose transaction includes this partition (id -> epoch), set by the transaction coordinator
  /// (AddPartitionsToTxn) and cleared by its marker; owner shard only. Produce appends a transactional batch
  /// only from these (broker/txn_partitions.h).
  std::unordered_map<std::int64_t, std::int16_t> txn_writers;

  std::atomic<std::int64_t> high_watermark{0};  // next offset to be written (single node: log end)
  /// The last stable offset: the first offset of the oldest transaction open here, or the high watermark.
  std::atomic<std::int64_t> last_stable{0};
  std::atomic<std::uint64_t> open_transactions{0};
  std::atomic<std::int64_t> log_start{0};
  // For the metrics scrape (broker/probe.h), published with the offsets.
  std::atomic<std::uint64_t> size_bytes{0};
  std::atomic<std::uint64_t> segment_count{0};
  std::atomic<std::uint64_t> producer_entries{0};

  // Traffic, added by any thread with relaxed atomics and summed per topic at scrape time: batch bytes and
  // records appended by Produce (in) and sent by Fetch (out).
  metrics::counter bytes_in;
  metrics::counter records_in;
  metrics::counter bytes_out;
  metrics::counter records_out;

  /// Publishes the log's offsets and sizes (call on the owner shard after every change).
  /// The last stable offset from the live state (owner shard): the first offset of the oldest transaction open
  /// here, never below the log start (retention may have removed an open transaction's start), or the log end.
  /// publish() stores it; owner-shard readers (Fetch, HTTP reads) call it directly.
  std::int64_t last_stable_now() const {
    const std::int64_t end = log->next_offset().value();
    if (!producers) return end;
    auto first = producers->first_unstable_offset();
    if (!first) return end;
    return std::min(end, std::max(*first, log->start_offset().value()));
  }

  void publish() {
    const std::int64_t end = log->next_offset().value();
    const std::int64_t stable = last_stable_now();
    if (producers) open_transactions.store(producers->open_transactions(), std::memory_order_relaxed);
    // Readers load high_watermark first: publish the LSO before it so that LSO <= HW whenever both are read.
    last_stable.store(stable, std::memory_order_release);
    high_watermark.store(end, std::memory_order_release);
    log_start.store(log->start_offset().value(), std::memory_order_release);
    size_bytes.store(log->size_bytes(), std::memory_order_relaxed);
    segment_count.store(log->segment_count(), std::memory_order_relaxed);
    if (producers) producer_entries.store(producers->size(), std::memory_order_relaxed);
  }

  /// THE end a consumer may read to, for every reader (ListOffsets, lag, metrics; Fetch and HTTP reads use
  /// last_stable_now(), the same definition on live state): the high watermark, then under read_committed the
  /// last stable offset. Any thread (published values).
  std::int64_t visible_end(isolation level) const {
    const std::int64_t hw = high_watermark.load(std::memory_order_acquire);
    if (level == isolation::read_uncommitted) return hw;
    return std::min(hw, last_stable.load(std::memory_order_acquire));
  }

  /// Fetch long-poll waiters. Appends wake them; a waiter is removed when woken or when it times out.
  void add_waiter(std::shared_ptr<net::async_event> ev) {
    std::lock_guard lk(_waiters_mu);
    // Waiters that timed out leave expired entries; prune them as the list grows so it stays bounded by the
    // number of live long polls (amortised: only when the size reaches a power of two).
    if (_waiters.size() >= 16 && (_waiters.size() & (_waiters.size() - 1)) == 0)
      std::erase_if(_waiters, [](const auto& w) { return w.expired(); });
    _waiters.push_back(std::move(ev));
    _has_waiters.store(true, std::memory_order_release);
  }
  void wake_waiters() {
    if (!_has_waiters.load(std::memory_order_acquire)) return;  // the common case costs one load
    std::vector<std::weak_ptr<net::async_event>> ws;
    {
      std::lock_guard lk(_waiters_mu);
      ws.swap(_waiters);
      _has_waiters.store(false, std::memory_order_release);
    }
    for (auto& w : ws)
      if (auto ev = w.lock()) net::async_event::set_from_any_thread(ev);
  }

 private:
  std::mutex _waiters_mu;
  std::vector<std::weak_ptr<net::async_event>> _waiters;
  std::atomic<bool> _has_waiters{false};
};

using partition_ptr = std::shared_ptr<partition_state>;

}  // namespace sd::broker
