#include "gateway/log_io.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <map>
#include <mutex>

#include "base/clock.h"
#include "broker/probe.h"
#include "storage/read_result.h"

namespace sd::gateway {

using broker::kafka_error;
using broker::partition_ptr;

namespace {

/// Shared by the shard work of one append_all call and the awaiting coroutine.
struct append_wait {
  std::atomic<int> remaining{0};  // jobs not yet appended (and, for acks=-1, not yet durable)
  std::shared_ptr<net::async_event> done;
  std::mutex mu;
  std::vector<std::pair<std::size_t, std::error_code>> flush_failures;  // job index -> error
};

void finish_one(const std::shared_ptr<append_wait>& w) {
  if (w->remaining.fetch_sub(1) == 1) net::async_event::set_from_any_thread(w->done);
}

/// On the owner shard: appends the job's batches in order, publishes, wakes long polls; for acks=-1 asks
/// the flusher and finishes when durable.
void append_on_shard(broker::broker_core& core, append_job& job, std::size_t index, int acks,
                     const std::shared_ptr<append_wait>& w) {
  auto& p = *job.partition;
  std::int64_t flush_to = -1;
  job.base_offsets.assign(job.batches.size(), -1);
  if (p.deleted) {
    job.error = kafka_error::unknown_topic_or_partition;
    job.message = "the partition was deleted";
  } else {
    const std::int64_t now = wall_ms_now();
    for (std::size_t b = 0; b < job.batches.size(); ++b) {
      auto& batch = job.batches[b];
      auto appended = p.log->append(mutable_byte_span(batch.data(), batch.size()), now,
                                    storage::partition_log::crc_check::caller_verified);
      if (!appended) {
        job.error = broker::to_kafka_error(appended.error());
        job.message = appended.error().message();
        spdlog::warn("http append to {}-{} failed: {}", p.topic, p.id, job.message);
        break;
      }
      p.bytes_in.inc(appended->size);
      p.records_in.inc(static_cast<std::uint64_t>(appended->records));
      job.base_offsets[b] = appended->base_offset.value();
      flush_to = appended->last_offset.value() + 1;
    }
    p.publish();
    p.wake_waiters();
  }
  job.batches.clear();
  if (acks == -1 && flush_to >= 0) {
    core.flusher.request(*p.log, offset(flush_to), [w, index](status result) {
      if (!result) {
        std::lock_guard lk(w->mu);
        w->flush_failures.emplace_back(index, result.error());
      }
      finish_one(w);
    });
  } else {
    finish_one(w);
  }
}

}  // namespace

net::awaitable<void> append_all(broker::broker_core& core, std::vector<append_job>& jobs, int acks) {
  if (jobs.empty()) co_return;
  auto w = std::make_shared<append_wait>();
  w->done = std::make_shared<net::async_event>(co_await net::asio::this_coro::executor);
  w->remaining = static_cast<int>(jobs.size());
  std::map<std::size_t, std::vector<std::size_t>> by_shard;
  for (std::size_t i = 0; i < jobs.size(); ++i) by_shard[jobs[i].partition->shard].push_back(i);
  for (auto& [shard, idxs] : by_shard)
    net::asio::post(core.shards.executor(shard), [&core, &jobs, idxs = std::move(idxs), acks, w] {
      for (auto i : idxs) append_on_shard(core, jobs[i], i, acks, w);
    });
  co_await w->done->wait();
  std::lock_guard lk(w->mu);
  for (auto& [i, ec] : w->flush_failures) {
    jobs[i].error = broker::to_kafka_error(ec);
    jobs[i].message = "the write was not made durable: " + ec.message();
    std::fill(jobs[i].base_offsets.begin(), jobs[i].base_offsets.end(), -1);
  }
}

net::awaitable<read_outcome> read_records(broker::broker_core& core, partition_ptr p, std::int64_t from,
                                          std::size_t max_bytes, std::size_t max_records) {
  read_outcome out;
  out.next_offset = from;
  auto read_on_shard = [p, from, max_bytes]() {
    read_outcome r;
    if (p->deleted) {
      r.error = kafka_error::unknown_topic_or_partition;
      return r;
    }
    r.high_watermark = p->log->next_offset().value();
    r.log_start_offset = p->log->start_offset().value();
    r.next_offset = from;
    if (from < r.log_start_offset || from > r.high_watermark) {
      r.high_watermark = p->delivery_end_now();  // what consumers see, in the error's body
      r.error = kafka_error::offset_out_of_range;
      return r;
    }
    const std::int64_t visible = p->last_stable_now();  // read_committed (partition_state.h)
    if (from >= visible) return r;
    storage::read_options opts;
    opts.min_one_batch = true;
    opts.max_offset = offset(visible);
    auto got = p->log->read(offset(from), max_bytes, opts);
    if (!got) {
      r.error = broker::to_kafka_error(got.error());
      return r;
    }
    auto bytes = storage::copy_to_bytes(*got);
    if (!bytes) {
      r.error = broker::to_kafka_error(bytes.error());
      return r;
    }
    r.raw = std::move(*bytes);
    r.bytes = r.raw.size();
    r.aborted = p->producers->aborted_between(from, got->next_offset.value());
    return r;
  };
  out = co_await net::run_on(core.shards.executor(p->shard), std::move(read_on_shard));
  if (out.error != kafka_error::none || out.raw.empty()) co_return out;
  auto decoded = protocol::read_batches(byte_span(out.raw.data(), out.raw.size()));
  if (!decoded) {
    spdlog::warn("http read of {}-{} at {}: stored batch does not decode: {}", p->topic, p->id, from,
                 decoded.error().message());
    out.error = kafka_error::corrupt_message;
    co_return out;
  }
  out.batches = std::move(*decoded);
  std::int64_t next = from;
  for (auto& b : out.batches) {
    // Control batches (transaction markers) are not data, and an aborted transaction's batches are skipped.
    const bool aborted = b.header.transactional() &&
                         std::any_of(out.aborted.begin(), out.aborted.end(), [&](const producer::aborted_txn& a) {
                           return a.producer_id == b.header.producer_id && a.first_offset <= b.header.base_offset &&
                                  b.header.base_offset < a.last_offset;
                         });
    if (b.header.control() || aborted) {
      next = std::max(next, b.header.base_offset + b.header.last_offset_delta + 1);
      continue;
    }
    for (auto& r : b.records) {
      if (r.offset < from) continue;
      if (out.records.size() >= max_records) break;
      out.records.push_back(r);
      next = r.offset + 1;
    }
    if (out.records.size() >= max_records) break;
    next = std::max(next, b.header.base_offset + b.header.last_offset_delta + 1);
  }
  out.next_offset = next;
  co_return out;
}

std::optional<start_point> parse_start_point(std::string_view s) {
  if (s == "earliest" || s == "beginning") return start_point{start_point::kind::earliest, 0};
  if (s == "latest" || s == "end") return start_point{start_point::kind::latest, 0};
  bool at = !s.empty() && s.front() == '@';
  auto digits = at ? s.substr(1) : s;
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (digits.empty() || ec != std::errc{} || ptr != digits.data() + digits.size() || v < 0) return std::nullopt;
  return start_point{at ? start_point::kind::timestamp : start_point::kind::offset, v};
}

net::awaitable<std::int64_t> resolve(broker::broker_core& core, partition_ptr p, start_point sp) {
  auto on_shard = [p, sp]() -> std::int64_t {
    if (p->deleted) return -1;
    const auto start = p->log->start_offset().value();
    const auto end = p->log->next_offset().value();
    switch (sp.k) {
      case start_point::kind::earliest: return start;
      case start_point::kind::latest: return p->visible_end(broker::isolation::read_committed);
      case start_point::kind::offset: return std::clamp(sp.value, start, end);
      case start_point::kind::timestamp: {
        auto found = p->log->offset_for_timestamp(sp.value);
        if (!found || !*found) return end;
        return std::max(start, (*found)->value());
      }
    }
    return start;
  };
  co_return co_await net::run_on(core.shards.executor(p->shard), std::move(on_shard));
}

net::awaitable<bool> wait_for_appends(const std::vector<partition_ptr>& parts, const std::vector<std::int64_t>& seen,
                                      net::asio::steady_timer::time_point deadline,
                                      std::shared_ptr<net::async_event> wake) {
  if (wake->is_set()) co_return true;
  bool moved = false;
  const std::int64_t now_wall = wall_ms_now();
  for (std::size_t i = 0; i < parts.size(); ++i) {
    // A delayed topic's next record becoming due counts as an append (partition_state::delivery_bound).
    if (parts[i]->delivery_delay_ms.load(std::memory_order_relaxed) > 0) {
      if (auto due = parts[i]->delivery.next_due_ms(now_wall))
        deadline = std::min(deadline, net::asio::steady_timer::clock_type::now() +
                                          std::chrono::milliseconds(std::max<std::int64_t>(0, *due - now_wall + 1)));
    }
    parts[i]->add_waiter(wake);
    // Registered first, then re-checked: an append between the caller's read and here is not missed.
    moved |= parts[i]->high_watermark.load(std::memory_order_acquire) != seen[i];
  }
  if (moved) co_return true;
  co_return co_await wake->wait_until(deadline);
}

std::string error_code_name(kafka_error e) {
  auto label = broker::kafka_error_label(broker::code(e));
  for (auto& c : label) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return label;
}

}  // namespace sd::gateway
