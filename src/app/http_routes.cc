#include "app/http_routes.h"

#include <nlohmann/json.hpp>
#include <sstream>

namespace sd::app {
namespace {

void metric(std::ostringstream& o, const char* name, const char* type, const char* help, double value) {
  o << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n' << name << ' ' << value << '\n';
}

}  // namespace

void register_http_routes(http::http_server& http, broker::broker_core& core, net::server& kafka,
                          net::memory_budget& budget, const metrics::exposition& sections) {
  http.get("/v1/health", [](const http::request&) { return http::response{200, "application/json", R"({"status":"ok"})"}; });
  http.get("/v1/ready", [](const http::request&) { return http::response{200, "application/json", R"({"ready":true})"}; });

  http.get("/metrics", [&core, &kafka, &budget, &sections](const http::request&) {
    std::ostringstream o;
    auto& s = kafka.stats();
    metric(o, "streamdown_net_connections_accepted_total", "counter", "Kafka connections accepted",
           static_cast<double>(s.accepted_total.load()));
    metric(o, "streamdown_net_requests_total", "counter", "Kafka requests received",
           static_cast<double>(s.requests_total.load()));
    metric(o, "streamdown_net_refused_frames_total", "counter", "frames refused for their size",
           static_cast<double>(s.refused_frames_total.load()));
    metric(o, "streamdown_net_received_bytes_total", "counter", "bytes received on the Kafka port",
           static_cast<double>(s.bytes_received_total.load()));
    metric(o, "streamdown_net_sent_bytes_total", "counter", "bytes sent on the Kafka port",
           static_cast<double>(s.bytes_sent_total.load()));
    metric(o, "streamdown_net_memory_budget_bytes", "gauge", "in-flight request memory budget",
           static_cast<double>(budget.capacity()));
    metric(o, "streamdown_net_memory_in_use_bytes", "gauge", "in-flight request memory in use",
           static_cast<double>(budget.in_use()));
    metric(o, "streamdown_net_backpressure_seconds_total", "counter",
           "time connections waited for the memory budget", static_cast<double>(budget.blocked_ns_total()) / 1e9);
    o << "# HELP streamdown_storage_log_end_offset next offset to be written per partition\n"
         "# TYPE streamdown_storage_log_end_offset gauge\n";
    for (const auto& [name, t] : *core.topics.snapshot())
      for (const auto& p : t->partitions)
        o << "streamdown_storage_log_end_offset{topic=\"" << name << "\",partition=\"" << p->id << "\"} "
          << p->high_watermark.load() << '\n';
    o << sections.render();
    return http::response{200, "text/plain; version=0.0.4", o.str()};
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
