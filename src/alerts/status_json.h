#pragma once
// The JSON document of GET /v1/alerts (the broker's and the relay's): one object per rule with its kind, state,
// value (null without data), threshold, for_seconds, since (RFC 3339 UTC, null if never changed), since_ms,
// filters, offending labels and their count.

#include <nlohmann/json.hpp>

#include "alerts/engine.h"

namespace sd::alerts {

nlohmann::json status_json(const alert_engine& engine);

}  // namespace sd::alerts
