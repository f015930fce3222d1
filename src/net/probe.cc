#include "net/probe.h"

#include "net/memory_budget.h"

namespace sd::net {

namespace {
double v(const std::atomic<std::uint64_t>& a) {
  return static_cast<double>(a.load(std::memory_order_relaxed));
}
}  // namespace

void net_probe::collect(metrics::text_writer& w, const memory_budget& budget) const {
  using metrics::metric_type;
  w.family("streamdown_net_connections_open", metric_type::gauge, "Kafka connections currently open");
  w.sample(static_cast<double>(open.load(std::memory_order_relaxed)));
  w.family("streamdown_net_connections_accepted_total", metric_type::counter, "Kafka connections accepted");
  w.sample(v(accepted_total));
  w.family("streamdown_net_connections_closed_total", metric_type::counter, "Kafka connections closed");
  w.sample(v(closed_total));
  w.family("streamdown_net_requests_total", metric_type::counter, "Kafka request frames received");
  w.sample(v(requests_total));
  w.family("streamdown_net_refused_frames_total", metric_type::counter,
           "frames refused for their size prefix (the connection is closed)");
  w.sample(v(refused_frames_total));
  w.family("streamdown_net_tls_handshake_failures_total", metric_type::counter,
           "TLS handshakes that failed or timed out (the connection is closed)");
  w.sample(v(tls_handshake_failures_total));
  w.family("streamdown_net_received_bytes_total", metric_type::counter, "bytes received on the Kafka port");
  w.sample(v(bytes_received_total));
  w.family("streamdown_net_sent_bytes_total", metric_type::counter, "bytes sent on the Kafka port");
  w.sample(v(bytes_sent_total));
  w.family("streamdown_net_file_sent_bytes_total", metric_type::counter,
           "record data sent from log files (part of sent bytes), by method: sendfile, or copied through a "
           "staging buffer (streamdown.fetch.send.mode)");
  {
    metrics::label l[] = {{"method", "sendfile"}};
    w.sample(l, v(file_bytes_sendfile_total));
  }
  {
    metrics::label l[] = {{"method", "copy"}};
    w.sample(l, v(file_bytes_copied_total));
  }
  w.family("streamdown_net_memory_budget_bytes", metric_type::gauge,
           "capacity of the in-flight request memory budget (without the small-frame reserve)");
  w.sample(static_cast<double>(budget.capacity()));
  w.family("streamdown_net_memory_in_use_bytes", metric_type::gauge,
           "in-flight request memory in use (pool and small-frame reserve)");
  w.sample(static_cast<double>(budget.in_use()));
  w.family("streamdown_net_backpressure_seconds_total", metric_type::counter,
           "time connections spent waiting for the memory budget (summed over connections)");
  w.sample(static_cast<double>(budget.blocked_ns_total()) / 1e9);
}

}  // namespace sd::net
