#pragma once
// The broker's HTTP endpoints: health, readiness, Prometheus metrics, and the read-only admin API.
// GET /metrics renders `metrics` (its sections are registered at start-up: app/metrics_sections.h); a probe
// that breaks the exposition contract turns the scrape into a 500, never into an invalid page.

#include "app/http_access.h"
#include "broker/broker_core.h"
#include "http/http_server.h"
#include "metrics/exposition.h"

namespace sd::app {

void register_http_routes(http::http_server& http, broker::broker_core& core, const metrics::exposition& metrics,
                          const http_access& access, bool metrics_need_describe);

}  // namespace sd::app
