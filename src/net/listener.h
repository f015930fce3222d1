#pragma once
// listener: one Kafka listener as Kafka names it ("SASL_SSL://0.0.0.0:9093"). The name is the security
// protocol's name (Kafka's default listener names); the protocol decides whether the connection is wrapped in
// TLS (SSL, SASL_SSL) and whether the handler demands SASL authentication first (SASL_PLAINTEXT, SASL_SSL).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sd::net {

class tls_context_holder;

enum class security_protocol : std::uint8_t { plaintext, ssl, sasl_plaintext, sasl_ssl };

std::string_view to_string(security_protocol p) noexcept;
/// "PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL" (case-insensitive).
std::optional<security_protocol> parse_security_protocol(std::string_view s) noexcept;
constexpr bool uses_tls(security_protocol p) noexcept {
  return p == security_protocol::ssl || p == security_protocol::sasl_ssl;
}
constexpr bool uses_sasl(security_protocol p) noexcept {
  return p == security_protocol::sasl_plaintext || p == security_protocol::sasl_ssl;
}

/// One entry of a `listeners` / `advertised.listeners` list: NAME://HOST:PORT (HOST may be empty or [v6]).
struct listener_address {
  std::string name;  // upper case
  std::string host;
  std::uint16_t port = 0;
};
/// Parses "PLAINTEXT://127.0.0.1:9092,SASL_SSL://0.0.0.0:9093". Names must be unique; each must be a security
/// protocol's name. On error returns nullopt and sets `error`.
std::optional<std::vector<listener_address>> parse_listener_list(std::string_view s, std::string* error);

struct listener_spec {
  std::string name;
  security_protocol protocol = security_protocol::plaintext;
  std::string host;
  std::uint16_t port = 0;
  std::shared_ptr<tls_context_holder> tls;  // set iff uses_tls(protocol)
};

}  // namespace sd::net
