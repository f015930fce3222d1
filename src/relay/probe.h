#pragma once
// The relay's metrics (streamdown_relay_*) and its /v1/relay status document, both read at request time from
// the spool's stats, the forwarder's counters and each source's counters (all thread-safe reads).
//
// Families: spool_{bytes,max_bytes,records,segments,oldest_record_age_seconds,appended_records_total,
// appended_bytes_total,syncs_total,full_rejections_total,gaps}, spool_dropped_records_total{policy},
// forwarded_{records,bytes}_total, forward_{skipped,rejected}_records_total, forward_in_flight_records,
// forward_resumes_total, forward_latency_seconds (histogram), upstream_up, upstream_state_seconds,
// upstream_errors_total, and per source {source,type}: source_{received,appended,rejected}_records_total,
// source_bytes_total, source_backpressure_total, source_errors_total, source_in_flight_records, source_lag,
// source_connections.

#include <memory>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "relay/config.h"
#include "relay/forwarder.h"
#include "relay/source.h"
#include "spool/spool.h"

namespace sd::metrics {
class text_writer;
}

namespace sd::relay {

nlohmann::json relay_status(const relay_config& config, const spool::spool& spool, const forwarder& fwd,
                            const std::vector<std::unique_ptr<source>>& sources,
                            const spool::recovery_report& recovery);

void write_relay_metrics(metrics::text_writer& w, const spool::spool& spool, const forwarder& fwd,
                         const std::vector<std::unique_ptr<source>>& sources);

}  // namespace sd::relay
