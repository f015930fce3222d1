#include "app/http_routes.h"

#include <nlohmann/json.hpp>

namespace sd::app {

using security::acl_operation;
using security::resource_type;

void register_http_routes(http::http_server& http, broker::broker_core& core, const metrics::exposition& metrics,
                          const http_access& access, bool metrics_need_describe) {
  http.get("/v1/health", [](const http::request&) { return http::response{200, "application/json", R"({"status":"ok"})"}; });
  http.get("/v1/ready", [](const http::request&) { return http::response{200, "application/json", R"({"ready":true})"}; });

  http.get("/metrics", [&metrics, &access, metrics_need_describe](const http::request& req) {
    if (metrics_need_describe && !access.allowed_cluster(req, acl_operation::describe))
      return http_access::forbidden("DESCRIBE", "CLUSTER", security::cluster_resource_name);
    return http::response{200, "text/plain; version=0.0.4; charset=utf-8", metrics.render()};
  });

  // Topics: DESCRIBE on each (the list leaves out the others, as Metadata does).
  http.get("/v1/topics", [&core, &access](const http::request& req) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& [name, t] : *core.topics.snapshot())
      if (access.may(req, resource_type::topic, name, acl_operation::describe))
        out.push_back({{"name", name}, {"partitions", t->partitions.size()}});
    return http::response{200, "application/json", out.dump()};
  });
  http.get_prefix("/v1/topics/", [&core, &access](const http::request& req) {
    auto name = req.path.substr(std::string("/v1/topics/").size());
    if (!access.allowed(req, resource_type::topic, name, acl_operation::describe))
      return http_access::forbidden("DESCRIBE", "TOPIC", name);
    auto t = core.topics.find_topic(name);
    if (!t) return http::response{404, "application/json", R"({"error":"no such topic"})"};
    nlohmann::json parts = nlohmann::json::array();
    for (const auto& p : t->partitions)
      parts.push_back({{"partition", p->id},
                       {"log_start_offset", p->log_start.load()},
                       {"high_watermark", p->high_watermark.load()}});
    nlohmann::json out = {{"name", name}, {"partitions", parts}, {"configs", t->overrides}};
    return http::response{200, "application/json", out.dump()};
  });
}

}  // namespace sd::app
