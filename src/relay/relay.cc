#include "relay/relay.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "alerts/alert_metrics.h"
#include "alerts/engine.h"
#include "alerts/runner.h"
#include "alerts/status_json.h"
#include "base/clock.h"
#include "http/http_server.h"
#include "metrics/exposition.h"
#include "metrics/text_writer.h"
#include "relay/forwarder.h"
#include "relay/probe.h"
#include "relay/sources/sources.h"
#include "spool/spool.h"

namespace sd::relay {

struct relay::impl {
  relay_config config;
  std::unique_ptr<spool::spool> spool;
  std::unique_ptr<source_context> ctx;
  std::vector<std::unique_ptr<source>> sources;
  std::unique_ptr<forwarder> fwd;
  std::unique_ptr<http::http_server> http;
  std::string http_bound;
  spool::recovery_report recovery;
  std::unique_ptr<alerts::alert_engine> alert_engine;
  std::unique_ptr<alerts::alert_runner> alert_runner;
  bool started = false;

  // What the relay's alert rules see (alerts/rule.h: relay_*, disk_free_*, error_rate).
  alerts::alert_inputs gather_alert_inputs() const {
    alerts::alert_inputs in;
    const auto st = spool->get_stats();
    const auto& fs = fwd->stats();
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
    alerts::relay_sample r;
    r.spool_full_ratio = st.max_bytes > 0 ? static_cast<double>(st.bytes) / static_cast<double>(st.max_bytes) : 0;
    r.oldest_record_age_seconds =
        st.oldest_timestamp_ms > 0 ? std::max<double>(0, static_cast<double>(now - st.oldest_timestamp_ms) / 1000.0) : 0;
    r.upstream_down_seconds =
        fs.state.load() == static_cast<int>(upstream_state::up)
            ? 0
            : std::max<double>(0, static_cast<double>(now - fs.state_since_ms.load()) / 1000.0);
    in.relay = r;
    std::uint64_t errors = fs.errors_total.load();
    for (const auto& src : sources) errors += src->stats().errors_total.load();
    in.errors_total = errors;
    if (alert_engine->needs_disk()) in.disk = alerts::read_disk_usage(config.spool.dir);
    return in;
  }
};

relay::relay(relay_config config) : _impl(std::make_unique<impl>()) { _impl->config = std::move(config); }

relay::~relay() { stop(); }

void relay::start() {
  auto& s = *_impl;
  std::filesystem::create_directories(s.config.spool.dir);
  auto opened = spool::spool::open(s.config.spool, &s.recovery);
  if (!opened)
    throw std::runtime_error("spool " + s.config.spool.dir + ": " + opened.error().message());
  s.spool = std::move(*opened);
  for (const auto& note : s.recovery.notes) spdlog::warn("relay spool recovery: {}", note);
  spdlog::info("relay spool {}: {} records pending, forwarded through seq {}, next seq {}", s.config.spool.dir,
               s.recovery.records, s.recovery.forwarded_seq, s.recovery.next_seq);

  http::http_limits limits;
  limits.body_bytes = s.config.http_max_body_bytes;
  s.http = std::make_unique<http::http_server>(limits);
  s.ctx = std::make_unique<source_context>(source_context{*s.spool, s.config.relay_id, s.config.spool.dir + "/sources",
                                                          s.http.get(), s.config.http_max_body_bytes});
  std::filesystem::create_directories(s.ctx->state_dir);

  s.fwd = std::make_unique<forwarder>(s.config, *s.spool);  // throws on a bad upstream.* setting

  s.http->get("/v1/health", [](const http::request&) {
    return http::response{200, "application/json", R"({"status":"ok"})", {}};
  });
  s.http->get("/v1/relay", [this](const http::request&) {
    return http::response{200, "application/json", status().dump(2), {}};
  });
  s.http->get("/metrics", [this](const http::request&) {
    metrics::text_writer w;
    write_metrics(w);
    return http::response{200, "text/plain; version=0.0.4", w.take(), {}};
  });
  for (const auto& sc : s.config.sources) s.sources.push_back(make_source(sc, *s.ctx));

  std::string error;
  auto rules = alerts::parse_alert_rules(s.config.alert_keys, error);
  if (!rules) throw std::invalid_argument(error);
  for (std::size_t i = 0; i < rules->size(); ++i)
    if (alerts::is_lag_kind((*rules)[i].kind))
      throw std::invalid_argument("config key 'alert." + std::to_string(i) + ".kind': " +
                                  alerts::kind_name((*rules)[i].kind) + " needs a broker (consumer lag)");
  s.alert_engine = std::make_unique<alerts::alert_engine>(std::move(*rules), wall_ms_now());
  s.alert_runner = std::make_unique<alerts::alert_runner>(
      *s.alert_engine, [&s] { return s.gather_alert_inputs(); }, s.config.alerts_eval_interval);
  s.http->get("/v1/alerts", [&s](const http::request&) {
    return http::response{200, "application/json", alerts::status_json(*s.alert_engine).dump(2), {}};
  });

  const auto colon = s.config.http_addr.rfind(':');
  auto ep = s.http->listen(s.config.http_addr.substr(0, colon),
                           static_cast<std::uint16_t>(std::stoi(s.config.http_addr.substr(colon + 1))));
  s.http_bound = ep.address().to_string() + ":" + std::to_string(ep.port());
  for (auto& src : s.sources) src->start();  // sources register their routes before the server starts
  s.http->start();
  s.fwd->start();
  s.alert_runner->start();
  s.started = true;
}

void relay::stop() {
  auto& s = *_impl;
  if (!s.started) return;
  s.started = false;
  if (s.alert_runner) s.alert_runner->stop();
  for (auto& src : s.sources) src->stop();
  if (s.http) s.http->stop();
  if (s.fwd) s.fwd->stop();
  if (s.spool) s.spool->close();
}

std::string relay::http_address() const { return _impl->http_bound; }

std::vector<std::pair<std::string, std::string>> relay::source_addresses() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& src : _impl->sources) {
    auto a = src->bound_address();
    if (!a.empty()) out.emplace_back(src->config().name, a);
  }
  return out;
}

nlohmann::json relay::status() const {
  const auto& s = *_impl;
  return relay_status(s.config, *s.spool, *s.fwd, s.sources, s.recovery);
}

void relay::write_metrics(metrics::text_writer& w) const {
  const auto& s = *_impl;
  write_relay_metrics(w, *s.spool, *s.fwd, s.sources);
  if (s.alert_engine) alerts::write_alert_metrics(w, *s.alert_engine);
}

}  // namespace sd::relay
