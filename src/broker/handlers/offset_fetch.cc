// OffsetFetch (key 9), v1-9 (flexible from v6; v7 adds require_stable: a partition whose offset an open
// transaction is about to commit is answered UNSTABLE_OFFSET_COMMIT, which clients retry; v8+ asks for several groups at once, each answered with its own error; v9's member id and
// epoch belong to KIP-848 groups and are ignored for the classic groups here). Null topics (v2+) = every
// partition the group committed; otherwise exactly the partitions asked for, -1 (no error) where nothing is
// committed, also for unknown groups.
// Authorisation (Kafka's): DESCRIBE on the group first, else GROUP_AUTHORIZATION_FAILED (the group's error
// from v2, each requested partition's in v1). Named topics need DESCRIBE, else their partitions are answered
// TOPIC_AUTHORIZATION_FAILED without asking the group; the all-topics answer leaves out the topics the
// principal may not describe (no error, no denial counted).
#include "protocol/generated/offset_fetch.h"

#include "broker/authorize.h"
#include "broker/handlers/group_common.h"
#include "txn/coordinator.h"

namespace sd::broker::handlers {
namespace {

constexpr std::int16_t first_version_with_top_level_error = 2;
constexpr std::int16_t first_version_with_groups = 8;

/// One group's request, whichever version carried it.
struct group_ask {
  std::string group_id;
  bool require_stable = false;
  std::optional<std::vector<std::pair<std::string, std::vector<std::int32_t>>>> topics;  // null: all
};

struct partition_answer {
  std::int32_t index = 0;
  std::int64_t offset = -1;
  std::int32_t leader_epoch = -1;
  std::string metadata;
  std::int16_t error_code = 0;
};

/// One group's answer, whichever version carries it.
struct group_answer {
  std::int16_t error_code = 0;
  std::vector<std::pair<std::string, std::vector<partition_answer>>> topics;
};

partition_answer partition_error(std::int32_t index, kafka_error e) {
  partition_answer p;
  p.index = index;
  p.error_code = code(e);
  return p;
}

net::awaitable<group_answer> fetch_one(request_context& ctx, group_ask ask) {
  group_answer out;
  if (!authorized(ctx, resource_type::group, ask.group_id, acl_operation::describe)) {
    if (ctx.version >= first_version_with_top_level_error) {
      out.error_code = code(kafka_error::group_authorization_failed);
    } else if (ask.topics) {
      for (auto& [name, parts] : *ask.topics) {
        auto& tr = out.topics.emplace_back(name, std::vector<partition_answer>{});
        for (auto p : parts) tr.second.push_back(partition_error(p, kafka_error::group_authorization_failed));
      }
    }
    co_return out;
  }
  if (ask.group_id.empty()) {
    out.error_code = code(kafka_error::invalid_group_id);
    co_return out;
  }
  std::vector<bool> denied;  // per requested topic; empty: none denied
  std::optional<std::vector<group::topic_partition>> which;
  if (ask.topics) {
    which.emplace();
    for (std::size_t i = 0; i < ask.topics->size(); ++i) {
      const auto& [name, parts] = (*ask.topics)[i];
      if (!authorized(ctx, resource_type::topic, name, acl_operation::describe)) {
        if (denied.empty()) denied.resize(ask.topics->size());
        denied[i] = true;
        continue;
      }
      for (auto p : parts) which->push_back({name, p});
    }
  }
  auto* coord = ctx.broker.groups;
  // The transaction coordinator runs on the same shard: asked in the same hop.
  auto* txns = ask.require_stable ? ctx.broker.transactions : nullptr;
  auto call = [coord, txns, g = ask.group_id, which = std::move(which)] {
    auto got = coord->manager().fetch(g, which);
    std::vector<bool> unstable(got.size());
    if (txns)
      for (std::size_t i = 0; i < got.size(); ++i) unstable[i] = txns->has_pending_offsets(g, got[i].tp);
    return std::make_pair(std::move(got), std::move(unstable));
  };
  auto answered = co_await net::run_on(coord->executor(), std::move(call));
  const std::vector<group::fetched_offset>& got = answered.first;
  const std::vector<bool>& unstable = answered.second;
  const group::fetched_offset* first = got.data();
  auto add = [&out, &unstable, first](const group::fetched_offset& f) {
    if (out.topics.empty() || out.topics.back().first != f.tp.topic)
      out.topics.emplace_back(f.tp.topic, std::vector<partition_answer>{});
    if (unstable[static_cast<std::size_t>(&f - first)]) {
      out.topics.back().second.push_back(partition_error(f.tp.partition, kafka_error::unstable_offset_commit));
      return;
    }
    auto& pr = out.topics.back().second.emplace_back();
    pr.index = f.tp.partition;
    pr.offset = f.offset;
    pr.leader_epoch = f.leader_epoch;
    pr.metadata = f.metadata.value_or("");
  };
  if (!ask.topics) {
    // Every committed topic, less those the principal may not describe (got is grouped by topic: ask once
    // each).
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
    for (std::size_t i = 0; i < ask.topics->size(); ++i) {
      const auto& [name, parts] = (*ask.topics)[i];
      if (!denied[i]) {
        for (std::size_t k = 0; k < parts.size(); ++k) add(got[next++]);
        continue;
      }
      auto& tr = out.topics.emplace_back(name, std::vector<partition_answer>{});
      for (auto p : parts) tr.second.push_back(partition_error(p, kafka_error::topic_authorization_failed));
    }
  }
  co_return out;
}

/// Copies an answer into either version's topic list (the v0-7 and v8+ structs have the same fields).
template <class TopicList>
void fill_topics(group_answer& a, TopicList& out) {
  for (auto& [name, parts] : a.topics) {
    auto& t = out.emplace_back();
    t.name = std::move(name);
    for (auto& p : parts) {
      auto& o = t.partitions.emplace_back();
      o.partition_index = p.index;
      o.committed_offset = p.offset;
      o.committed_leader_epoch = p.leader_epoch;
      o.metadata = std::move(p.metadata);
      o.error_code = p.error_code;
    }
  }
}

template <class TopicList>
std::optional<std::vector<std::pair<std::string, std::vector<std::int32_t>>>> asked_topics(
    const std::optional<TopicList>& t) {
  if (!t) return std::nullopt;
  std::vector<std::pair<std::string, std::vector<std::int32_t>>> out;
  for (const auto& x : *t) out.emplace_back(x.name, x.partition_indexes);
  return out;
}

}  // namespace

net::awaitable<net::response_task> offset_fetch(request_context& ctx) {
  protocol::offset_fetch_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  protocol::offset_fetch_response resp;
  if (ctx.version >= first_version_with_groups) {
    for (auto& g : req.groups) {
      group_ask ask{g.group_id, req.require_stable, asked_topics(g.topics)};
      group_answer a = co_await fetch_one(ctx, std::move(ask));
      auto& out = resp.groups.emplace_back();
      out.group_id = std::move(g.group_id);
      out.error_code = a.error_code;
      fill_topics(a, out.topics);
    }
    co_return respond(ctx, resp);
  }
  group_ask ask{std::move(req.group_id), ctx.version >= 7 && req.require_stable, asked_topics(req.topics)};
  group_answer a = co_await fetch_one(ctx, std::move(ask));
  resp.error_code = a.error_code;
  fill_topics(a, resp.topics);
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
