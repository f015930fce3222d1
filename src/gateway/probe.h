#pragma once
// stream_probe: the HTTP gateway's metrics (streamdown_http_stream_*, streamdown_http_produce_*). Recorded on
// the HTTP event loop with relaxed atomics; read by the /metrics scrape (app/ adds collect() as a section).
//
// Families: http_stream_sessions{kind} (open now), http_stream_credit_outstanding (records granted by
// WebSocket consumers and not yet sent), http_stream_records_sent_total{kind}, http_stream_bytes_sent_total{kind},
// http_stream_closes_total{kind,reason}, http_stream_refused_total (over the session cap),
// http_stream_buffered_bytes (record bytes held by sessions now, also counted in the memory budget),
// http_produce_records_total, http_produce_record_errors_total, http_produce_requests_total.

#include <array>
#include <cstdint>
#include <string_view>

#include "metrics/counter.h"

namespace sd::metrics {
class text_writer;
}

namespace sd::gateway {

enum class session_kind { sse, ws_consume, ws_produce, count_ };
enum class close_reason {
  client_closed,   // the client closed or went away
  idle,            // nothing from the client within the idle timeout
  slow_reader,     // a write did not complete within the write timeout
  too_big,         // a WebSocket message over the limit
  bad_message,     // a message the protocol does not allow (bad JSON, credit overrun, ...)
  topic_gone,      // the topic or a partition was deleted
  error,           // a storage or internal error
  count_
};

std::string_view name_of(session_kind k);
std::string_view name_of(close_reason r);

class stream_probe {
 public:
  metrics::gauge& sessions(session_kind k) { return _sessions[idx(k)]; }
  metrics::counter& records_sent(session_kind k) { return _records_sent[idx(k)]; }
  metrics::counter& bytes_sent(session_kind k) { return _bytes_sent[idx(k)]; }
  void closed(session_kind k, close_reason r) { _closes[idx(k)][static_cast<std::size_t>(r)].inc(); }

  metrics::gauge credit_outstanding;
  metrics::gauge buffered_bytes;
  metrics::counter refused_sessions;
  metrics::counter produce_requests;
  metrics::counter produced_records;
  metrics::counter produce_record_errors;

  void collect(metrics::text_writer& w) const;

 private:
  static constexpr std::size_t kinds = static_cast<std::size_t>(session_kind::count_);
  static constexpr std::size_t reasons = static_cast<std::size_t>(close_reason::count_);
  static std::size_t idx(session_kind k) { return static_cast<std::size_t>(k); }
  std::array<metrics::gauge, kinds> _sessions;
  std::array<metrics::counter, kinds> _records_sent;
  std::array<metrics::counter, kinds> _bytes_sent;
  std::array<std::array<metrics::counter, reasons>, kinds> _closes;
};

}  // namespace sd::gateway
