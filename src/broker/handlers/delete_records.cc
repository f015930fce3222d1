// DeleteRecords (key 21), v0-2 (flexible from v2): raise a partition's log start offset. Offset -1 means the
// high watermark. An offset past the high watermark is OFFSET_OUT_OF_RANGE. Answers the new low watermark.
// Authorisation: DELETE on each topic, else TOPIC_AUTHORIZATION_FAILED for its partitions (existence not
// revealed).
#include "protocol/generated/delete_records.h"

#include "broker/authorize.h"
#include "broker/handlers/handlers.h"

namespace sd::broker::handlers {

net::awaitable<net::response_task> delete_records(request_context& ctx) {
  protocol::delete_records_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  auto& core = ctx.broker;
  protocol::delete_records_response resp;
  using part_t = protocol::delete_records_response::delete_records_topic_result::delete_records_partition_result;
  for (auto& t : req.topics) {
    auto& tr = resp.topics.emplace_back();
    tr.name = t.name;
    if (!authorized(ctx, resource_type::topic, t.name, acl_operation::remove)) {
      for (auto& rp : t.partitions) {
        auto& out = tr.partitions.emplace_back();
        out.partition_index = rp.partition_index;
        out.low_watermark = -1;
        out.error_code = code(kafka_error::topic_authorization_failed);
      }
      continue;
    }
    auto topic = core.topics.find_topic(t.name);
    for (auto& rp : t.partitions) {
      part_t out;
      out.partition_index = rp.partition_index;
      out.low_watermark = -1;
      partition_ptr p = partition_at(topic.get(), rp.partition_index);
      if (!p) {
        out.error_code = code(kafka_error::unknown_topic_or_partition);
        tr.partitions.push_back(out);
        continue;
      }
      part_t gone = out;
      gone.error_code = code(kafka_error::unknown_topic_or_partition);
      const std::int64_t requested = rp.offset;
      auto truncate = [requested, out](partition_state& ps) mutable {
            auto hw = ps.delivery_end_now();  // the high watermark consumers see (delayed records are not deleted)
            auto target = requested == -1 ? hw : requested;
            if (target < 0 || target > hw) {
              out.error_code = code(kafka_error::offset_out_of_range);
            } else if (auto st = ps.log->delete_records_before(offset(target)); !st) {
              out.error_code = code(to_kafka_error(st.error()));
            }
            ps.publish();
            out.low_watermark = ps.log->start_offset().value();
            return out;
          };
      out = co_await core.on_partition(p, std::move(truncate), std::move(gone));
      tr.partitions.push_back(out);
    }
  }
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
