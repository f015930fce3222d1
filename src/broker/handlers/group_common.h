#pragma once
// Shared by the group handlers (find_coordinator.cc ... offset_delete.cc): the hop to the coordinator shard
// and a one-shot result that a phase-two task awaits (net/deferred.h). The coordinator answers on its shard
// (JoinGroup, SyncGroup) or on the flusher thread (OffsetCommit).

#include <memory>
#include <optional>

#include "broker/handlers/handlers.h"
#include "broker/kafka_error.h"
#include "group/coordinator.h"
#include "net/deferred.h"
#include "net/event.h"
#include "net/shard_set.h"

namespace sd::broker::handlers {

using net::deferred;

inline std::int16_t group_code(std::error_code ec) { return code(to_kafka_error(ec)); }

/// "/host" of a "host:port" remote, as Kafka reports client hosts.
inline std::string client_host(const std::string& remote) {
  auto colon = remote.rfind(':');
  return "/" + (colon == std::string::npos ? remote : remote.substr(0, colon));
}

}  // namespace sd::broker::handlers
