#include "net/listener.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace sd::net {

std::string_view to_string(security_protocol p) noexcept {
  switch (p) {
    case security_protocol::plaintext: return "PLAINTEXT";
    case security_protocol::ssl: return "SSL";
    case security_protocol::sasl_plaintext: return "SASL_PLAINTEXT";
    case security_protocol::sasl_ssl: return "SASL_SSL";
  }
  return "?";
}

std::optional<security_protocol> parse_security_protocol(std::string_view s) noexcept {
  std::string up(s);
  std::transform(up.begin(), up.end(), up.begin(), [](unsigned char c) { return std::toupper(c); });
  for (auto p : {security_protocol::plaintext, security_protocol::ssl, security_protocol::sasl_plaintext,
                 security_protocol::sasl_ssl})
    if (to_string(p) == up) return p;
  return std::nullopt;
}

std::optional<std::vector<listener_address>> parse_listener_list(std::string_view s, std::string* error) {
  std::vector<listener_address> out;
  auto fail = [&](std::string why) -> std::optional<std::vector<listener_address>> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  std::size_t pos = 0;
  while (pos <= s.size()) {
    auto comma = s.find(',', pos);
    auto item = s.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front()))) item.remove_prefix(1);
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) item.remove_suffix(1);
    if (item.empty()) return fail("an empty entry (expected NAME://HOST:PORT)");
    auto sep = item.find("://");
    if (sep == std::string_view::npos) return fail("'" + std::string(item) + "' is not NAME://HOST:PORT");
    listener_address a;
    a.name = std::string(item.substr(0, sep));
    std::transform(a.name.begin(), a.name.end(), a.name.begin(), [](unsigned char c) { return std::toupper(c); });
    if (!parse_security_protocol(a.name))
      return fail("listener name '" + a.name + "' is not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL");
    auto hp = item.substr(sep + 3);
    auto colon = hp.rfind(':');
    if (colon == std::string_view::npos) return fail("'" + std::string(item) + "' has no port");
    a.host = std::string(hp.substr(0, colon));
    if (a.host.size() >= 2 && a.host.front() == '[' && a.host.back() == ']') a.host = a.host.substr(1, a.host.size() - 2);
    auto ps = hp.substr(colon + 1);
    auto [p, ec] = std::from_chars(ps.data(), ps.data() + ps.size(), a.port);
    if (ec != std::errc{} || p != ps.data() + ps.size() || ps.empty())
      return fail("'" + std::string(item) + "' has no valid port (0-65535)");
    for (const auto& o : out)
      if (o.name == a.name) return fail("listener name '" + a.name + "' appears twice");
    out.push_back(std::move(a));
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return out;
}

}  // namespace sd::net
