// DescribeProducers (key 61), v0 (flexible): the idempotent producers a partition currently remembers
// (producer/producer_state.h), for tools such as kafka-transactions.sh --describe-producers. Expired producers
// are dropped first. current_txn_start_offset is the first offset of the producer's transaction open on the
// partition (-1: none); coordinator_epoch is 0 for a producer that has one (one coordinator, never moved), else -1.
// Authorisation: READ on each topic, else TOPIC_AUTHORIZATION_FAILED for its partitions (existence not
// revealed).
#include "base/clock.h"
#include "broker/authorize.h"
#include "broker/handlers/handlers.h"
#include "protocol/generated/describe_producers.h"

namespace sd::broker::handlers {

net::awaitable<net::response_task> describe_producers(request_context& ctx) {
  protocol::describe_producers_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  auto& core = ctx.broker;
  protocol::describe_producers_response resp;
  using part_t = protocol::describe_producers_response::topic_response::partition_response;
  for (auto& t : req.topics) {
    auto& tr = resp.topics.emplace_back();
    tr.name = t.name;
    if (!authorized(ctx, resource_type::topic, t.name, acl_operation::read)) {
      for (auto index : t.partition_indexes) {
        auto& out = tr.partitions.emplace_back();
        out.partition_index = index;
        out.error_code = code(kafka_error::topic_authorization_failed);
      }
      continue;
    }
    auto topic = core.topics.find_topic(t.name);
    for (auto index : t.partition_indexes) {
      part_t out;
      out.partition_index = index;
      partition_ptr p = partition_at(topic.get(), index);
      if (!p) {
        out.error_code = code(kafka_error::unknown_topic_or_partition);
        tr.partitions.push_back(std::move(out));
        continue;
      }
      part_t gone = out;
      gone.error_code = code(kafka_error::unknown_topic_or_partition);
      auto describe = [out](partition_state& ps) mutable {
        ps.producers->expire(wall_ms_now());
        for (const auto& e : ps.producers->entries()) {
          auto& s = out.active_producers.emplace_back();
          s.producer_id = e.producer_id;
          s.producer_epoch = e.epoch;
          s.last_sequence = e.batches.empty() ? -1 : e.batches.back().last_seq;
          s.last_timestamp = e.batches.empty() ? -1 : e.batches.back().timestamp;
          s.coordinator_epoch = e.txn_first_offset >= 0 ? 0 : -1;
          s.current_txn_start_offset = e.txn_first_offset;
        }
        return out;
      };
      tr.partitions.push_back(co_await core.on_partition(p, std::move(describe), std::move(gone)));
    }
  }
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
