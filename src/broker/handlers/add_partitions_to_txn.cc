// AddPartitionsToTxn (key 24), v0-3 (flexible from v3; v4+ is the brokers' batched form, not advertised).
// Adds partitions to the producer's transaction (txn::coordinator::add_partitions), which lets its epoch
// write transactional batches there. Every partition must exist and be writable, else the request adds
// nothing: the bad ones get UNKNOWN_TOPIC_OR_PARTITION or TOPIC_AUTHORIZATION_FAILED and the rest
// OPERATION_NOT_ATTEMPTED (Kafka's answer). Authorisation: WRITE on the transactional id (else
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED everywhere), WRITE on each topic. PRODUCER_FENCED from v2.
#include "protocol/generated/add_partitions_to_txn.h"

#include "broker/authorize.h"
#include "broker/handlers/txn_common.h"

namespace sd::broker::handlers {
namespace {
constexpr std::int16_t add_partitions_to_txn_fenced_from = 2;
}

net::awaitable<net::response_task> add_partitions_to_txn(request_context& ctx) {
  protocol::add_partitions_to_txn_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  protocol::add_partitions_to_txn_response resp;
  const bool txn_denied =
      !authorized(ctx, resource_type::transactional_id, req.v3_and_below_transactional_id, acl_operation::write);
  std::vector<txn::topic_partition> tps;
  bool any_failed = false;
  for (const auto& t : req.v3_and_below_topics) {
    auto& tr = resp.results_by_topic_v3_and_below.emplace_back();
    tr.name = t.name;
    const bool topic_denied = !txn_denied && !authorized(ctx, resource_type::topic, t.name, acl_operation::write);
    for (auto p : t.partitions) {
      auto& pr = tr.results_by_partition.emplace_back();
      pr.partition_index = p;
      txn::topic_partition tp{t.name, p};
      if (txn_denied) {
        pr.partition_error_code = code(kafka_error::transactional_id_authorization_failed);
      } else if (topic_denied) {
        pr.partition_error_code = code(kafka_error::topic_authorization_failed);
        any_failed = true;
      } else if (!ctx.broker.transactions || !ctx.broker.topics.find(t.name, p)) {
        pr.partition_error_code = code(kafka_error::unknown_topic_or_partition);
        any_failed = true;
      } else {
        tps.push_back(std::move(tp));
      }
    }
  }
  auto set_all = [&](std::int16_t err, bool only_unset) {
    for (auto& tr : resp.results_by_topic_v3_and_below)
      for (auto& pr : tr.results_by_partition)
        if (!only_unset || pr.partition_error_code == 0) pr.partition_error_code = err;
  };
  if (txn_denied) co_return respond(ctx, resp);
  if (any_failed) {
    set_all(code(kafka_error::operation_not_attempted), true);
    co_return respond(ctx, resp);
  }
  if (tps.empty()) co_return respond(ctx, resp);
  auto ec = co_await on_txn_coordinator(
      ctx.broker, ctx.broker.transactions->add_partitions(req.v3_and_below_transactional_id,
                                                          req.v3_and_below_producer_id,
                                                          req.v3_and_below_producer_epoch, std::move(tps)));
  set_all(txn_code(ec, ctx.version, add_partitions_to_txn_fenced_from), false);
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
