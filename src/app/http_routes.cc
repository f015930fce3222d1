#include "app/http_routes.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <optional>

#include <nlohmann/json.hpp>

#include "app/http_query.h"
#include "broker/topic_config.h"

namespace sd::app {

using security::acl_operation;
using security::resource_type;

namespace {

/// What the topic list shows of one topic: totals over its partitions and its produce rate.
nlohmann::json topic_summary(const broker::topic_state& t, const topic_rates* rates) {
  std::int64_t records = 0;
  std::uint64_t bytes = 0, segments = 0;
  for (const auto& p : t.partitions) {
    records += std::max<std::int64_t>(0, p->high_watermark.load() - p->log_start.load());
    bytes += p->size_bytes.load(std::memory_order_relaxed);
    segments += p->segment_count.load(std::memory_order_relaxed);
  }
  return {{"name", t.name},
          {"partitions", t.partitions.size()},
          {"records", records},
          {"size_bytes", bytes},
          {"segments", segments},
          {"produce_records_per_second", rates ? rates->rate(t.name) : 0.0}};
}

}  // namespace

void register_http_routes(http::http_server& http, broker::broker_core& core, const metrics::exposition& metrics,
                          const http_access& access, bool metrics_need_describe, const topic_rates* rates) {
  http.get("/v1/health", [](const http::request&) { return http::response{200, "application/json", R"({"status":"ok"})"}; });
  http.get("/v1/ready", [](const http::request&) { return http::response{200, "application/json", R"({"ready":true})"}; });

  http.get("/metrics", [&metrics, &access, metrics_need_describe](const http::request& req) {
    if (metrics_need_describe && !access.allowed_cluster(req, acl_operation::describe))
      return http_access::forbidden("DESCRIBE", "CLUSTER", security::cluster_resource_name);
    return http::response{200, "text/plain; version=0.0.4; charset=utf-8", metrics.render()};
  });

  // Topics: DESCRIBE on each (the list leaves out the others, as Metadata does). Paged: offset, limit (at most
  // 1000), filter (a substring of the name); X-Total-Count is the number that matched before paging.
  http.get("/v1/topics", [&core, &access, rates](const http::request& req) {
    auto limit = query_int(req, "limit", 1000, 1, 1000);
    auto offset = query_int(req, "offset", 0, 0, INT32_MAX);
    if (!limit || !offset)
      return http::response{400, "application/json", R"({"error":"offset and limit must be numbers","code":"invalid_request"})"};
    const auto filter = req.query.count("filter") ? req.query.at("filter") : std::string();
    auto cfg = core.topics.config();
    nlohmann::json out = nlohmann::json::array();
    std::int64_t matched = 0;
    const auto snap = core.topics.snapshot();  // held: a temporary would die before the loop ends
    for (const auto& [name, t] : *snap) {
      if (!filter.empty() && name.find(filter) == std::string::npos) continue;
      if (!access.may(req, resource_type::topic, name, acl_operation::describe)) continue;
      if (matched++ < *offset || static_cast<std::int64_t>(out.size()) >= *limit) continue;
      auto summary = topic_summary(*t, rates);
      const auto log = broker::effective_log_config(*cfg, t->overrides);
      summary["retention_ms"] = log.retention_ms;
      summary["retention_bytes"] = log.retention_bytes;
      out.push_back(std::move(summary));
    }
    http::response r{200, "application/json", out.dump()};
    r.headers.emplace_back("X-Total-Count", std::to_string(matched));
    return r;
  });
  http.get_prefix("/v1/topics/", [&core, &access, rates](const http::request& req) {
    auto name = req.path.substr(std::string("/v1/topics/").size());
    if (!access.allowed(req, resource_type::topic, name, acl_operation::describe))
      return http_access::forbidden("DESCRIBE", "TOPIC", name);
    auto t = core.topics.find_topic(name);
    if (!t) return http::response{404, "application/json", R"({"error":"no such topic","code":"unknown_topic_or_partition"})"};
    nlohmann::json parts = nlohmann::json::array();
    for (const auto& p : t->partitions) {
      const auto start = p->log_start.load(), end = p->high_watermark.load();
      parts.push_back({{"partition", p->id},
                       {"log_start_offset", start},
                       {"high_watermark", end},
                       {"records", std::max<std::int64_t>(0, end - start)},
                       {"size_bytes", p->size_bytes.load(std::memory_order_relaxed)},
                       {"segments", p->segment_count.load(std::memory_order_relaxed)}});
    }
    nlohmann::json effective = nlohmann::json::object();
    for (const auto& e : broker::describe_topic_config(*core.topics.config(), t->overrides)) effective[e.name] = e.value;
    auto out = topic_summary(*t, rates);
    out["partitions"] = std::move(parts);
    out["configs"] = t->overrides;
    out["effective_configs"] = std::move(effective);
    return http::response{200, "application/json", out.dump()};
  });
}

}  // namespace sd::app
