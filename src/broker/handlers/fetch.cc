// Fetch (key 1), v4-16, sessionless (session id 0; clients then send full fetches). Flexible from v12. From
// v13 topics are named by id: an id no topic has is answered UNKNOWN_TOPIC_ID (at once, like every partition
// error), so a consumer of a deleted and re-created topic notices instead of reading the new topic's data
// as the old one's. v15 replaces the replica id by a replica state and v16 adds leader endpoints; neither
// matters on one node (consumer fetches only). Runs entirely in phase two, since it may wait.
// Each round reads every requested partition on its owner shard: whole batches from the one holding
// fetch_offset, up to partition_max_bytes and the request's max_bytes, except that the first batch of the
// response is returned whole even when larger (KIP-74), so a consumer can always make progress. Record data
// stays in the segment files: the response carries file slices that plaintext connections sendfile().
// Long poll: while fewer than min_bytes are ready and max_wait_ms has not passed, wait for an append to
// any requested partition, for a marker that moves the last stable offset, or for the next record of a
// delayed topic (streamdown.delivery.delay.ms) to become due.
// Delayed delivery: the high watermark answered is the first record not yet due
// (partition_state::delivery_end_now) and no read goes past it; an offset up to the log end is still valid.
// Isolation: read_uncommitted reads to the high watermark; read_committed reads to the last stable offset
// (partition_state::last_stable_now, published as visible_end) and gets the partition's aborted transactions that overlap the
// returned range, which clients use to drop aborted records (their markers are in the data too).
// Authorisation: READ on each topic, checked in phase one (the session belongs to the connection's executor);
// a denied topic's partitions are answered TOPIC_AUTHORIZATION_FAILED with no records, whether or not the
// topic exists, and are not waited on. When every requested partition is denied the answer is immediate, as
// Kafka's.
#include "protocol/generated/fetch.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "broker/authorize.h"
#include "base/clock.h"
#include "broker/handlers/group_common.h"
#include "broker/handlers/handlers.h"
#include "broker/session.h"
#include "net/event.h"
#include "storage/read_result.h"

namespace sd::broker::handlers {
namespace {

using fetch_resp_t = protocol::fetch_response;
using fetch_part_t = fetch_resp_t::fetchable_topic_response::partition_data;

constexpr std::int16_t first_version_with_topic_ids = 13;

struct fetch_target {
  std::size_t topic_index;
  std::size_t part_index;
  partition_ptr partition;  // null: unknown
  std::int64_t fetch_offset;
  std::int32_t partition_max_bytes;
  std::int64_t seen_high_watermark = -1;  // published log end, as read in the last round
  std::int64_t seen_last_stable = -1;     // published (transactions') last stable offset, idem
  std::size_t bytes = 0;                  // batch bytes and records read in the last round (sent if it is the
  std::uint64_t records = 0;              // final one)
};

struct read_amount {
  std::size_t bytes = 0;
  std::uint64_t records = 0;
  std::int64_t published_end = -1;     // the partition's published offsets when it was read (long-poll
  std::int64_t published_stable = -1;  // change detection)
};

/// The partition's offsets as of now (owner shard): high watermark (delivery end), last stable offset, log start.
void report_offsets(partition_state& p, fetch_part_t& out) {
  out.high_watermark = p.delivery_end_now();
  // Never above the high watermark answered (the delivery end is read twice, and a record may come due between).
  out.last_stable_offset = std::min(out.high_watermark, p.last_stable_now());
  out.log_start_offset = p.log->start_offset().value();
}

/// Reads one partition on its shard into `out`. Returns the batch bytes and records added.
read_amount read_partition(partition_state& p, const fetch_target& t, isolation level, std::size_t budget,
                           bool first_in_response, fetch_part_t& out) {
  report_offsets(p, out);
  const std::int64_t end = p.log->next_offset().value();
  const std::int64_t visible = level == isolation::read_committed ? out.last_stable_offset : out.high_watermark;
  if (t.fetch_offset < out.log_start_offset || t.fetch_offset > end) {
    out.error_code = code(kafka_error::offset_out_of_range);
    return {};
  }
  if (t.fetch_offset >= visible) return {};
  std::size_t limit = std::min<std::size_t>(budget, static_cast<std::size_t>(std::max(0, t.partition_max_bytes)));
  storage::read_options opts;
  opts.min_one_batch = first_in_response;
  opts.max_offset = offset(visible);
  auto r = p.log->read(offset(t.fetch_offset), limit, opts);
  if (!r) {
    out.error_code = code(to_kafka_error(r.error()));
    return {};
  }
  if (level == isolation::read_committed && !r->empty()) {
    auto& list = *out.aborted_transactions;
    for (const auto& a : p.producers->aborted_between(t.fetch_offset, r->next_offset.value()))
      list.push_back({a.producer_id, a.first_offset});
  }
  for (auto& s : r->slices) {
    int fd = s.file->native_handle();
    if (fd >= 0) {
      out.records.chunks.emplace_back(
          protocol::file_slice{fd, s.position.value(), static_cast<std::uint32_t>(s.length), s.file});
    } else {
      storage::read_result one;
      one.slices.push_back(s);
      one.total_bytes = s.length;
      auto copied = storage::copy_to_bytes(one);
      if (!copied) {
        out.error_code = code(to_kafka_error(copied.error()));
        out.records.chunks.clear();
        return {};
      }
      out.records.chunks.emplace_back(std::move(*copied));
    }
  }
  return {r->total_bytes, r->records, -1, -1};
}

/// What phase one decided about each requested topic: looked up once there (by id from v13, else by name
/// once READ is allowed: a denied topic is never looked up), then used as is; a topic deleted meanwhile shows
/// up as deleted on its shard.
enum class topic_verdict : std::uint8_t { readable, denied, unknown_id };
struct resolved_topic {
  topic_verdict verdict = topic_verdict::readable;
  std::shared_ptr<const topic_state> topic;  // readable only; null: no such topic (by name)
};

/// `resolved[i]` is req.topics[i] as phase one found it; v13+ topics carry their name, filled in there.
net::response_task run_fetch(broker_core& core, protocol::fetch_request req, std::vector<resolved_topic> resolved,
                             std::int32_t correlation_id, std::int16_t version) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + std::chrono::milliseconds(std::max(0, req.max_wait_ms));
  const std::size_t max_bytes = static_cast<std::size_t>(std::max(0, req.max_bytes));
  const std::size_t min_bytes = static_cast<std::size_t>(std::max(0, req.min_bytes));
  const isolation level = isolation_from_wire(req.isolation_level);
  auto ex = co_await net::asio::this_coro::executor;

  // Resolve partitions once; a topic deleted meanwhile shows up as deleted on its shard.
  std::vector<fetch_target> targets;
  fetch_resp_t skeleton;
  bool any_denied = false;
  for (std::size_t ti = 0; ti < req.topics.size(); ++ti) {
    auto& ft = req.topics[ti];
    auto& tr = skeleton.responses.emplace_back();
    tr.topic = ft.topic;
    tr.topic_id = ft.topic_id;
    if (resolved[ti].verdict == topic_verdict::unknown_id) {
      for (auto& fp : ft.partitions) {
        auto& pr = tr.partitions.emplace_back();
        pr.partition_index = fp.partition;
        pr.error_code = code(kafka_error::unknown_topic_id);
        pr.high_watermark = -1;
        pr.aborted_transactions = std::vector<fetch_part_t::aborted_transaction>{};
        targets.push_back({skeleton.responses.size() - 1, tr.partitions.size() - 1, nullptr, fp.fetch_offset,
                           fp.partition_max_bytes});
      }
      continue;
    }
    if (resolved[ti].verdict == topic_verdict::denied) {
      for (auto& fp : ft.partitions) {
        auto& pr = tr.partitions.emplace_back();
        pr.partition_index = fp.partition;
        pr.error_code = code(kafka_error::topic_authorization_failed);
        pr.high_watermark = -1;  // Kafka's INVALID_HIGHWATERMARK (the offsets below default to -1)
        pr.aborted_transactions = std::vector<fetch_part_t::aborted_transaction>{};
        any_denied = true;
      }
      continue;
    }
    const auto& topic = resolved[ti].topic;
    for (auto& fp : ft.partitions) {
      auto& pr = tr.partitions.emplace_back();
      pr.partition_index = fp.partition;
      pr.aborted_transactions = std::vector<fetch_part_t::aborted_transaction>{};
      partition_ptr p = partition_at(topic.get(), fp.partition);
      if (!p) pr.error_code = code(kafka_error::unknown_topic_or_partition);
      targets.push_back({skeleton.responses.size() - 1, tr.partitions.size() - 1, p, fp.fetch_offset,
                         fp.partition_max_bytes});
    }
  }

  for (;;) {
    fetch_resp_t resp = skeleton;
    std::size_t total = 0;
    bool any_error = false;
    for (auto& t : targets) {
      auto& pr = resp.responses[t.topic_index].partitions[t.part_index];
      if (!t.partition) {
        any_error = true;
        continue;
      }
      std::size_t budget = total >= max_bytes ? 0 : max_bytes - total;
      bool first = total == 0;
      auto read_one = [&pr, &t, level, budget, first, p = t.partition]() -> std::pair<read_amount, fetch_part_t> {
            fetch_part_t out = pr;
            if (p->deleted) {
              out.error_code = code(kafka_error::unknown_topic_or_partition);
              return {read_amount{}, std::move(out)};
            }
            read_amount n;
            if (budget == 0 && !first) {
              report_offsets(*p, out);  // nothing more fits: report offsets only
            } else {
              n = read_partition(*p, t, level, budget, first, out);
            }
            n.published_end = p->high_watermark.load(std::memory_order_acquire);
            n.published_stable = p->last_stable.load(std::memory_order_acquire);
            return {n, std::move(out)};
          };
      auto [added, result] = co_await net::run_on(core.shards.executor(t.partition->shard), std::move(read_one));
      pr = std::move(result);
      t.seen_high_watermark = added.published_end;
      t.seen_last_stable = added.published_stable;
      t.bytes = added.bytes;
      t.records = added.records;
      total += added.bytes;
      any_error |= pr.error_code != 0;
    }
    // Nothing readable because everything asked for is denied: answer now (Kafka does not wait either).
    const bool all_denied = any_denied && targets.empty();
    if (total >= min_bytes || any_error || all_denied || clock::now() >= deadline) {
      for (const auto& t : targets) {
        if (!t.partition || t.bytes == 0) continue;
        t.partition->bytes_out.inc(t.bytes);
        t.partition->records_out.inc(t.records);
      }
      co_return encode_counted(core.probe, correlation_id, version, resp);
    }
    // Long poll: register for appends, then re-check the published offsets so an append that raced with
    // the reads above is not missed.
    auto ev = std::make_shared<net::async_event>(ex);
    bool moved = false;
    auto wake_at = deadline;  // or when the next delayed record becomes due
    const std::int64_t now_wall = wall_ms_now();
    for (auto& t : targets) {
      if (!t.partition) continue;
      if (t.partition->delivery_delay_ms.load(std::memory_order_relaxed) > 0) {
        if (auto due = t.partition->delivery.next_due_ms(now_wall))
          wake_at = std::min(wake_at, clock::now() + std::chrono::milliseconds(std::max<std::int64_t>(0, *due - now_wall + 1)));
      }
      t.partition->add_waiter(ev);
      moved |= t.partition->high_watermark.load(std::memory_order_acquire) != t.seen_high_watermark ||
               (level == isolation::read_committed &&
                t.partition->last_stable.load(std::memory_order_acquire) != t.seen_last_stable);
    }
    if (!moved) co_await ev->wait_until(wake_at);
  }
}

}  // namespace

namespace {

/// Tells broker::fetch_activity what this consumer fetches (at most once a second per connection; replicas and
/// denied or unknown topics are left out).
void report_fetch_activity(const request_context& ctx, const protocol::fetch_request& req,
                           const std::vector<resolved_topic>& resolved) {
  const std::int32_t replica = ctx.version >= 15 ? req.replica_state.replica_id : req.replica_id;
  auto* session = ctx.conn.session.get();
  if (replica >= 0 || !session) return;
  const auto now = wall_ms_now();
  if (!fetch_activity::due(session->fetch_reported_ms, now)) return;
  session->fetch_reported_ms = now;
  fetch_report r;
  r.client_id = ctx.header.client_id.value_or("");
  r.host = client_host(ctx.conn.remote);
  r.at_ms = now;
  for (std::size_t i = 0; i < req.topics.size(); ++i) {
    if (!resolved[i].topic) continue;
    for (const auto& fp : req.topics[i].partitions)
      r.partitions.push_back({resolved[i].topic->name, fp.partition, fp.fetch_offset});
  }
  ctx.broker.fetchers.report(ctx.conn.id, std::move(r));
}

}  // namespace

net::awaitable<net::response_task> fetch(request_context& ctx) {
  protocol::fetch_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  // Names from ids (v13+), then READ per topic, here in phase one: the session is only touched on the
  // connection's executor. An unknown id is not an authorisation question (Kafka answers it first).
  std::vector<resolved_topic> resolved(req.topics.size());
  for (std::size_t i = 0; i < req.topics.size(); ++i) {
    auto& ft = req.topics[i];
    auto& r = resolved[i];
    if (ctx.version >= first_version_with_topic_ids) {
      r.topic = ctx.broker.topics.find_topic_by_id(ft.topic_id);
      if (!r.topic) {
        r.verdict = topic_verdict::unknown_id;
        continue;
      }
      ft.topic = r.topic->name;
    }
    if (!authorized(ctx, resource_type::topic, ft.topic, acl_operation::read)) {
      r.verdict = topic_verdict::denied;
      r.topic.reset();
      continue;
    }
    if (!r.topic) r.topic = ctx.broker.topics.find_topic(ft.topic);
  }
  report_fetch_activity(ctx, req, resolved);
  co_return run_fetch(ctx.broker, std::move(req), std::move(resolved), ctx.header.correlation_id, ctx.version);
}

}  // namespace sd::broker::handlers
