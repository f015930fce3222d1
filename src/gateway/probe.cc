#include "gateway/probe.h"

#include "metrics/text_writer.h"

namespace sd::gateway {

std::string_view name_of(session_kind k) {
  switch (k) {
    case session_kind::sse: return "sse";
    case session_kind::ws_consume: return "ws_consume";
    case session_kind::ws_produce: return "ws_produce";
    case session_kind::count_: break;
  }
  return "unknown";
}

std::string_view name_of(close_reason r) {
  switch (r) {
    case close_reason::client_closed: return "client_closed";
    case close_reason::idle: return "idle";
    case close_reason::slow_reader: return "slow_reader";
    case close_reason::too_big: return "too_big";
    case close_reason::bad_message: return "bad_message";
    case close_reason::topic_gone: return "topic_gone";
    case close_reason::error: return "error";
    case close_reason::count_: break;
  }
  return "unknown";
}

void stream_probe::collect(metrics::text_writer& w) const {
  using metrics::metric_type;
  auto per_kind = [&](std::string_view name, metric_type type, std::string_view help, auto value_of) {
    w.family(name, type, help);
    for (std::size_t k = 0; k < kinds; ++k) {
      metrics::label l[] = {{"kind", name_of(static_cast<session_kind>(k))}};
      w.sample(l, static_cast<double>(value_of(k)));
    }
  };
  per_kind("streamdown_http_stream_sessions", metric_type::gauge, "open SSE and WebSocket sessions",
           [&](std::size_t k) { return _sessions[k].value(); });
  per_kind("streamdown_http_stream_records_sent_total", metric_type::counter,
           "records sent to streaming clients (ws_produce: results sent)",
           [&](std::size_t k) { return _records_sent[k].value(); });
  per_kind("streamdown_http_stream_bytes_sent_total", metric_type::counter, "message bytes sent to streaming clients",
           [&](std::size_t k) { return _bytes_sent[k].value(); });
  w.family("streamdown_http_stream_closes_total", metric_type::counter, "streaming sessions ended, by reason");
  for (std::size_t k = 0; k < kinds; ++k)
    for (std::size_t r = 0; r < reasons; ++r) {
      metrics::label l[] = {{"kind", name_of(static_cast<session_kind>(k))},
                            {"reason", name_of(static_cast<close_reason>(r))}};
      w.sample(l, static_cast<double>(_closes[k][r].value()));
    }
  w.family("streamdown_http_stream_credit_outstanding", metric_type::gauge,
           "records WebSocket consumers granted and have not been sent yet");
  w.sample(static_cast<double>(credit_outstanding.value()));
  w.family("streamdown_http_stream_buffered_bytes", metric_type::gauge,
           "record bytes streaming sessions hold now (part of the memory budget)");
  w.sample(static_cast<double>(buffered_bytes.value()));
  w.family("streamdown_http_stream_refused_total", metric_type::counter,
           "streaming sessions refused because streamdown.http.stream.max.sessions were open");
  w.sample(static_cast<double>(refused_sessions.value()));
  w.family("streamdown_http_produce_requests_total", metric_type::counter, "HTTP produce requests answered");
  w.sample(static_cast<double>(produce_requests.value()));
  w.family("streamdown_http_produce_records_total", metric_type::counter, "records appended through HTTP");
  w.sample(static_cast<double>(produced_records.value()));
  w.family("streamdown_http_produce_record_errors_total", metric_type::counter,
           "records of HTTP produce requests answered with an error");
  w.sample(static_cast<double>(produce_record_errors.value()));
}

}  // namespace sd::gateway
