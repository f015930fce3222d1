#include "relay/probe.h"

#include <chrono>
#include <nlohmann/json.hpp>

#include "metrics/text_writer.h"

namespace sd::relay {
namespace {

using metrics::metric_type;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double oldest_age_seconds(const spool::stats& st) {
  if (st.oldest_timestamp_ms <= 0) return 0;
  return std::max<double>(0, static_cast<double>(now_ms() - st.oldest_timestamp_ms) / 1000.0);
}

void gauge(metrics::text_writer& w, const char* name, const char* help, double v) {
  w.family(name, metric_type::gauge, help);
  w.sample(v);
}
void counter(metrics::text_writer& w, const char* name, const char* help, double v) {
  w.family(name, metric_type::counter, help);
  w.sample(v);
}

}  // namespace

nlohmann::json relay_status(const relay_config& config, const spool::spool& spool, const forwarder& fwd,
                            const std::vector<std::unique_ptr<source>>& sources,
                            const spool::recovery_report& recovery) {
  using json = nlohmann::json;
  const auto st = spool.get_stats();
  const auto& fs = fwd.stats();
  json gaps = json::array();
  for (const auto& g : spool.gaps())
    gaps.push_back({{"first_seq", g.first_seq}, {"last_seq", g.last_seq}, {"records", g.records}, {"bytes", g.bytes},
                    {"at_ms", g.at_ms}, {"reason", g.reason}});
  json out{
      {"relay_id", config.relay_id},
      {"spool",
       {{"dir", config.spool.dir},
        {"bytes", st.bytes},
        {"max_bytes", st.max_bytes},
        {"records", st.records},
        {"segments", st.segments},
        {"oldest_record_age_seconds", oldest_age_seconds(st)},
        {"written_seq", st.written_seq},
        {"durable_seq", st.durable_seq},
        {"forwarded_seq", st.forwarded_seq},
        {"dropped_oldest_records", st.dropped_oldest_total},
        {"dropped_newest_records", st.dropped_newest_total},
        {"full_rejections", st.full_rejections_total},
        {"gaps", gaps},
        {"recovery",
         {{"torn_tail_bytes", recovery.torn_tail_bytes},
          {"corrupt_records", recovery.corrupt_records},
          {"notes", recovery.notes}}}}},
      {"upstream",
       {{"bootstrap_servers", config.bootstrap_servers},
        {"state", to_string(static_cast<upstream_state>(fs.state.load()))},
        {"state_since_ms", fs.state_since_ms.load()},
        {"forwarded_records", fs.forwarded_total.load()},
        {"forwarded_bytes", fs.forwarded_bytes_total.load()},
        {"skipped_records", fs.skipped_total.load()},
        {"rejected_records", fs.rejected_total.load()},
        {"in_flight_records", fs.in_flight.load()},
        {"errors", fs.errors_total.load()},
        {"resumes", fs.resumes_total.load()},
        {"last_error", fwd.last_error()}}},
      {"sources", json::array()}};
  for (const auto& src : sources) {
    const auto& ss = src->stats();
    json j{{"name", src->config().name},
           {"type", to_string(src->config().type)},
           {"received_records", ss.received_total.load()},
           {"appended_records", ss.appended_total.load()},
           {"bytes", ss.bytes_total.load()},
           {"rejected_records", ss.rejected_total.load()},
           {"backpressure_events", ss.backpressure_total.load()},
           {"errors", ss.errors_total.load()},
           {"in_flight_records", ss.in_flight.load()},
           {"lag", ss.lag.load()},
           {"connections", ss.connections.load()}};
    if (auto a = src->bound_address(); !a.empty()) j["listen"] = a;
    src->describe(j);
    out["sources"].push_back(std::move(j));
  }
  return out;
}

void write_relay_metrics(metrics::text_writer& w, const spool::spool& spool, const forwarder& fwd,
                         const std::vector<std::unique_ptr<source>>& sources) {
  const auto st = spool.get_stats();
  gauge(w, "streamdown_relay_spool_bytes", "Bytes of spool segments on disk.", static_cast<double>(st.bytes));
  gauge(w, "streamdown_relay_spool_max_bytes", "spool.max.bytes.", static_cast<double>(st.max_bytes));
  gauge(w, "streamdown_relay_spool_records", "Durable records not yet forwarded.", static_cast<double>(st.records));
  gauge(w, "streamdown_relay_spool_segments", "Spool segment files.", static_cast<double>(st.segments));
  gauge(w, "streamdown_relay_spool_oldest_record_age_seconds", "Age of the oldest record not yet forwarded.",
        oldest_age_seconds(st));
  counter(w, "streamdown_relay_spool_appended_records_total", "Records appended to the spool.",
          static_cast<double>(st.appends_total));
  counter(w, "streamdown_relay_spool_appended_bytes_total", "Bytes appended to the spool.",
          static_cast<double>(st.append_bytes_total));
  counter(w, "streamdown_relay_spool_syncs_total", "fdatasync calls of the spool (group commit).",
          static_cast<double>(st.syncs_total));
  counter(w, "streamdown_relay_spool_full_rejections_total", "Appends refused because the spool was full (block).",
          static_cast<double>(st.full_rejections_total));
  w.family("streamdown_relay_spool_dropped_records_total", metric_type::counter,
           "Records dropped by spool.when.full (and skipped as corrupt by recovery).");
  for (auto [policy, value] : {std::pair{"drop_oldest", st.dropped_oldest_total},
                                std::pair{"drop_newest", st.dropped_newest_total},
                                std::pair{"corrupt", st.corrupt_skipped_total}}) {
    const metrics::label labels[] = {{"policy", policy}};
    w.sample(labels, static_cast<double>(value));
  }
  gauge(w, "streamdown_relay_spool_gaps", "Gaps recorded in the spool (drops and corrupt records).",
        static_cast<double>(st.gaps));

  const auto& fs = fwd.stats();
  counter(w, "streamdown_relay_forwarded_records_total", "Records the upstream acknowledged.",
          static_cast<double>(fs.forwarded_total.load()));
  counter(w, "streamdown_relay_forwarded_bytes_total", "Key, value and header bytes the upstream acknowledged.",
          static_cast<double>(fs.forwarded_bytes_total.load()));
  counter(w, "streamdown_relay_forward_skipped_records_total",
          "Records a resume found upstream already (not sent again).", static_cast<double>(fs.skipped_total.load()));
  counter(w, "streamdown_relay_forward_rejected_records_total", "Records the upstream refused for good (logged).",
          static_cast<double>(fs.rejected_total.load()));
  gauge(w, "streamdown_relay_forward_in_flight_records", "Records sent, not yet acknowledged.",
        static_cast<double>(fs.in_flight.load()));
  counter(w, "streamdown_relay_forward_resumes_total", "Resumes (upstream tails read to skip what arrived).",
          static_cast<double>(fs.resumes_total.load()));
  w.family("streamdown_relay_forward_latency_seconds", metric_type::histogram,
           "From handing a record to the producer to the upstream's acknowledgement.");
  w.histogram({}, fs.latency.snapshot());
  const auto state = static_cast<upstream_state>(fs.state.load());
  gauge(w, "streamdown_relay_upstream_up", "1 when the upstream acknowledges, else 0.",
        state == upstream_state::up ? 1 : 0);
  gauge(w, "streamdown_relay_upstream_state_seconds", "Seconds in the current upstream state.",
        std::max<double>(0, static_cast<double>(now_ms() - fs.state_since_ms.load()) / 1000.0));
  counter(w, "streamdown_relay_upstream_errors_total", "Upstream connection and delivery errors.",
          static_cast<double>(fs.errors_total.load()));

  struct family_def {
    const char* name;
    metric_type type;
    const char* help;
    double (*read)(const source_stats&);
  };
  static const family_def families[] = {
      {"streamdown_relay_source_received_records_total", metric_type::counter, "Records taken from the source's peer.",
       [](const source_stats& s) { return static_cast<double>(s.received_total.load()); }},
      {"streamdown_relay_source_appended_records_total", metric_type::counter, "Records the spool acknowledged.",
       [](const source_stats& s) { return static_cast<double>(s.appended_total.load()); }},
      {"streamdown_relay_source_bytes_total", metric_type::counter, "Key and value bytes the spool acknowledged.",
       [](const source_stats& s) { return static_cast<double>(s.bytes_total.load()); }},
      {"streamdown_relay_source_rejected_records_total", metric_type::counter, "Records refused as invalid.",
       [](const source_stats& s) { return static_cast<double>(s.rejected_total.load()); }},
      {"streamdown_relay_source_backpressure_total", metric_type::counter, "Times the source slowed down (spool full).",
       [](const source_stats& s) { return static_cast<double>(s.backpressure_total.load()); }},
      {"streamdown_relay_source_errors_total", metric_type::counter, "I/O and protocol errors.",
       [](const source_stats& s) { return static_cast<double>(s.errors_total.load()); }},
      {"streamdown_relay_source_in_flight_records", metric_type::gauge, "Records taken, not yet acknowledged.",
       [](const source_stats& s) { return static_cast<double>(s.in_flight.load()); }},
      {"streamdown_relay_source_lag", metric_type::gauge, "Backlog at the source (file: bytes not yet read).",
       [](const source_stats& s) { return static_cast<double>(s.lag.load()); }},
      {"streamdown_relay_source_connections", metric_type::gauge, "Open connections (clients: 1 when connected).",
       [](const source_stats& s) { return static_cast<double>(s.connections.load()); }},
  };
  for (const auto& f : families) {
    w.family(f.name, f.type, f.help);
    for (const auto& src : sources) {
      const auto type = to_string(src->config().type);
      const metrics::label labels[] = {{"source", src->config().name}, {"type", type}};
      w.sample(labels, f.read(src->stats()));
    }
  }
}

}  // namespace sd::relay
