// OffsetDelete (key 47), v0: removes committed offsets of a group. A partition whose topic an active member of
// a "consumer" group subscribes to gets GROUP_SUBSCRIBED_TO_TOPIC (86); an unknown group GROUP_ID_NOT_FOUND.
// Subscriptions are read from the members' ConsumerProtocolSubscription metadata (opaque to the group module).
// Authorisation (Kafka's): DELETE on the group, else GROUP_AUTHORIZATION_FAILED (top level) and nothing is
// deleted; then READ on each topic, else its partitions TOPIC_AUTHORIZATION_FAILED (not sent to the group).
#include <algorithm>

#include "base/byte_reader.h"
#include "broker/authorize.h"
#include "broker/handlers/group_common.h"
#include "protocol/generated/consumer_protocol_subscription.h"
#include "protocol/generated/offset_delete.h"

namespace sd::broker::handlers {
namespace {

bool subscribes(const sd::bytes& metadata, const std::string& topic) {
  byte_reader r(byte_span(metadata.data(), metadata.size()));
  auto ver = r.read_i16();
  if (!r.ok() || ver < 0) return true;  // unreadable: assume in use, never delete under a live member
  protocol::consumer_protocol_subscription sub;
  sub.decode(r, std::min<std::int16_t>(ver, protocol::consumer_protocol_subscription::max_version));
  if (!r.ok()) return true;
  return std::find(sub.topics.begin(), sub.topics.end(), topic) != sub.topics.end();
}

}  // namespace

net::awaitable<net::response_task> offset_delete(request_context& ctx) {
  protocol::offset_delete_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  protocol::offset_delete_response resp;
  if (!authorized(ctx, resource_type::group, req.group_id, acl_operation::remove)) {
    resp.error_code = code(kafka_error::group_authorization_failed);
    co_return respond(ctx, resp);
  }
  std::vector<bool> denied;  // per request topic; empty: none denied
  for (std::size_t i = 0; i < req.topics.size(); ++i) {
    if (authorized(ctx, resource_type::topic, req.topics[i].name, acl_operation::read)) continue;
    if (denied.empty()) denied.resize(req.topics.size());
    denied[i] = true;
  }
  auto is_denied = [&denied](std::size_t i) { return !denied.empty() && denied[i]; };
  std::vector<group::topic_partition> tps;
  for (std::size_t i = 0; i < req.topics.size(); ++i) {
    if (is_denied(i)) continue;
    for (auto& p : req.topics[i].partitions) tps.push_back({req.topics[i].name, p.partition_index});
  }
  auto* coord = ctx.broker.groups;
  using out_t = std::pair<std::error_code, std::vector<std::error_code>>;
  auto call = [coord, g = req.group_id, tps = std::move(tps)] {
    out_t out;
    out.second = coord->manager().delete_offsets(g, tps, subscribes, out.first);
    return out;
  };
  out_t got = co_await net::run_on(coord->executor(), std::move(call));
  resp.error_code = group_code(got.first);
  if (!got.first) {
    std::size_t i = 0;
    for (std::size_t ti = 0; ti < req.topics.size(); ++ti) {
      auto& t = req.topics[ti];
      auto& tr = resp.topics.emplace_back();
      tr.name = t.name;
      for (auto& p : t.partitions) {
        auto& pr = tr.partitions.emplace_back();
        pr.partition_index = p.partition_index;
        pr.error_code = is_denied(ti) ? code(kafka_error::topic_authorization_failed) : group_code(got.second.at(i++));
      }
    }
  }
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
