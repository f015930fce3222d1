#pragma once
// The alerts' section of /metrics (metrics/exposition.h):
//   streamdown_alerts_firing{alert}              gauge, 1 while the rule fires, else 0
//   streamdown_alerts_pending{alert}             gauge, 1 while the condition holds but for_seconds has not passed
//   streamdown_alerts_transitions_total{alert,to} counter, state changes into `to` (pending, firing, inactive)

#include "alerts/engine.h"
#include "metrics/text_writer.h"

namespace sd::alerts {

void write_alert_metrics(metrics::text_writer& w, const alert_engine& engine);

}  // namespace sd::alerts
