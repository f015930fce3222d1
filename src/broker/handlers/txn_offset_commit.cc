// TxnOffsetCommit (key 28), v0-3 (flexible from v3; v3 adds the member id, generation and instance id,
// checked against the group as OffsetCommit does). The offsets are kept in the producer's transaction
// (txn::coordinator::txn_offset_commit) and reach the group only when it commits; an abort drops them. The
// group must have been added with AddOffsetsToTxn (else INVALID_TXN_STATE). Partitions of unknown topics get
// UNKNOWN_TOPIC_OR_PARTITION, metadata over 4096 bytes OFFSET_METADATA_TOO_LARGE; the others share the
// coordinator's answer. Authorisation (Kafka's): WRITE on the transactional id, READ on the group, READ on
// each topic. PRODUCER_FENCED from v3 (INVALID_PRODUCER_EPOCH before).
#include "protocol/generated/txn_offset_commit.h"

#include "broker/authorize.h"
#include "broker/handlers/txn_common.h"

namespace sd::broker::handlers {
namespace {
constexpr std::int16_t txn_offset_commit_fenced_from = 3;
constexpr std::size_t max_metadata_bytes = 4096;
}  // namespace

net::awaitable<net::response_task> txn_offset_commit(request_context& ctx) {
  protocol::txn_offset_commit_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  protocol::txn_offset_commit_response resp;
  std::int16_t request_error = 0;
  if (!authorized(ctx, resource_type::transactional_id, req.transactional_id, acl_operation::write)) {
    request_error = code(kafka_error::transactional_id_authorization_failed);
  } else if (!authorized(ctx, resource_type::group, req.group_id, acl_operation::read)) {
    request_error = code(kafka_error::group_authorization_failed);
  } else if (!ctx.broker.transactions) {
    request_error = code(kafka_error::coordinator_not_available);
  }
  group::commit_request cr;
  cr.group_id = req.group_id;
  cr.member_id = req.member_id;
  cr.instance_id = req.group_instance_id;
  cr.generation = req.generation_id;
  std::vector<std::pair<std::size_t, std::size_t>> pending;  // (topic index, partition index) sent on
  for (auto& t : req.topics) {
    auto& tr = resp.topics.emplace_back();
    tr.name = t.name;
    const bool topic_denied = request_error == 0 && !authorized(ctx, resource_type::topic, t.name, acl_operation::read);
    auto topic = ctx.broker.topics.find_topic(t.name);
    for (auto& p : t.partitions) {
      auto& pr = tr.partitions.emplace_back();
      pr.partition_index = p.partition_index;
      if (request_error != 0) {
        pr.error_code = request_error;
      } else if (topic_denied) {
        pr.error_code = code(kafka_error::topic_authorization_failed);
      } else if (!topic || p.partition_index < 0 ||
                 static_cast<std::size_t>(p.partition_index) >= topic->partitions.size()) {
        pr.error_code = code(kafka_error::unknown_topic_or_partition);
      } else if (p.committed_metadata && p.committed_metadata->size() > max_metadata_bytes) {
        pr.error_code = code(kafka_error::offset_metadata_too_large);
      } else {
        group::committed_offset c;
        c.offset = p.committed_offset;
        c.leader_epoch = p.committed_leader_epoch;
        c.metadata = p.committed_metadata;
        cr.offsets.emplace_back(group::topic_partition{t.name, p.partition_index}, std::move(c));
        pending.emplace_back(resp.topics.size() - 1, tr.partitions.size() - 1);
      }
    }
  }
  if (pending.empty()) co_return respond(ctx, resp);
  auto ec = co_await on_txn_coordinator(
      ctx.broker, ctx.broker.transactions->txn_offset_commit(req.transactional_id, req.producer_id,
                                                             req.producer_epoch, std::move(cr)));
  const auto err = txn_code(ec, ctx.version, txn_offset_commit_fenced_from);
  for (auto& [t, p] : pending) resp.topics[t].partitions[p].error_code = err;
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
