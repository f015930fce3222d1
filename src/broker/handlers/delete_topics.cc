// DeleteTopics (key 20), v0-6 (flexible from v4; v6 names topics by name or by id: an unknown id is
// UNKNOWN_TOPIC_ID, both at once INVALID_REQUEST; the answer carries the topic id). Each topic is
// unpublished, fenced on its shards, then removed from disk; see topic_table::delete_topic. Then every
// group's committed offsets for it are removed. Authorisation (Kafka's controller): DELETE on the cluster
// allows every topic; otherwise DELETE on the topic, checked before anything is deleted. A denied topic is
// TOPIC_AUTHORIZATION_FAILED, except that a topic the principal may DESCRIBE but that does not exist is
// UNKNOWN_TOPIC_OR_PARTITION: without DESCRIBE, the answer does not reveal whether the topic exists.
#include "protocol/generated/delete_topics.h"

#include <spdlog/spdlog.h>

#include "broker/authorize.h"
#include "broker/handlers/handlers.h"
#include "group/coordinator.h"

namespace sd::broker::handlers {
namespace {

constexpr std::int16_t first_version_with_ids = 6;

/// One requested topic, whichever version named it: by name (v0-5, or v6 with a zero id) or by id (v6).
/// `name` is resolved from the id; an id no topic has leaves it empty and `unknown_id` set.
struct deletion {
  std::string name;
  topic_uuid id{};
  bool by_id = false;
  bool unknown_id = false;
  bool both_given = false;  // v6 with a name and an id: INVALID_REQUEST, as Kafka
};

std::vector<deletion> requested(const request_context& ctx, protocol::delete_topics_request& req) {
  std::vector<deletion> out;
  if (ctx.version < first_version_with_ids) {
    for (auto& n : req.topic_names) out.push_back({std::move(n)});
    return out;
  }
  for (auto& t : req.topics) {
    deletion d;
    d.id = t.topic_id;
    d.by_id = t.topic_id != topic_uuid{};
    if (d.by_id && t.name) {
      d.both_given = true;
      d.name = *t.name;
    } else if (d.by_id) {
      auto found = ctx.broker.topics.find_topic_by_id(t.topic_id);
      if (found) d.name = found->name;
      d.unknown_id = !found;
    } else {
      d.name = t.name.value_or("");
    }
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace

net::awaitable<net::response_task> delete_topics(request_context& ctx) {
  protocol::delete_topics_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  protocol::delete_topics_response resp;
  std::vector<deletion> topics = requested(ctx, req);
  // Every topic is judged before any is deleted (the deletions below suspend).
  const bool cluster_delete =
      may(ctx, resource_type::cluster, security::cluster_resource_name, acl_operation::remove);
  std::vector<kafka_error> denied(topics.size(), kafka_error::none);
  for (std::size_t i = 0; i < topics.size(); ++i) {
    const auto& d = topics[i];
    if (d.both_given) {
      denied[i] = kafka_error::invalid_request;
      continue;
    }
    if (d.unknown_id) {
      denied[i] = kafka_error::unknown_topic_id;
      continue;
    }
    if (cluster_delete || authorized(ctx, resource_type::topic, d.name, acl_operation::remove)) continue;
    // Only a topic the principal may DESCRIBE is told apart as missing.
    denied[i] = may(ctx, resource_type::topic, d.name, acl_operation::describe) &&
                        !ctx.broker.topics.find_topic(d.name)
                    ? kafka_error::unknown_topic_or_partition
                    : kafka_error::topic_authorization_failed;
  }
  for (std::size_t i = 0; i < topics.size(); ++i) {
    const auto& d = topics[i];
    auto& r = resp.responses.emplace_back();
    r.topic_id = d.id;
    r.name = d.unknown_id ? std::nullopt : std::optional<std::string>(d.name);
    if (denied[i] != kafka_error::none) {
      r.error_code = code(denied[i]);
      continue;
    }
    // By id: delete only if the name still belongs to that id (not a topic re-created meanwhile).
    if (d.by_id) {
      auto now = ctx.broker.topics.find_topic(d.name);
      if (!now || now->id != d.id) {
        r.error_code = code(kafka_error::unknown_topic_id);
        continue;
      }
    } else if (ctx.version >= first_version_with_ids) {
      if (auto now = ctx.broker.topics.find_topic(d.name)) r.topic_id = now->id;
    }
    auto res = co_await ctx.broker.topics.delete_topic(d.name);
    r.error_code = code(res.error);
    if (!res.ok()) {
      r.error_message = res.message;
      continue;
    }
    if (auto* coord = ctx.broker.groups) {
      auto forget = [coord, topic = d.name] { return coord->manager().remove_topic_offsets(topic); };
      std::size_t removed = co_await net::run_on(coord->executor(), std::move(forget));
      if (removed > 0) spdlog::info("topic {} deleted: removed {} committed offset(s)", d.name, removed);
    }
  }
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
