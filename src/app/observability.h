#pragma once
// observability: what app/ wires for consumer lag and alerts: the lag reporter (group lag in records and
// seconds), the alert engine and its evaluation thread, their /metrics sections and their HTTP routes
// (app/http_group_routes.h).
//
// Lifecycle: construct after the coordinator and topic table exist; add_metric_sections and register_routes
// before the HTTP server starts; start() once the storage loops and the coordinator run; stop() before the
// storage loops stop (the alert thread's gathering hops onto them).

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "alerts/engine.h"
#include "alerts/rule.h"
#include "alerts/runner.h"
#include "app/http_access.h"
#include "app/http_group_routes.h"
#include "app/lag_report.h"
#include "http/http_server.h"
#include "metrics/exposition.h"

namespace sd::app {

struct observability_config {
  std::string data_dir;                          // statvfs target of the disk_free_* rules
  std::vector<alerts::alert_rule> rules;
  std::chrono::milliseconds eval_interval{1000};  // streamdown.alerts.eval.interval.ms
  /// The broker's total error count, for error_rate rules. Any thread; must be cheap.
  std::function<std::uint64_t()> errors_total;
};

class observability {
 public:
  observability(group::coordinator& coordinator, broker::topic_table& topics, net::shard_set& storage_loops,
                observability_config cfg);
  ~observability() { stop(); }

  void add_metric_sections(metrics::exposition& e);
  void register_routes(http::http_server& http, const http_access& access, stall_sources stall = {});
  void start();
  void stop();

  lag_reporter& lag() { return _lag; }
  alerts::alert_engine& alerts() { return _engine; }

 private:
  alerts::alert_inputs gather();

  group::coordinator& _coordinator;
  observability_config _cfg;
  lag_reporter _lag;
  alerts::alert_engine _engine;
  alerts::alert_runner _runner;
};

}  // namespace sd::app
