// Produce (key 0), v3-11 (RecordBatch v2 only; flexible from v9; from v8 a refused partition carries an error
// message saying why; v10-11 add leader hints that only matter for NOT_LEADER answers, never given here).
// Phase one, in request order: validate every batch of a partition (framing, magic, CRC, size) before
// appending any of it, apply the topic's produce policy (a batch in another codec than compression.type is
// rebuilt in it; LogAppendTime topics get the broker's clock as MaxTimestamp, in place), then append on the
// partition's shard (BaseOffset is rewritten in place). Phase two: acks=0 sends nothing; acks=1 answers at
// once (written to the page cache); acks=-1 answers after the group-commit fdatasync covers the partition's
// last appended offset.
// Idempotent producers: each batch is checked against the partition's producer state
// (producer/producer_state.h) in the same step as its append; a duplicate is answered with its original base
// offset (and, for acks=-1, after that offset is durable) without appending. Transactional batches are
// appended only for a producer epoch the transaction coordinator admitted to the partition
// (partition_state::txn_writers; else INVALID_TXN_STATE, or INVALID_PRODUCER_EPOCH for an older epoch);
// they open the producer's transaction there until its marker. Authorisation (Kafka's): a
// transactional id needs WRITE on it (else TRANSACTIONAL_ID_AUTHORIZATION_FAILED for every partition); each
// topic needs WRITE (else TOPIC_AUTHORIZATION_FAILED for its partitions, which append nothing; the rest of
// the request proceeds), checked before the topic's existence so a denied client cannot probe which topics
// exist. Produce never creates topics.
#include "protocol/generated/produce.h"
#include "protocol/record_batch.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <map>

#include "base/clock.h"
#include "base/record_batch_header.h"
#include "broker/authorize.h"
#include "broker/handlers/handlers.h"
#include "net/event.h"
#include "producer/producer_state.h"

namespace sd::broker::handlers {
namespace {

/// The index (within the request's records of one partition) of the first record without a key, or nullopt.
/// Only compacted topics ask (cleanup.policy=compact): a record without a key cannot be compacted. A batch
/// that does not decode counts as keyless at its first record (split_batches already checked its framing).
std::optional<std::int32_t> first_record_without_key(const std::vector<mutable_byte_span>& batches) {
  std::int32_t index = 0;
  for (const auto& b : batches) {
    auto decoded = protocol::read_batch(byte_span(b.data(), b.size()));
    if (!decoded) return index;
    for (const auto& r : decoded->records) {
      if (!r.key) return index;
      ++index;
    }
  }
  return std::nullopt;
}

using produce_resp_t = protocol::produce_response;
using produce_part_resp_t = produce_resp_t::topic_produce_response::partition_produce_response;

struct partition_job {
  std::size_t topic_index = 0;   // index into the response's topics
  std::size_t part_index = 0;    // index into that topic's partitions
  partition_ptr partition;
  std::vector<mutable_byte_span> batches;  // validated, in order; views into the request frame or `rebuilt`
  std::vector<sd::bytes> rebuilt;          // batches recompressed for the topic's compression.type (their heap
                                           // buffers stay put when this vector grows, so the spans stay valid)
  std::int64_t flush_to = -1;              // acks=-1: wait until offsets < flush_to are durable
};

/// Splits a partition's records into whole batches and checks each. Fills `error` and returns false when
/// any batch is unusable: the partition then appends nothing. `has_transactional_id`: the request names one
/// (Kafka's rule: transactional batches need WRITE on it, so without one they are refused).
bool split_batches(mutable_byte_span records, std::size_t max_batch, const timestamp_bounds& times,
                   bool has_transactional_id, std::vector<mutable_byte_span>& out, kafka_error& error,
                   std::string& why) {
  const std::int64_t now_ms = times.unbounded() ? 0 : wall_ms_now();
  std::size_t pos = 0;
  if (records.empty()) {
    error = kafka_error::corrupt_message;
    why = "empty record set";
    return false;
  }
  while (pos < records.size()) {
    auto rest = records.subspan(pos);
    auto fr = batch::frame(rest, max_batch);
    switch (fr.status) {
      case batch::check::ok:
        break;
      case batch::check::bad_length:
        if (rest.size() >= batch::length_field_end &&
            load_be<std::int32_t>(rest.data() + batch::field::batch_length) > 0) {
          error = kafka_error::message_too_large;
          why = "batch larger than max.message.bytes (" + std::to_string(max_batch) + ")";
        } else {
          error = kafka_error::corrupt_message;
          why = "batch length field is invalid";
        }
        return false;
      case batch::check::bad_magic:
        error = kafka_error::unsupported_for_message_format;
        why = "only RecordBatch v2 (magic 2) is accepted";
        return false;
      case batch::check::bad_crc:
        error = kafka_error::corrupt_message;
        why = "batch CRC32C does not match";
        return false;
      case batch::check::truncated:
        error = kafka_error::corrupt_message;
        why = "record set ends inside a batch";
        return false;
      case batch::check::bad_counts:
        error = kafka_error::corrupt_message;
        why = "batch record count and offset delta disagree";
        return false;
    }
    if (fr.hdr.control()) {
      error = kafka_error::invalid_record;
      why = "control batches may not be produced by clients";
      return false;
    }
    if (fr.hdr.transactional() && !has_transactional_id) {
      error = kafka_error::transactional_id_authorization_failed;
      why = "transactional batches need the request's transactional id";
      return false;
    }
    // message.timestamp.*.max.ms: the batch's first and largest timestamps bound its records' (clients write
    // non-negative deltas, so the first is the smallest).
    if (!times.unbounded() &&
        (!times.allows(fr.hdr.base_timestamp, now_ms) || !times.allows(fr.hdr.max_timestamp, now_ms))) {
      error = kafka_error::invalid_timestamp;
      why = "timestamp outside message.timestamp.before.max.ms/after.max.ms of the broker's clock";
      return false;
    }
    out.push_back(records.subspan(pos, fr.size));
    pos += fr.size;
  }
  return true;
}

/// Applies the topic's produce policy to validated batches: recompression into the topic's codec (a batch
/// already in it is kept as sent) and LogAppendTime stamping (attribute bit and MaxTimestamp, CRC resealed,
/// in place). Fills `error` and returns false when a batch cannot be decoded or outgrows max.message.bytes
/// once recompressed; the partition then appends nothing.
bool apply_produce_policy(const produce_policy& policy, std::size_t max_batch, std::int64_t now_ms,
                          partition_job& job, kafka_error& error, std::string& why) {
  for (auto& span : job.batches) {
    batch::header hdr = batch::parse_header(span.data());
    if (policy.codec && hdr.codec() != *policy.codec) {
      auto decoded = protocol::read_batch(span, protocol::default_max_batch_bytes);
      if (!decoded) {
        error = kafka_error::corrupt_message;
        why = "cannot decode the batch to recompress it: " + decoded.error().message();
        return false;
      }
      protocol::batch_options opts;
      opts.codec = *policy.codec;
      opts.compression_level = policy.level;
      opts.producer_id = hdr.producer_id;
      opts.producer_epoch = hdr.producer_epoch;
      opts.base_sequence = hdr.base_sequence;
      opts.transactional = hdr.transactional();
      opts.leader_epoch = hdr.leader_epoch;
      protocol::batch_builder builder(opts);
      for (const auto& r : decoded->records) builder.add(r.to_record());
      auto built = builder.build();
      if (!built) {
        error = kafka_error::corrupt_message;
        why = "cannot recompress the batch: " + built.error().message();
        return false;
      }
      if (built->size() > max_batch) {
        error = kafka_error::message_too_large;
        why = "batch recompressed for the topic is larger than max.message.bytes (" + std::to_string(max_batch) + ")";
        return false;
      }
      job.rebuilt.push_back(std::move(*built));
      span = mutable_byte_span(job.rebuilt.back().data(), job.rebuilt.back().size());
    }
    if (policy.log_append_time) {
      store_be(span.data() + batch::field::attributes, static_cast<std::int16_t>(hdr.attributes | 0x8));
      store_be(span.data() + batch::field::max_timestamp, now_ms);
      batch::seal_crc(span);
    }
  }
  return true;
}

struct flush_wait {
  std::atomic<int> remaining{0};
  std::shared_ptr<net::async_event> done;
  std::mutex mu;
  std::vector<std::pair<std::size_t, std::error_code>> failures;  // job index -> error
};

/// One Produce request from phase one to its answer. Phase one fills it and posts the appends; each owner
/// shard writes only its own jobs' response entries; they are read after `appended` is set, or for acks=-1
/// after `flushes->done` (each job's entries are written before it asks the flusher; the post back to the
/// connection's executor orders those writes before the read).
struct produce_state {
  net::inbound_frame frame;  // owns the request bytes the batches view, until the appends are done
  std::vector<partition_job> jobs;
  produce_resp_t resp;
  std::int16_t acks = 1;
  std::atomic<int> shards_left{0};           // owner shards whose appends have not finished
  std::shared_ptr<net::async_event> appended;  // set when shards_left reaches 0; null for acks=-1 (not awaited)
  std::shared_ptr<flush_wait> flushes;         // acks=-1 only: one count per job, released when durable
};

/// Says why an idempotent batch was refused, with what the partition remembers of its producer (rare in a
/// healthy system; the evidence for a sequence desynchronisation). Info for the first 100 refusals of the
/// process, then every 1000th.
void log_refused_batch(const partition_state& p, const batch::header& hdr, std::error_code why) {
  static std::atomic<std::uint64_t> refused{0};
  const auto n = refused.fetch_add(1);
  if (n >= 100 && n % 1000 != 0) return;
  std::string cached;
  if (const auto* e = p.producers->find(hdr.producer_id)) {
    cached = "epoch " + std::to_string(e->epoch) + ", batches";
    for (const auto& b : e->batches)
      cached += " " + std::to_string(b.first_seq) + ".." + std::to_string(b.last_seq) + "@" + std::to_string(b.base_offset);
  } else {
    cached = "no state";
  }
  spdlog::info("produce to {}-{} refused: {} (producer {} epoch {} seq {}..{}; the partition has {})", p.topic, p.id,
               why.message(), hdr.producer_id, hdr.producer_epoch, hdr.base_sequence,
               producer::increment_sequence(hdr.base_sequence, hdr.last_offset_delta), cached);
}

/// Runs on a partition's owner shard: checks (idempotence), appends and records each batch of the given
/// jobs in request order; for acks=-1 asks the flusher for each job's last offset in the same step.
/// The caller keeps `st` alive (the posted closure holds its shared_ptr).
void append_on_owner_shard(broker_core& core, produce_state& st, const std::vector<std::size_t>& idxs,
                           std::int64_t now) {
  for (auto i : idxs) {
    auto& job = st.jobs[i];
    auto& pr = st.resp.responses[job.topic_index].partition_responses[job.part_index];
    auto& p = *job.partition;
    if (p.deleted) {
      pr.error_code = code(kafka_error::unknown_topic_or_partition);
    } else if (p.log->io_failure()) {
      // A log with a sticky I/O failure (a failed write or fdatasync) answers every batch KAFKA_STORAGE_ERROR
      // before any sequence check, as a Kafka broker whose log directory went offline: the batches a client
      // pipelined behind the failed one must not be told OUT_OF_ORDER_SEQUENCE_NUMBER (librdkafka takes that,
      // right after a storage error, as a sequence desynchronisation and fails the producer, or bumps its
      // epoch and sends the failed batch again under new sequences: a duplicate once the log recovers).
      pr.error_code = code(kafka_error::kafka_storage_error);
      pr.base_offset = -1;
    } else {
      for (std::size_t b = 0; b < job.batches.size(); ++b) {
        // Idempotence: check, append and record in one step on the owner shard, so in-flight batches of
        // one producer are judged in the order they are appended.
        batch::header hdr = batch::parse_header(job.batches[b].data());
        if (hdr.transactional()) {
          // Only a producer epoch whose transaction holds this partition (AddPartitionsToTxn, until its
          // marker) may append a transactional batch here.
          auto w = p.txn_writers.find(hdr.producer_id);
          if (w == p.txn_writers.end() || w->second != hdr.producer_epoch || !hdr.has_producer_id()) {
            // An epoch older than the partition knows (a fenced zombie) is told so, admitted or not.
            const auto* known = p.producers->find(hdr.producer_id);
            const bool older = (w != p.txn_writers.end() && hdr.producer_epoch < w->second) ||
                               (known && hdr.producer_epoch < known->epoch);
            pr.error_code = code(older ? kafka_error::invalid_producer_epoch : kafka_error::invalid_txn_state);
            pr.error_message = older ? "a newer epoch of this producer took over"
                                     : "the partition is not part of an open transaction of this producer";
            pr.base_offset = -1;
            break;
          }
        }
        auto verdict = p.producers->check(hdr, now);
        if (!verdict) {
          pr.error_code = code(to_kafka_error(verdict.error()));
          // Shortly after an append failed (a full disk is not sticky), a batch that does not continue the
          // sequence is most likely one pipelined behind the refused batch: answer it as the storage error it
          // follows, which clients retry in order, not as a desynchronisation (librdkafka fails or re-sequences
          // the producer on OUT_OF_ORDER_SEQUENCE_NUMBER right after KAFKA_STORAGE_ERROR).
          if (verdict.error() == producer::errc::out_of_order_sequence && p.last_append_failure_ms > 0 &&
              now - p.last_append_failure_ms < partition_state::storage_error_window_ms)
            pr.error_code = code(kafka_error::kafka_storage_error);
          pr.base_offset = -1;
          log_refused_batch(p, hdr, verdict.error());
          break;
        }
        if (verdict->kind == producer::verdict::duplicate) {
          // A retry of a batch already in the log: success with its original offsets, nothing appended.
          if (b == 0) pr.base_offset = verdict->original.base_offset;
          job.flush_to = std::max(job.flush_to, verdict->original.last_offset + 1);
          continue;
        }
        // split_batches framed (CRC included) these exact bytes in phase one.
        auto appended = p.log->append(job.batches[b], now, storage::partition_log::crc_check::caller_verified);
        if (!appended) {
          p.last_append_failure_ms = now;
          pr.error_code = code(to_kafka_error(appended.error()));
          spdlog::warn("append to {}-{} failed: {}", p.topic, p.id, appended.error().message());
          break;
        }
        p.bytes_in.inc(appended->size);
        p.records_in.inc(static_cast<std::uint64_t>(appended->records));
        hdr.base_offset = appended->base_offset.value();
        p.producers->record(hdr, now);
        if (b == 0) pr.base_offset = appended->base_offset.value();
        job.flush_to = std::max(job.flush_to, appended->last_offset.value() + 1);
      }
      pr.log_start_offset = p.log->start_offset().value();
      p.publish();
      p.wake_waiters();
    }
    job.batches.clear();  // views into the request bytes: not used after the append
    if (st.flushes) {
      auto wait = st.flushes;
      auto on_durable = [wait, i](status result) {
        if (!result) {
          std::lock_guard lk(wait->mu);
          wait->failures.emplace_back(i, result.error());
        }
        if (wait->remaining.fetch_sub(1) == 1) net::async_event::set_from_any_thread(wait->done);
      };
      if (job.flush_to < 0)
        on_durable(status{});  // nothing appended (refused, or the partition is gone): nothing to wait for
      else
        core.flusher.request(*p.log, offset(job.flush_to), on_durable);
    }
  }
  if (st.shards_left.fetch_sub(1) == 1 && st.appended) net::async_event::set_from_any_thread(st.appended);
}

/// Phase two (the appends are done): acks=0 answers nothing, acks=1 answers now, acks=-1 after every
/// partition's flush completed (a failed flush becomes that partition's error code). Owns the state.
net::response_task finish(std::shared_ptr<produce_state> st, broker_probe* probe, std::int32_t correlation_id,
                          std::int16_t version) {
  if (st->appended) co_await st->appended->wait();  // already set: phase one waited for it (acks 0 and 1)
  if (st->acks == 0) {
    probe->count_errors(st->resp);  // not sent, but the errors happened
    co_return std::nullopt;
  }
  if (st->flushes) {
    co_await st->flushes->done->wait();
    for (auto& [i, ec] : st->flushes->failures) {
      auto& job = st->jobs[i];
      st->resp.responses[job.topic_index].partition_responses[job.part_index].error_code = code(to_kafka_error(ec));
    }
  }
  co_return encode_counted(*probe, correlation_id, version, st->resp);
}

}  // namespace

net::awaitable<net::response_task> produce(request_context& ctx) {
  protocol::produce_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  auto& core = ctx.broker;
  const std::int16_t acks = req.acks;

  // A request naming a transactional id needs WRITE on it (its batches are then checked against the
  // producer's open transaction on each partition's owner shard).
  const bool txn_denied =
      req.transactional_id && !authorized(ctx, resource_type::transactional_id, *req.transactional_id,
                                          acl_operation::write);

  produce_resp_t resp;
  std::vector<partition_job> jobs;
  const std::int64_t append_time = wall_ms_now();  // LogAppendTime topics stamp every batch with it
  const auto broker_cfg = core.topics.config();     // dynamic broker defaults, as of this request
  for (auto& td : req.topic_data) {
    auto& tr = resp.responses.emplace_back();
    tr.name = td.name;
    // Once per topic, not per partition; a topic that may not be written is not looked up.
    const bool topic_denied = !txn_denied && !authorized(ctx, resource_type::topic, td.name, acl_operation::write);
    std::shared_ptr<const topic_state> topic;
    if (!txn_denied && !topic_denied) topic = core.topics.find_topic(td.name);
    for (auto& pd : td.partition_data) {
      auto& pr = tr.partition_responses.emplace_back();
      pr.index = pd.index;
      pr.base_offset = -1;
      if (txn_denied) {
        pr.error_code = code(kafka_error::transactional_id_authorization_failed);
        continue;
      }
      if (topic_denied) {
        pr.error_code = code(kafka_error::topic_authorization_failed);
        continue;
      }
      if (acks != 0 && acks != 1 && acks != -1) {
        pr.error_code = code(kafka_error::invalid_required_acks);
        continue;
      }
      partition_ptr target = partition_at(topic.get(), pd.index);
      if (!target) {
        pr.error_code = code(kafka_error::unknown_topic_or_partition);
        continue;
      }
      partition_job job;
      job.topic_index = resp.responses.size() - 1;
      job.part_index = tr.partition_responses.size() - 1;
      job.partition = std::move(target);
      kafka_error err = kafka_error::none;
      std::string why;
      const auto log_cfg = effective_log_config(*broker_cfg, topic->overrides);
      auto max_batch = static_cast<std::size_t>(log_cfg.max_batch_bytes);
      const auto policy = effective_produce_policy(*broker_cfg, topic->overrides);
      // Timestamps are only checked when they are the producer's (CreateTime), as Kafka.
      const auto times = policy.log_append_time ? timestamp_bounds{}
                                                : effective_timestamp_bounds(*broker_cfg, topic->overrides);
      if (pd.records.is_null ||
          !split_batches(pd.records.data, max_batch, times, req.transactional_id.has_value(), job.batches, err, why) ||
          (policy.changes_batches() && !apply_produce_policy(policy, max_batch, append_time, job, err, why))) {
        if (pd.records.is_null) {
          err = kafka_error::corrupt_message;
          why = "null record set";
        }
        pr.error_code = code(err);
        pr.error_message = why;
        spdlog::debug("produce to {}-{} from {} refused: {}", td.name, pd.index, ctx.conn.remote, why);
        continue;
      }
      if (log_cfg.compact) {
        if (auto keyless = first_record_without_key(job.batches)) {
          // Kafka's answer: INVALID_RECORD with the record's index (v8+), CORRUPT_MESSAGE before.
          pr.error_code = code(ctx.version >= 8 ? kafka_error::invalid_record : kafka_error::corrupt_message);
          pr.error_message = "Compacted topic cannot accept message without key in topic partition " + td.name +
                             "-" + std::to_string(pd.index) + ".";
          if (ctx.version >= 8) pr.record_errors.push_back({*keyless, pr.error_message});
          continue;
        }
      }
      if (policy.log_append_time) pr.log_append_time_ms = append_time;
      jobs.push_back(std::move(job));
    }
  }

  // Append on each owner shard, one hop per shard; for acks=-1 the same step asks the flusher, so a request
  // costs one round trip to the shard instead of two (10k single-message requests/s at acks=all: p50
  // 1.0 -> 0.8 ms, broker CPU 81 -> 76 s/GB). Phase one waits for the appends (acks 0 and 1): letting the
  // connection read on while they run was tried twice and made acks=1 slower. With several 1 MB request
  // buffers alive at once, glibc maps and unmaps them: 127,826 page faults in a 5 s run against 1,279, broker
  // 1.3-1.8 against 0.5-0.8 s/GB (2026-12-08; docs/BENCHMARKS.md, "Produce goals"); with the faults taken
  // away (glibc told to keep its heap) reading on gained nothing. Phase two waits for the flushes.
  // acks=-1 does not wait for the appends in phase one: the connection reads its next request at once, and
  // phase two's flush completion implies the appends (each job asks the flusher after its append). Order
  // is kept: a connection posts its requests' jobs to each owner shard in request order, and a shard runs
  // its posts in order, so one partition's batches are appended (and sequence-checked) in request order.
  // This saves the net loop one wake-up per request (the shard's "appended" post); at 10k msg/s acks=all the
  // broker answers about 5,000 requests/s (docs/BENCHMARKS.md, "Produce goals").
  auto st = std::make_shared<produce_state>();
  st->frame = std::move(ctx.frame);  // the batches are views into these bytes; moving keeps the buffer
  st->jobs = std::move(jobs);
  st->resp = std::move(resp);
  st->acks = acks;
  auto executor = co_await net::asio::this_coro::executor;
  if (acks != -1) st->appended = std::make_shared<net::async_event>(executor);
  if (acks == -1) {
    st->flushes = std::make_shared<flush_wait>();
    st->flushes->done = std::make_shared<net::async_event>(executor);
    st->flushes->remaining = static_cast<int>(st->jobs.size());
    if (st->jobs.empty()) st->flushes->done->set();
  }
  std::map<std::size_t, std::vector<std::size_t>> by_shard;
  for (std::size_t i = 0; i < st->jobs.size(); ++i) by_shard[st->jobs[i].partition->shard].push_back(i);
  st->shards_left = static_cast<int>(by_shard.size());
  if (by_shard.empty() && st->appended) st->appended->set();
  const std::int64_t now = wall_ms_now();
  for (auto& [shard, idxs] : by_shard)
    net::asio::post(core.shards.executor(shard), [st, idxs = std::move(idxs), now, &core] {
      append_on_owner_shard(core, *st, idxs, now);
    });
  if (st->appended) co_await st->appended->wait();
  co_return finish(std::move(st), &core.probe, ctx.header.correlation_id, ctx.version);
}

}  // namespace sd::broker::handlers
