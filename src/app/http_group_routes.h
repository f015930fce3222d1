#pragma once
// The admin API's consumer-group and alert endpoints (JSON), registered on the HTTP server by app/:
//
//   GET /v1/groups[?offset&limit&filter]
//                         [{"id","state","protocol_type","protocol","member_count","total_lag","stalled"}, ...]
//                         every group the coordinator knows, with or without members (total_lag: records;
//                         stalled: partitions with a stall diagnosis), sorted by id, paged (limit at most
//                         1000; filter: a substring of the id); X-Total-Count: groups matched before paging
//   GET /v1/groups/{id}   {"id","state","generation","protocol_type","protocol","leader",
//                          "members":[{"member_id","client_id","host","group_instance_id",
//                                      "assignment":[{"topic","partitions":[...]}] | null,
//                                      "assignment_bytes","last_fetch_ms"}],
//                          "offsets":[{"topic","partition","committed_offset","high_watermark",
//                                      "lag_records","lag_seconds","member_id","stall"}],
//                          "total_lag","rebalances_recent"}
//                         stall: null or {"reason","detail"} (app/stall_diagnosis.h); member_id: the member
//                         assigned the partition or null; last_fetch_ms: that client's latest Fetch (or null);
//                         rebalances_recent: generation changes in the last 10 minutes
//                         assignment is decoded from ConsumerProtocolAssignment when protocol_type is
//                         "consumer" (null otherwise or when it does not decode); 404 {"error"} when the
//                         group is unknown. {id} is percent-decoded.
//   GET /v1/alerts        [{"rule","kind","state","value","threshold","for_seconds","since","since_ms",
//                           "filters":{...},"labels":[{...}],"offending_count"}, ...]
//
// Group state is read on the coordinator shard (a blocking hop from the HTTP thread, bounded by a timeout:
// 503 when the coordinator does not answer in time); lag comes from lag_reporter.

#include "alerts/engine.h"
#include "app/history.h"
#include "app/http_access.h"
#include "app/lag_report.h"
#include "broker/fetch_activity.h"
#include "group/coordinator.h"
#include "http/http_server.h"

namespace sd::app {

/// What the stall diagnosis reads besides the group: recent fetches and the lag history (either may be null:
/// then the diagnoses that need it are not made).
struct stall_sources {
  const broker::fetch_activity* fetchers = nullptr;
  const history_store* history = nullptr;
};

void register_group_routes(http::http_server& http, group::coordinator& coordinator, lag_reporter& lag,
                           const http_access& access, stall_sources stall = {});
void register_alert_routes(http::http_server& http, const alerts::alert_engine& engine, const http_access& access);

using http::percent_decode;

}  // namespace sd::app
