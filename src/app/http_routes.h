#pragma once
// The broker's HTTP endpoints: health, readiness, Prometheus metrics, and the topic listing and description
// (GET /v1/topics[?offset&limit&filter], GET /v1/topics/{name}; the changing admin routes are the gateway's).
// GET /metrics renders `metrics` (its sections are registered at start-up: app/metrics_sections.h); a probe
// that breaks the exposition contract turns the scrape into a 500, never into an invalid page.

#include "app/history.h"
#include "app/http_access.h"
#include "broker/broker_core.h"
#include "http/http_server.h"
#include "metrics/exposition.h"

namespace sd::app {

/// `rates` (may be null): per-topic produce rates for the topic list, kept by the history sampler.
void register_http_routes(http::http_server& http, broker::broker_core& core, const metrics::exposition& metrics,
                          const http_access& access, bool metrics_need_describe, const topic_rates* rates = nullptr);

}  // namespace sd::app
