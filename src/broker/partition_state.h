#pragma once
// partition_state: the broker's view of one partition. Owned by a shard: `log` is touched only on that
// shard's event loop (storage's threading contract). The offsets below are published by the owner after each
// change so any shard can read them without hopping (Metadata, lag, the fetch long-poll check).
//
// Lifetime: shared_ptr, held by the topic table and by in-flight requests. After `deleted` is set (on the
// owner shard, before the log is removed) no one touches `log` again.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "metrics/counter.h"
#include "net/asio.h"
#include "net/event.h"
#include "producer/producer_state.h"
#include "storage/partition_log.h"

namespace sd::broker {

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

  std::atomic<std::int64_t> high_watermark{0};  // next offset to be written (single node: log end)
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
  void publish() {
    high_watermark.store(log->next_offset().value(), std::memory_order_release);
    log_start.store(log->start_offset().value(), std::memory_order_release);
    size_bytes.store(log->size_bytes(), std::memory_order_relaxed);
    segment_count.store(log->segment_count(), std::memory_order_relaxed);
    if (producers) producer_entries.store(producers->size(), std::memory_order_relaxed);
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
