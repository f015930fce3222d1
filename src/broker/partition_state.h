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
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "broker/delivery_schedule.h"
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
  /// The last stable offset: the first offset of the oldest transaction open here, or the high watermark
  /// (transactions only: the delivery delay is applied by every reader on top, see visible_end).
  std::atomic<std::int64_t> last_stable{0};

  /// Delayed delivery (streamdown.delivery.delay.ms; 0: none), set by apply_config. Any thread reads.
  std::atomic<std::int64_t> delivery_delay_ms{0};
  mutable delivery_schedule delivery;  // due times of the records not yet due (delivery_schedule.h)
  std::int64_t scheduled_end = -1; // owner shard: the log end publish() last handed to `delivery`
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

  /// The end a read_committed reader may read to, on live state (owner shard: Fetch, HTTP reads): the
  /// delivery end (below) and the first offset of the oldest transaction open here (never below the log
  /// start: retention may have removed an open transaction's start). publish() stores the transaction part.
  std::int64_t last_stable_now() const { return std::min(delivery_end_now(), txn_stable_now()); }

  /// The high watermark consumers see (owner shard): the log end, or under a delivery delay the first record
  /// not yet due. Every reader's end is bounded by it (one definition, here).
  std::int64_t delivery_end_now() const {
    const std::int64_t end = log->next_offset().value();
    return std::min(end, delivery_bound(wall_ms_now()).value_or(end));
  }
  /// The first offset not yet due, or nullopt (no delay, or everything due). Any thread.
  std::optional<std::int64_t> delivery_bound(std::int64_t now_ms) const {
    if (delivery_delay_ms.load(std::memory_order_relaxed) <= 0) return std::nullopt;
    return delivery.first_not_due(now_ms);
  }

  /// Applies the topic's effective config (owner shard, or before the partition serves).
  void apply_config(const storage::log_config& cfg, std::int64_t delay_ms) {
    log->update_config(cfg);
    const std::int64_t before = delivery_delay_ms.exchange(delay_ms);
    if (delay_ms <= 0) delivery.clear();
    if (before <= 0 && delay_ms > 0) scheduled_end = log->next_offset().value();  // records before stay visible
    if (before != delay_ms) wake_waiters();  // records held back may be visible now
  }
  /// After a restart (owner shard, before serving): the due times saved at a clean shutdown
  /// (save_delivery_schedule), or after a crash (or without a file) records whose timestamps fall within the
  /// delay are due again at their timestamp (never later than now) plus the delay. The file is consumed.
  void reschedule_after_restart(std::int64_t now_ms, bool clean_shutdown) {
    const std::int64_t delay = delivery_delay_ms.load();
    const std::int64_t end = log->next_offset().value();
    scheduled_end = end;
    auto loaded = delivery.load_and_remove(log->filesystem(), log->dir(), end);
    if (delay <= 0) {
      delivery.clear();
      return;
    }
    if (clean_shutdown && loaded && *loaded) return;
    delivery.clear();
    auto from = log->offset_for_timestamp(now_ms - delay);
    if (from && *from) {
      (void)log->scan_headers(**from, [&](const batch::header& h) {
        delivery.appended(h.base_offset, h.last_offset() + 1, std::min(h.max_timestamp, now_ms) + delay, delay);
      });
    }
  }
  /// At a clean shutdown, after the last append: keeps the due times for the next start.
  status save_delivery_schedule() const {
    if (delivery_delay_ms.load() <= 0 || deleted) return ok();
    return delivery.save(log->filesystem(), log->dir());
  }

  /// Publishes the log's offsets and sizes (call on the owner shard after every change) and schedules the
  /// records appended since the last call when the topic delays delivery.
  void publish() {
    const std::int64_t end = log->next_offset().value();
    if (const auto delay = delivery_delay_ms.load(std::memory_order_relaxed); delay > 0 && end > scheduled_end) {
      delivery.appended(scheduled_end, end, wall_ms_now() + delay, delay);
    }
    scheduled_end = end;
    const std::int64_t stable = txn_stable_now();
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
  /// last_stable_now() and delivery_end_now(), the same definition on live state): the high watermark bounded
  /// by the first record not yet due, then under read_committed the last stable offset. Any thread.
  std::int64_t visible_end(isolation level) const {
    std::int64_t hw = high_watermark.load(std::memory_order_acquire);
    if (auto due = delivery_bound(wall_ms_now())) hw = std::min(hw, *due);
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
  /// Records appended but not yet due (metrics), any thread.
  std::int64_t records_not_due() const {
    const std::int64_t hw = high_watermark.load(std::memory_order_acquire);
    auto due = delivery_bound(wall_ms_now());
    return due ? std::max<std::int64_t>(0, hw - *due) : 0;
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
  /// The transactions' last stable offset on live state (owner shard): the first offset of the oldest
  /// transaction open here, never below the log start, or the log end.
  std::int64_t txn_stable_now() const {
    const std::int64_t end = log->next_offset().value();
    if (!producers) return end;
    auto first = producers->first_unstable_offset();
    if (!first) return end;
    return std::min(end, std::max(*first, log->start_offset().value()));
  }

  std::mutex _waiters_mu;
  std::vector<std::weak_ptr<net::async_event>> _waiters;
  std::atomic<bool> _has_waiters{false};
};

using partition_ptr = std::shared_ptr<partition_state>;

}  // namespace sd::broker
