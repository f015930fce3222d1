#pragma once
// net_probe: the network module's metrics (streamdown_net_*). Updated on the hot path with relaxed atomic
// adds only; read at scrape time by collect(). One per Kafka listener (net::server owns it).

#include <atomic>
#include <cstdint>

#include "metrics/text_writer.h"

namespace sd::net {

class memory_budget;

struct net_probe {
  std::atomic<std::uint64_t> accepted_total{0};
  std::atomic<std::uint64_t> closed_total{0};
  std::atomic<std::int64_t> open{0};  // accepted and not yet closed
  std::atomic<std::uint64_t> requests_total{0};
  std::atomic<std::uint64_t> refused_frames_total{0};
  std::atomic<std::uint64_t> tls_handshake_failures_total{0};  // TLS listeners: handshakes that failed or timed out
  std::atomic<std::uint64_t> bytes_received_total{0};
  std::atomic<std::uint64_t> bytes_sent_total{0};
  std::atomic<std::uint64_t> file_bytes_sendfile_total{0};  // file-slice bytes sent with sendfile
  std::atomic<std::uint64_t> file_bytes_copied_total{0};    // file-slice bytes copied through a staging buffer

  /// Writes the streamdown_net_* families: these counters and the memory budget's state.
  void collect(metrics::text_writer& w, const memory_budget& budget) const;
};

/// The name connection.h and older code use.
using connection_stats = net_probe;

}  // namespace sd::net
