#pragma once
// The broker's HTTP endpoints: health, readiness, Prometheus metrics, and the read-only admin API.

#include "broker/broker_core.h"
#include "http/http_server.h"
#include "net/memory_budget.h"
#include "net/server.h"

namespace sd::app {

void register_http_routes(http::http_server& http, broker::broker_core& core, net::server& kafka,
                          net::memory_budget& budget);

}  // namespace sd::app
