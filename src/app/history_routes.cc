#include "app/history_routes.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "alerts/runner.h"
#include "base/clock.h"
#include "protocol/generated/api_keys.h"

namespace sd::app {

const std::vector<std::string>& history_series_names() {
  static const std::vector<std::string> names = {
      "produce_records_per_second", "produce_bytes_per_second", "fetch_records_per_second",
      "fetch_bytes_per_second",     "connections",              "memory_in_use_bytes",
      "memory_budget_bytes",        "backpressure_seconds_per_second", "log_bytes",
      "disk_free_bytes",            "disk_total_bytes",         "group_lag_records",
      "produce_latency_p50_seconds", "produce_latency_p99_seconds", "fetch_latency_p99_seconds"};
  return names;
}

std::vector<history_reading> gather_broker_history(const history_sources& s) {
  std::vector<history_reading> out;
  double produced_records = 0, produced_bytes = 0, fetched_records = 0, fetched_bytes = 0, log_bytes = 0;
  std::map<std::string, double> topic_records;
  const auto snap = s.topics.snapshot();  // held: a temporary would die before the loop ends
  for (const auto& [name, t] : *snap) {
    double topic_total = 0;
    for (const auto& p : t->partitions) topic_total += static_cast<double>(p->records_in.value());
    if (s.rates) topic_records.emplace(name, topic_total);
    for (const auto& p : t->partitions) {
      produced_records += static_cast<double>(p->records_in.value());
      produced_bytes += static_cast<double>(p->bytes_in.value());
      fetched_records += static_cast<double>(p->records_out.value());
      fetched_bytes += static_cast<double>(p->bytes_out.value());
      log_bytes += static_cast<double>(p->size_bytes.load(std::memory_order_relaxed));
    }
  }
  auto counter = [&out](const char* name, double total) { out.push_back({name, {}, total, true}); };
  auto gauge = [&out](const char* name, double v) { out.push_back({name, {}, v, false}); };
  counter("produce_records_per_second", produced_records);
  counter("produce_bytes_per_second", produced_bytes);
  counter("fetch_records_per_second", fetched_records);
  counter("fetch_bytes_per_second", fetched_bytes);
  gauge("connections", static_cast<double>(s.net.open.load(std::memory_order_relaxed)));
  gauge("memory_in_use_bytes", static_cast<double>(s.budget.in_use()));
  gauge("memory_budget_bytes", static_cast<double>(s.budget.capacity()));
  counter("backpressure_seconds_per_second", static_cast<double>(s.budget.blocked_ns_total()) / 1e9);
  gauge("log_bytes", log_bytes);
  if (auto d = alerts::read_disk_usage(s.data_dir)) {
    gauge("disk_free_bytes", static_cast<double>(d->free_bytes));
    gauge("disk_total_bytes", static_cast<double>(d->total_bytes));
  }
  if (s.rates) s.rates->update(wall_ms_now(), topic_records);
  if (s.probe && s.previous_latency) {
    auto produce = s.probe->latency(static_cast<std::size_t>(protocol::api_key::produce));
    auto fetch = s.probe->latency(static_cast<std::size_t>(protocol::api_key::fetch));
    auto& prev = *s.previous_latency;
    if (auto v = metrics::quantile_between(prev.produce, produce, 0.50)) gauge("produce_latency_p50_seconds", *v);
    if (auto v = metrics::quantile_between(prev.produce, produce, 0.99)) gauge("produce_latency_p99_seconds", *v);
    if (auto v = metrics::quantile_between(prev.fetch, fetch, 0.99)) gauge("fetch_latency_p99_seconds", *v);
    prev.produce = std::move(produce);
    prev.fetch = std::move(fetch);
  }
  if (s.lag) {
    if (auto rows = s.lag->collect_blocking(std::nullopt, /*with_seconds=*/false)) {
      for (const auto& r : *rows) {
        if (r.lag.lag < 0) continue;  // partition unknown
        out.push_back({"group_lag_records",
                       {{"group", r.lag.group}, {"topic", r.lag.topic}, {"partition", std::to_string(r.lag.partition)}},
                       static_cast<double>(r.lag.lag),
                       false});
      }
    }
  }
  return out;
}

void register_history_routes(http::http_server& http, const history_store& store, const http_access& access) {
  using json = nlohmann::json;
  http.get("/v1/history", [&store, &access](const http::request& req) -> http::response {
    if (!access.allowed_cluster(req, security::acl_operation::describe))
      return http_access::forbidden("DESCRIBE", "CLUSTER", security::cluster_resource_name);
    std::vector<std::string> names;
    std::int64_t since_ms = INT64_MIN;
    if (auto it = req.query.find("since"); it != req.query.end()) {
      try {
        std::size_t used = 0;
        since_ms = std::stoll(it->second, &used);
        if (used != it->second.size()) throw std::invalid_argument("trailing");
      } catch (const std::exception&) {
        return {400, "application/json", json{{"error", "since must be epoch milliseconds"}, {"code", "invalid_request"}}.dump()};
      }
    }
    history_labels label_filter;
    for (const char* label : {"group", "topic"})
      if (auto it = req.query.find(label); it != req.query.end()) label_filter.emplace_back(label, it->second);
    if (auto it = req.query.find("series"); it != req.query.end()) {
      std::string list = it->second;
      for (std::size_t pos = 0; pos <= list.size();) {
        auto comma = list.find(',', pos);
        if (comma == std::string::npos) comma = list.size();
        if (comma > pos) names.push_back(list.substr(pos, comma - pos));
        pos = comma + 1;
      }
      const auto& known = history_series_names();
      for (const auto& n : names)
        if (std::find(known.begin(), known.end(), n) == known.end())
          return {400, "application/json", json{{"error", "unknown series '" + n + "'"}, {"series", known}}.dump()};
    }
    json series = json::array();
    for (auto& s : store.read(names, since_ms, label_filter)) {
      json labels = json::object();
      for (auto& [k, v] : s.labels) labels[k] = v;
      json points = json::array();
      for (const auto& p : s.points) points.push_back(json::array({p.t_ms, p.value}));
      series.push_back({{"name", s.name}, {"labels", std::move(labels)}, {"points", std::move(points)}});
    }
    json body{{"interval_ms", store.config().interval.count()},
              {"capacity", store.config().capacity},
              {"series", std::move(series)}};
    return {200, "application/json", body.dump()};
  });
}

}  // namespace sd::app
