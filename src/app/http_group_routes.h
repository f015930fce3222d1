#pragma once
// The admin API's consumer-group and alert endpoints (JSON), registered on the HTTP server by app/:
//
//   GET /v1/groups        [{"id","state","protocol_type","protocol","member_count","total_lag"}, ...]
//                         every group the coordinator knows, with or without members (total_lag: records)
//   GET /v1/groups/{id}   {"id","state","generation","protocol_type","protocol","leader",
//                          "members":[{"member_id","client_id","host","group_instance_id",
//                                      "assignment":[{"topic","partitions":[...]}] | null,
//                                      "assignment_bytes"}],
//                          "offsets":[{"topic","partition","committed_offset","high_watermark",
//                                      "lag_records","lag_seconds"}],
//                          "total_lag"}
//                         assignment is decoded from ConsumerProtocolAssignment when protocol_type is
//                         "consumer" (null otherwise or when it does not decode); 404 {"error"} when the
//                         group is unknown. {id} is percent-decoded.
//   GET /v1/alerts        [{"rule","kind","state","value","threshold","for_seconds","since","since_ms",
//                           "filters":{...},"labels":[{...}],"offending_count"}, ...]
//
// Group state is read on the coordinator shard (a blocking hop from the HTTP thread, bounded by a timeout:
// 503 when the coordinator does not answer in time); lag comes from lag_reporter.

#include "alerts/engine.h"
#include "app/http_access.h"
#include "app/lag_report.h"
#include "group/coordinator.h"
#include "http/http_server.h"

namespace sd::app {

void register_group_routes(http::http_server& http, group::coordinator& coordinator, lag_reporter& lag,
                           const http_access& access);
void register_alert_routes(http::http_server& http, const alerts::alert_engine& engine, const http_access& access);

using http::percent_decode;

}  // namespace sd::app
