// OffsetCommit (key 8), v0-9 (flexible from v8; v9 names the generation "generation or member epoch", read
// as the generation since every group here is a classic group). Partitions of unknown topics get
// UNKNOWN_TOPIC_OR_PARTITION and metadata over 4096 bytes OFFSET_METADATA_TOO_LARGE; the rest is checked
// against the group (generation -1 with an empty member on an Empty group is a simple commit; stale
// generation 22; during CompletingRebalance 27; unknown member 25) and answered in phase two once the offsets
// log has synced it (acks=all durability). Authorisation (Kafka's): READ on the group, else every partition
// GROUP_AUTHORIZATION_FAILED and nothing is committed; then READ on each topic, else its partitions
// TOPIC_AUTHORIZATION_FAILED (before the existence check) while the authorised partitions are still
// committed.
#include "protocol/generated/offset_commit.h"

#include "broker/authorize.h"
#include "broker/handlers/group_common.h"

namespace sd::broker::handlers {
namespace {
constexpr std::size_t max_metadata_bytes = 4096;  // Kafka's offset.metadata.max.bytes default
}

net::awaitable<net::response_task> offset_commit(request_context& ctx) {
  protocol::offset_commit_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  protocol::offset_commit_response resp;
  if (!authorized(ctx, resource_type::group, req.group_id, acl_operation::read)) {
    for (auto& t : req.topics) {
      auto& tr = resp.topics.emplace_back();
      tr.name = t.name;
      for (auto& p : t.partitions) {
        auto& pr = tr.partitions.emplace_back();
        pr.partition_index = p.partition_index;
        pr.error_code = code(kafka_error::group_authorization_failed);
      }
    }
    co_return respond(ctx, resp);
  }
  group::commit_request cr;
  cr.group_id = req.group_id;
  cr.member_id = req.member_id;
  cr.instance_id = req.group_instance_id;
  cr.generation = ctx.version >= 1 ? req.generation_id_or_member_epoch : -1;
  std::vector<std::pair<std::size_t, std::size_t>> pending;  // (topic index, partition index) sent to the group
  for (auto& t : req.topics) {
    auto& tr = resp.topics.emplace_back();
    tr.name = t.name;
    const bool topic_denied = !authorized(ctx, resource_type::topic, t.name, acl_operation::read);
    std::shared_ptr<const topic_state> topic;
    if (!topic_denied) topic = ctx.broker.topics.find_topic(t.name);
    for (auto& p : t.partitions) {
      auto& pr = tr.partitions.emplace_back();
      pr.partition_index = p.partition_index;
      if (topic_denied) {
        pr.error_code = code(kafka_error::topic_authorization_failed);
        continue;
      }
      if (!topic || p.partition_index < 0 || static_cast<std::size_t>(p.partition_index) >= topic->partitions.size()) {
        pr.error_code = code(kafka_error::unknown_topic_or_partition);
        continue;
      }
      if (p.committed_metadata && p.committed_metadata->size() > max_metadata_bytes) {
        pr.error_code = code(kafka_error::offset_metadata_too_large);
        continue;
      }
      group::committed_offset c;
      c.offset = p.committed_offset;
      c.leader_epoch = ctx.version >= 6 ? p.committed_leader_epoch : -1;
      c.metadata = p.committed_metadata;
      c.commit_timestamp_ms = ctx.version == 1 ? p.commit_timestamp : -1;
      cr.offsets.emplace_back(group::topic_partition{t.name, p.partition_index}, std::move(c));
      pending.emplace_back(resp.topics.size() - 1, tr.partitions.size() - 1);
    }
  }
  if (pending.empty() && !req.group_id.empty()) co_return respond(ctx, resp);

  auto* coord = ctx.broker.groups;
  auto result = std::make_shared<deferred<std::error_code>>(co_await net::asio::this_coro::executor);
  auto call = [coord, cr = std::move(cr), cb = deferred<std::error_code>::completer(result)]() mutable {
    coord->manager().commit(std::move(cr), std::move(cb));
  };
  co_await net::run_on(coord->executor(), std::move(call));

  auto phase_two = [](std::shared_ptr<deferred<std::error_code>> d, broker_probe* probe, protocol::offset_commit_response out,
                      std::vector<std::pair<std::size_t, std::size_t>> sent, std::int32_t correlation_id,
                      std::int16_t version) -> net::response_task {
    co_await d->done->wait();
    auto err = group_code(*d->value);
    for (auto& [t, p] : sent) out.topics[t].partitions[p].error_code = err;
    co_return encode_counted(*probe, correlation_id, version, out);
  };
  co_return phase_two(result, &ctx.broker.probe, std::move(resp), std::move(pending), ctx.header.correlation_id, ctx.version);
}

}  // namespace sd::broker::handlers
