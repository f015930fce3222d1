#pragma once
// The broker's HTTP endpoints: health, readiness, Prometheus metrics, and the read-only admin API.

#include "broker/broker_core.h"
#include "http/http_server.h"
#include "metrics/exposition.h"
#include "net/memory_budget.h"
#include "net/server.h"

namespace sd::app {

/// `sections` (group lag, alerts) are rendered after the built-in metrics on every /metrics scrape.
void register_http_routes(http::http_server& http, broker::broker_core& core, net::server& kafka,
                          net::memory_budget& budget, const metrics::exposition& sections);

}  // namespace sd::app
