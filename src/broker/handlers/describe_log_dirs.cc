// DescribeLogDirs (key 35), v0-4 (flexible from v2): the one log directory (log.dirs) with the size of each
// requested partition (null topics: every partition; unknown topics and partitions are left out, as Kafka
// does), offset lag 0 (no replica is behind on one node) and, from v4, the file system's total and usable
// bytes. Sizes are the ones each partition publishes after every change, so nothing waits on a shard.
// Authorisation (Kafka's): DESCRIBE on the cluster, else CLUSTER_AUTHORIZATION_FAILED (top level from v3;
// before v3 the answer is simply empty).
#include "protocol/generated/describe_log_dirs.h"

#include <sys/statvfs.h>

#include "broker/authorize.h"
#include "broker/handlers/handlers.h"

namespace sd::broker::handlers {
namespace {

constexpr std::int16_t first_version_with_top_level_error = 3;

using result_t = protocol::describe_log_dirs_response::describe_log_dirs_result;
using topic_t = result_t::describe_log_dirs_topic;

void describe_partitions(const topic_state& t, const std::vector<std::int32_t>* which, topic_t& out) {
  auto add = [&out](const partition_state& p) {
    auto& o = out.partitions.emplace_back();
    o.partition_index = p.id;
    o.partition_size = static_cast<std::int64_t>(p.size_bytes.load(std::memory_order_relaxed));
    o.offset_lag = 0;
  };
  if (!which) {
    for (const auto& p : t.partitions) add(*p);
    return;
  }
  for (auto index : *which)
    if (auto p = partition_at(&t, index)) add(*p);
}

}  // namespace

net::awaitable<net::response_task> describe_log_dirs(request_context& ctx) {
  protocol::describe_log_dirs_request req;
  if (!decode_request(ctx, req)) co_return close_connection();
  auto& core = ctx.broker;
  protocol::describe_log_dirs_response resp;
  if (!authorized_cluster(ctx, acl_operation::describe)) {
    if (ctx.version >= first_version_with_top_level_error)
      resp.error_code = code(kafka_error::cluster_authorization_failed);
    co_return respond(ctx, resp);
  }
  auto& dir = resp.results.emplace_back();
  dir.log_dir = core.config.data_dir;
  struct statvfs fs {};
  if (::statvfs(core.config.data_dir.c_str(), &fs) == 0) {
    dir.total_bytes = static_cast<std::int64_t>(fs.f_blocks) * static_cast<std::int64_t>(fs.f_frsize);
    dir.usable_bytes = static_cast<std::int64_t>(fs.f_bavail) * static_cast<std::int64_t>(fs.f_frsize);
  }
  if (!req.topics) {
    const auto snap = core.topics.snapshot();  // held: a temporary would die before the loop ends
    for (const auto& [name, t] : *snap) {
      auto& out = dir.topics.emplace_back();
      out.name = name;
      describe_partitions(*t, nullptr, out);
    }
    co_return respond(ctx, resp);
  }
  for (const auto& want : *req.topics) {
    auto t = core.topics.find_topic(want.topic);
    if (!t) continue;
    topic_t out;
    out.name = want.topic;
    describe_partitions(*t, &want.partitions, out);
    if (!out.partitions.empty()) dir.topics.push_back(std::move(out));
  }
  co_return respond(ctx, resp);
}

}  // namespace sd::broker::handlers
