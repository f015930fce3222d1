#include "app/http_routes.h"

#include <nlohmann/json.hpp>

namespace sd::app {

void register_http_routes(http::http_server& http, broker::broker_core& core, const metrics::exposition& metrics) {
  http.get("/v1/health", [](const http::request&) { return http::response{200, "application/json", R"({"status":"ok"})"}; });
  http.get("/v1/ready", [](const http::request&) { return http::response{200, "application/json", R"({"ready":true})"}; });

  http.get("/metrics", [&metrics](const http::request&) {
    return http::response{200, "text/plain; version=0.0.4; charset=utf-8", metrics.render()};
  });

  http.get("/v1/topics", [&core](const http::request&) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& [name, t] : *core.topics.snapshot())
      out.push_back({{"name", name}, {"partitions", t->partitions.size()}});
    return http::response{200, "application/json", out.dump()};
  });
  http.get_prefix("/v1/topics/", [&core](const http::request& req) {
    auto name = req.path.substr(std::string("/v1/topics/").size());
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
