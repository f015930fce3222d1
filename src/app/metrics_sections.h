#pragma once
// The /metrics page's sections, one per module probe, registered at start-up in this order: net, broker,
// storage, producer, group. More sections (consumer lag, alerts) are added by app/ with
// metrics::exposition::add_section before the HTTP server starts. Every section only reads atomics or
// thread-safe snapshots, so a scrape never takes a lock on the Kafka hot path.

#include "broker/broker_core.h"
#include "metrics/exposition.h"
#include "net/memory_budget.h"
#include "net/probe.h"
#include "storage/log_manager.h"

namespace sd::group {
class coordinator;
}
namespace sd::txn {
class coordinator;
}

namespace sd::app {

struct metric_sources {
  const net::net_probe& net;
  const net::memory_budget& budget;
  const broker::broker_core& core;       // request probe, topic table (traffic, sizes, producer state)
  storage::log_manager& logs;            // storage probe, flusher rounds
  group::coordinator* groups = nullptr;  // may be null (no group section then)
  txn::coordinator* transactions = nullptr;  // may be null (no transaction section then)
};

/// Adds the per-module sections. Everything referenced must outlive the exposition's last render.
void add_module_sections(metrics::exposition& exposition, const metric_sources& sources);

}  // namespace sd::app
