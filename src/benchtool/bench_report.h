#pragma once
// The result of one `streamdown bench` run, as text and as JSON (field names are a contract: bench/run-all
// and the integration test read them).

#include <cstdint>
#include <string>

#include "benchtool/bench_options.h"
#include "benchtool/latency_histogram.h"

namespace sd::benchtool {

struct bench_result {
  std::uint64_t messages = 0;       // delivered (produce) or received (consume)
  std::uint64_t bytes = 0;          // value bytes of those messages
  std::uint64_t errors = 0;         // failed deliveries / consumer errors
  double elapsed_s = 0.0;           // first send (or first Fetch request written) to last delivery (or last message)
  double startup_s = 0.0;           // consume: start of the run to the first Fetch request (client start-up)
  std::uint64_t fetch_requests = 0;        // consume: Fetch requests the client wrote
  std::uint64_t fetch_response_bytes = 0;  // consume: Fetch response bytes it received
  double fetch_rtt_s = 0.0;  // consume: summed time from each Fetch request written to its response read in full
  latency_histogram latency_ns;     // produce: ack latency; consume: empty
  bool latency_from_intended = false;
  double client_cpu_s = 0.0;
  double broker_cpu_s = -1.0;       // < 0: unknown
};

/// JSON object (one line) with: workload, brokers, topic, size, partitions, acks, linger_ms, compression,
/// idempotence, rate, count, bytes, errors, elapsed_s, msg_per_s, mb_per_s (1e6 bytes), latency_us {p50, p99,
/// p999, max, mean, samples, from}, client_cpu_s, client_cpu_s_per_gb, broker_cpu_s, broker_cpu_s_per_gb
/// (GB = 1e9 value bytes; the broker fields are null without --broker-pid); consume adds startup_s,
/// fetch_requests, fetch_response_bytes and fetch_rtt_s.
std::string to_json(const bench_options& o, const bench_result& r);
/// Human-readable summary, a few lines.
std::string to_text(const bench_options& o, const bench_result& r);

}  // namespace sd::benchtool
