#include "security/probe.h"

namespace sd::security {
namespace {

constexpr std::array<std::string_view, security_probe::n_mechanisms> mechanism_names = {
    "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "SSL", "BASIC", "other"};

std::size_t listener_index(std::string_view listener) noexcept {
  for (std::size_t i = 0; i < listener_labels.size(); ++i)
    if (listener_labels[i] == listener) return i;
  return 0;
}

}  // namespace

auth_mechanism_label mechanism_label(std::string_view mechanism) noexcept {
  for (std::size_t i = 0; i + 1 < mechanism_names.size(); ++i)
    if (mechanism_names[i] == mechanism) return static_cast<auth_mechanism_label>(i);
  return auth_mechanism_label::other;
}

void security_probe::authentication_failed(std::string_view listener, std::string_view mechanism) noexcept {
  auth_failures[listener_index(listener) * n_mechanisms + static_cast<std::size_t>(mechanism_label(mechanism))]
      .fetch_add(1, std::memory_order_relaxed);
}

void security_probe::authentication_succeeded(std::string_view listener, std::string_view mechanism) noexcept {
  auth_successes[listener_index(listener) * n_mechanisms + static_cast<std::size_t>(mechanism_label(mechanism))]
      .fetch_add(1, std::memory_order_relaxed);
}

void security_probe::authorization_denied(resource_type rtype, acl_operation op) noexcept {
  auto r = static_cast<std::size_t>(rtype) & 7, o = static_cast<std::size_t>(op) & 15;
  denied[r * 16 + o].fetch_add(1, std::memory_order_relaxed);
}

std::uint64_t security_probe::authentication_failures() const noexcept {
  std::uint64_t n = 0;
  for (auto& c : auth_failures) n += c.load(std::memory_order_relaxed);
  return n;
}

std::uint64_t security_probe::authorization_denials() const noexcept {
  std::uint64_t n = 0;
  for (auto& c : denied) n += c.load(std::memory_order_relaxed);
  return n;
}

void security_probe::collect(metrics::text_writer& w) const {
  using metrics::metric_type;
  auto by_listener = [&](const char* name, const char* help, const auto& arr) {
    w.family(name, metric_type::counter, help);
    for (std::size_t l = 0; l < n_listeners; ++l)
      for (std::size_t m = 0; m < n_mechanisms; ++m) {
        auto v = arr[l * n_mechanisms + m].load(std::memory_order_relaxed);
        if (v == 0) continue;
        metrics::label labels[] = {{"listener", listener_labels[l]},
                                   {"mechanism", mechanism_names[m]}};
        w.sample(labels, static_cast<double>(v));
      }
  };
  by_listener("streamdown_security_authentication_failures_total",
              "failed authentications (SASL, or TLS client certificates refused: mechanism SSL)", auth_failures);
  by_listener("streamdown_security_authentication_successes_total", "successful SASL authentications",
              auth_successes);
  w.family("streamdown_security_authorization_denied_total", metric_type::counter,
           "requests (or parts of requests) refused by the ACL authorizer");
  for (std::size_t r = 0; r < 8; ++r)
    for (std::size_t o = 0; o < 16; ++o) {
      auto v = denied[r * 16 + o].load(std::memory_order_relaxed);
      if (v == 0) continue;
      metrics::label labels[] = {{"resource_type", to_string(static_cast<resource_type>(r))},
                                 {"operation", to_string(static_cast<acl_operation>(o))}};
      w.sample(labels, static_cast<double>(v));
    }
  w.family("streamdown_security_tls_reloads_total", metric_type::counter,
           "TLS certificate/key reloads that took effect");
  w.sample(static_cast<double>(tls_reloads_total.load(std::memory_order_relaxed)));
  w.family("streamdown_security_tls_reload_failures_total", metric_type::counter,
           "TLS reloads refused (the previous certificate stays in use)");
  w.sample(static_cast<double>(tls_reload_failures_total.load(std::memory_order_relaxed)));
}

}  // namespace sd::security
