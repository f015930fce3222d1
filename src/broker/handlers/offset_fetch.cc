// OffsetFetch (key 9), v1-5. Null topics (v2+) = every partition the group committed; otherwise exactly the
// partitions asked for, -1 (no error) where nothing is committed, also for unknown groups.
// Authorisation (Kafka's): DESCRIBE on the group first, else GROUP_AUTHORIZATION_FAILED (the top-level error
// from v2, each requested partition's in v1). Named topics need DESCRIBE, else their partitions are answered
// TOPIC_AUTHORIZATION_FAILED without asking the group; the all-topics answer leaves out the topics the
// principal may not describe (no error, no denial counted).
#include "broker/authorize.h"
#include "broker/handlers/group_common.h"
#include "protocol/generated/offset_fetch.h"

namespace sd::broker::handlers {
namespace {

using offset_fetch_resp_t = protocol::offset_fetch_response;
using offset_fetch_part_t = offset_fetch_resp_t::offset_fetch_response_topic::offset_fetch_response_partition;

/// A partition answered with `e` and nothing committed (Kafka's INVALID_OFFSET, NO_METADATA).
offset_fetch_part_t partition_error(std::int32_t index, kafka_error e) {
  offset_fetch_part_t pr;
  pr.partition_index = index;
  pr.committed_offset = -1;
  pr.metadata = "";
  pr.error_code = code(e);
  return pr;
}

constexpr std::int16_t first_version_with_top_level_error = 2;

}  // namespace

net::awaitable<net::response_task> offset_fetch(request_context& ctx) {
  protocol::offset_fetch_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  offset_fetch_resp_t resp;
  if (!authorized(ctx, resource_type::group, req.group_id, acl_operation::describe)) {
    if (ctx.version >= first_version_with_top_level_error) {
      resp.error_code = code(kafka_error::group_authorization_failed);
    } else if (req.topics) {
      for (auto& t : *req.topics) {
        auto& tr = resp.topics.emplace_back();
        tr.name = t.name;
        for (auto p : t.partition_indexes)
          tr.partitions.push_back(partition_error(p, kafka_error::group_authorization_failed));
      }
    }
    co_return respond(ctx, resp);
  }
  if (req.group_id.empty()) {
    resp.error_code = code(kafka_error::invalid_group_id);
    co_return respond(ctx, resp);
  }
  std::vector<bool> denied;  // per requested topic; empty: none denied
  std::optional<std::vector<group::topic_partition>> which;
  if (req.topics) {
    which.emplace();
    for (std::size_t i = 0; i < req.topics->size(); ++i) {
      const auto& t = (*req.topics)[i];
      if (!authorized(ctx, resource_type::topic, t.name, acl_operation::describe)) {
        if (denied.empty()) denied.resize(req.topics->size());
        denied[i] = true;
        continue;
      }
      for (auto p : t.partition_indexes) which->push_back({t.name, p});
    }
  }
  auto* coord = ctx.broker.groups;
  auto call = [coord, g = std::move(req.group_id), which = std::move(which)] {
    return coord->manager().fetch(g, which);
  };
  std::vector<group::fetched_offset> got = co_await net::run_on(coord->executor(), std::move(call));
  auto add = [&resp](const group::fetched_offset& f) {
    if (resp.topics.empty() || resp.topics.back().name != f.tp.topic) resp.topics.emplace_back().name = f.tp.topic;
    auto& pr = resp.topics.back().partitions.emplace_back();
    pr.partition_index = f.tp.partition;
    pr.committed_offset = f.offset;
    pr.committed_leader_epoch = f.leader_epoch;
    pr.metadata = f.metadata.value_or("");
  };
  if (!req.topics) {
    // Every committed topic, less those the principal may not describe (got is grouped by topic: ask once each).
    const std::string* last = nullptr;
    bool visible = true;
    for (auto& f : got) {
      if (!last || *last != f.tp.topic) {
        last = &f.tp.topic;
        visible = may(ctx, resource_type::topic, f.tp.topic, acl_operation::describe);
      }
      if (visible) add(f);
    }
  } else if (denied.empty()) {
    for (auto& f : got) add(f);
  } else {
    // Request order: a denied topic's partitions where it was asked for, the others as the group answered.
    std::size_t next = 0;
    for (std::size_t i = 0; i < req.topics->size(); ++i) {
      const auto& t = (*req.topics)[i];
      if (!denied[i]) {
        for (std::size_t k = 0; k < t.partition_indexes.size(); ++k) add(got[next++]);
        continue;
      }
      auto& tr = resp.topics.emplace_back();
      tr.name = t.name;
      for (auto p : t.partition_indexes)
        tr.partitions.push_back(partition_error(p, kafka_error::topic_authorization_failed));
    }
  }
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
