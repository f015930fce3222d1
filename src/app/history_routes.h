#pragma once
// The broker's history series (app/history.h) and GET /v1/history (docs/HTTP_API.md).
//
// Series, one point per second for 15 minutes:
//   produce_records_per_second, produce_bytes_per_second, fetch_records_per_second, fetch_bytes_per_second
//     (Produce and Fetch traffic of every topic, from the per-partition counters),
//   connections (Kafka connections open), memory_in_use_bytes, memory_budget_bytes (the in-flight request
//   budget), backpressure_seconds_per_second (time connections waited for that budget, per second),
//   log_bytes (every partition's segment files), disk_free_bytes, disk_total_bytes (the data directory's
//   file system), group_lag_records {group, topic, partition} (every group with committed offsets),
//   produce_latency_p50_seconds, produce_latency_p99_seconds, fetch_latency_p99_seconds (over the requests
//   completed in that second, from the request-latency histograms; no point in a second without requests;
//   Fetch latency includes the long-poll wait a consumer asks for).

#include <memory>
#include <string>
#include <vector>

#include "app/history.h"
#include "app/http_access.h"
#include "app/lag_report.h"
#include "broker/probe.h"
#include "broker/topic_table.h"
#include "http/http_server.h"
#include "net/memory_budget.h"
#include "net/probe.h"

namespace sd::app {

/// Every series name the broker records, in the order above.
const std::vector<std::string>& history_series_names();

struct history_sources {
  const broker::topic_table& topics;
  const net::net_probe& net;
  const net::memory_budget& budget;
  std::string data_dir;
  lag_reporter* lag = nullptr;  // null: no group_lag_records
  const broker::broker_probe* probe = nullptr;  // null: no latency series
  topic_rates* rates = nullptr;                 // null: per-topic rates not kept
  /// The latency histograms as of the previous round (the sampler's own; quantiles are over the difference).
  struct latency_memory {
    metrics::histogram_snapshot produce, fetch;
  };
  std::shared_ptr<latency_memory> previous_latency = std::make_shared<latency_memory>();
};

/// One round of readings (blocks for the lag report: call it from the recorder's thread).
std::vector<history_reading> gather_broker_history(const history_sources& s);

/// GET /v1/history[?series=a,b]: every series (or those named; an unknown name is 400 with the known ones)
/// as {"interval_ms", "capacity", "series": [{"name", "labels", "points": [[t_ms, value], ...]}]}.
/// Needs DESCRIBE on the cluster, as /v1/alerts.
void register_history_routes(http::http_server& http, const history_store& store, const http_access& access);

}  // namespace sd::app
