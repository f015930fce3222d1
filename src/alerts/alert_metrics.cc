#include "alerts/alert_metrics.h"

namespace sd::alerts {

void write_alert_metrics(metrics::text_writer& w, const alert_engine& engine) {
  auto all = engine.status();
  if (all.empty()) return;
  w.family("streamdown_alerts_firing", metrics::metric_type::gauge, "1 while the alert rule is firing");
  for (const auto& s : all) {
    metrics::label l[] = {{"alert", s.rule.name}};
    w.sample(l, s.state == alert_state::firing ? 1 : 0);
  }
  w.family("streamdown_alerts_pending", metrics::metric_type::gauge,
           "1 while the alert condition holds but has not lasted for_seconds yet");
  for (const auto& s : all) {
    metrics::label l[] = {{"alert", s.rule.name}};
    w.sample(l, s.state == alert_state::pending ? 1 : 0);
  }
  w.family("streamdown_alerts_transitions_total", metrics::metric_type::counter,
           "alert state changes, by the state entered");
  for (const auto& s : all) {
    const std::pair<const char*, std::uint64_t> to[] = {
        {"pending", s.to_pending}, {"firing", s.to_firing}, {"inactive", s.to_inactive}};
    for (const auto& [name, n] : to) {
      metrics::label l[] = {{"alert", s.rule.name}, {"to", name}};
      w.sample(l, static_cast<double>(n));
    }
  }
}

}  // namespace sd::alerts
