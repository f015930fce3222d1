// ListOffsets (key 2), v0-8 (flexible from v6). Timestamp -2: log start offset; -1: the end the reader may
// see (partition_state::visible_end: the high watermark, or under read_committed, v2+, the last stable
// offset; a timestamp lookup finding a record at or past it answers -1 as well); -3 (v7,
// MAX_TIMESTAMP): the record with the largest timestamp; -4 (v8, EARLIEST_LOCAL): the log start offset, as
// every segment is local; otherwise the offset and timestamp of the first record with timestamp >= the
// target, as Kafka answers: storage finds the first batch whose MaxTimestamp reaches the target (index
// lookup), then that one batch is decoded (decompressed if needed) to find the record. -1 when no record is
// that late. v0 answers in old_style_offsets. v4+ checks the client's leader epoch against ours (always 0): a
// larger one is UNKNOWN_LEADER_EPOCH (the client knows a newer leader than this node; it refreshes metadata).
// Authorisation: DESCRIBE on each topic, else TOPIC_AUTHORIZATION_FAILED for its partitions (existence not
// revealed).
#include "protocol/generated/list_offsets.h"

#include "broker/authorize.h"
#include "broker/handlers/handlers.h"
#include "protocol/record_batch.h"
#include "storage/read_result.h"

namespace sd::broker::handlers {
namespace {

using list_offsets_resp_t = protocol::list_offsets_response;
using list_offsets_part_t = list_offsets_resp_t::list_offsets_topic_response::list_offsets_partition_response;

constexpr std::int64_t latest = -1;
constexpr std::int64_t earliest = -2;
constexpr std::int64_t max_timestamp = -3;
constexpr std::int64_t earliest_local = -4;
constexpr std::int32_t leader_epoch = 0;  // this node has always led every partition

/// The first record at or after `from` with timestamp >= ts, within the batch that starts the read at
/// `from`. Falls back to the batch's base offset when the batch cannot be decoded (it passed its CRC on
/// append, so that only happens if the disk changed under us).
void find_record(storage::partition_log& log, offset from, std::int64_t ts, list_offsets_part_t& out) {
  out.offset = from.value();
  out.timestamp = ts;
  storage::read_options opts;
  opts.min_one_batch = true;
  auto r = log.read(from, 1, opts);  // exactly the first batch
  if (!r || r->empty()) return;
  auto raw = storage::copy_to_bytes(*r);
  if (!raw) return;
  auto decoded = protocol::read_batch(*raw);
  if (!decoded) return;
  for (const auto& rec : decoded->records) {
    if (rec.offset >= from.value() && rec.timestamp >= ts) {
      out.offset = rec.offset;
      out.timestamp = rec.timestamp;
      return;
    }
  }
}

}  // namespace

net::awaitable<net::response_task> list_offsets(request_context& ctx) {
  protocol::list_offsets_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  auto& core = ctx.broker;
  const isolation level = ctx.version >= 2 ? isolation_from_wire(req.isolation_level) : isolation::read_uncommitted;
  list_offsets_resp_t resp;
  for (auto& t : req.topics) {
    auto& tr = resp.topics.emplace_back();
    tr.name = t.name;
    if (!authorized(ctx, resource_type::topic, t.name, acl_operation::describe)) {
      for (auto& rp : t.partitions) {
        auto& out = tr.partitions.emplace_back();
        out.partition_index = rp.partition_index;
        out.error_code = code(kafka_error::topic_authorization_failed);
      }
      continue;
    }
    auto topic = core.topics.find_topic(t.name);
    for (auto& rp : t.partitions) {
      list_offsets_part_t out;
      out.partition_index = rp.partition_index;
      partition_ptr p = partition_at(topic.get(), rp.partition_index);
      if (!p) {
        out.error_code = code(kafka_error::unknown_topic_or_partition);
        tr.partitions.push_back(std::move(out));
        continue;
      }
      if (rp.current_leader_epoch > leader_epoch) {
        out.error_code = code(kafka_error::unknown_leader_epoch);
        tr.partitions.push_back(std::move(out));
        continue;
      }
      const std::int64_t ts = rp.timestamp;
      out.leader_epoch = leader_epoch;
      list_offsets_part_t gone = out;
      gone.error_code = code(kafka_error::unknown_topic_or_partition);
      auto lookup = [ts, out, level](partition_state& ps) mutable {
        const std::int64_t visible = ps.visible_end(level);
        if (ts == latest) {
          out.offset = visible;
        } else if (ts == earliest || ts == earliest_local) {
          out.offset = ps.log->start_offset().value();
        } else if (ts == max_timestamp) {
          auto found = ps.log->find_max_timestamp();
          if (!found) {
            out.error_code = code(to_kafka_error(found.error()));
          } else if (*found) {
            find_record(*ps.log, (*found)->batch_base, (*found)->timestamp, out);
          }
        } else {
          auto found = ps.log->offset_for_timestamp(ts);
          if (!found) {
            out.error_code = code(to_kafka_error(found.error()));
          } else if (*found) {
            find_record(*ps.log, **found, ts, out);
          }
        }
        if (ts != latest && ts != earliest && ts != earliest_local && out.offset >= visible) {
          out.offset = -1;  // not visible to this reader yet
          out.timestamp = -1;
        }
        return out;
      };
      out = co_await core.on_partition(p, std::move(lookup), std::move(gone));
      if (ctx.version == 0 && out.error_code == 0 && out.offset >= 0) {
        out.old_style_offsets = {out.offset};
        if (rp.max_num_offsets <= 0) out.old_style_offsets.clear();
      }
      tr.partitions.push_back(std::move(out));
    }
  }
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
