#pragma once
// broker_app: ordered start-up and shutdown of `streamdown broker`.
//
// Start-up: logging -> file layer (fault injection from STREAMDOWN_FAULT_* when set: tests only) -> storage
// (takes the data-dir lock, recovers every partition) -> broker metadata and topic table -> flusher ->
// event loops -> Kafka and HTTP listeners -> one line `listening kafka=HOST:PORT http=HOST:PORT` on stdout.
// Nothing listens before recovery has finished.
//
// Shutdown (SIGTERM/SIGINT): stop accepting, stop reading requests, let queued responses go out (bounded by
// streamdown.shutdown.grace.ms), stop the event loops, complete pending flushes, close every log (final
// fdatasync and the clean-shutdown marker), release the lock.

#include <vector>

#include "alerts/rule.h"
#include "broker/broker_config.h"

namespace sd::app {

/// Runs the broker until a termination signal. Returns the process exit code. Throws std::runtime_error
/// with a clear message for start-up failures.
int run_broker(const broker::broker_config& config, std::vector<alerts::alert_rule> alert_rules = {});

}  // namespace sd::app
