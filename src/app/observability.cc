#include "app/observability.h"

#include <spdlog/spdlog.h>

#include "alerts/alert_metrics.h"
#include "app/http_group_routes.h"
#include "base/clock.h"

namespace sd::app {

observability::observability(group::coordinator& coordinator, broker::topic_table& topics,
                             net::shard_set& storage_loops, observability_config cfg)
    : _coordinator(coordinator),
      _cfg(std::move(cfg)),
      _lag(coordinator, topics, storage_loops),
      _engine(_cfg.rules, wall_ms_now()),
      _runner(_engine, [this] { return gather(); }, _cfg.eval_interval) {
  for (const auto& r : _cfg.rules)
    spdlog::info("alert rule '{}': {} {} {}{}", r.name, alerts::kind_name(r.kind),
                 alerts::breaches_below(r.kind) ? "<" : ">", r.threshold,
                 r.for_ms > 0 ? " for " + std::to_string(r.for_ms) + " ms" : std::string());
}

alerts::alert_inputs observability::gather() {
  alerts::alert_inputs in;
  if (_engine.needs_lag()) {
    auto rows = _lag.collect_blocking(std::nullopt, _engine.needs_lag_seconds());
    if (!rows) spdlog::warn("alerts: the group coordinator did not answer; lag rules see no data this round");
    if (rows)
      for (auto& r : *rows) in.lag.push_back({r.lag.group, r.lag.topic, r.lag.partition, r.lag.lag, r.seconds});
  }
  if (_engine.needs_errors() && _cfg.errors_total) in.errors_total = _cfg.errors_total();
  if (_engine.needs_disk()) in.disk = alerts::read_disk_usage(_cfg.data_dir);
  return in;
}

void observability::add_metric_sections(metrics::exposition& e) {
  e.add_section([this](metrics::text_writer& w) {
    if (auto rows = _lag.collect_blocking(std::nullopt, true)) write_lag_metrics(w, *rows);
  });
  e.add_section([this](metrics::text_writer& w) { alerts::write_alert_metrics(w, _engine); });
}

void observability::register_routes(http::http_server& http, const http_access& access, stall_sources stall) {
  register_group_routes(http, _coordinator, _lag, access, stall);
  register_alert_routes(http, _engine, access);
}

void observability::start() { _runner.start(); }
void observability::stop() { _runner.stop(); }

}  // namespace sd::app
