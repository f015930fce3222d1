#pragma once
// security_probe: the security module's metrics (streamdown_security_*), recorded with relaxed atomic adds by
// the broker's authentication and authorisation paths; written at scrape time.
//   streamdown_security_authentication_failures_total{listener,mechanism}
//   streamdown_security_authentication_successes_total{listener,mechanism}
//   streamdown_security_authorization_denied_total{resource_type,operation}
//   streamdown_security_tls_reloads_total, streamdown_security_tls_reload_failures_total

#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>

#include "metrics/text_writer.h"
#include "security/acl.h"

namespace sd::security {

/// Index of the mechanism label: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, SSL (client certificate refused), BASIC
/// (HTTP), other.
enum class auth_mechanism_label : std::uint8_t { plain, scram_sha_256, scram_sha_512, ssl, basic, other, count_ };
auth_mechanism_label mechanism_label(std::string_view mechanism) noexcept;
/// Index of the listener label: PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL (listener names are their protocol),
/// and HTTP (the HTTP port).
inline constexpr std::array<std::string_view, 5> listener_labels = {"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL",
                                                                    "HTTP"};

struct security_probe {
  static constexpr std::size_t n_listeners = listener_labels.size();
  static constexpr std::size_t n_mechanisms = static_cast<std::size_t>(auth_mechanism_label::count_);
  std::array<std::atomic<std::uint64_t>, n_listeners * n_mechanisms> auth_failures{};
  std::array<std::atomic<std::uint64_t>, n_listeners * n_mechanisms> auth_successes{};
  std::array<std::atomic<std::uint64_t>, 8 * 16> denied{};  // [resource_type][operation]
  std::atomic<std::uint64_t> tls_reloads_total{0};
  std::atomic<std::uint64_t> tls_reload_failures_total{0};

  void authentication_failed(std::string_view listener, std::string_view mechanism) noexcept;
  void authentication_succeeded(std::string_view listener, std::string_view mechanism) noexcept;
  void authorization_denied(resource_type rtype, acl_operation op) noexcept;
  std::uint64_t authentication_failures() const noexcept;
  std::uint64_t authorization_denials() const noexcept;

  void collect(metrics::text_writer& w) const;
};

}  // namespace sd::security
