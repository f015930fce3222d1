#include "client/wire_client.h"

#include <utility>  // before Boost.Asio (see net/asio.h)

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>

#include "base/byte_reader.h"
#include "protocol/generated/sasl_authenticate.h"
#include "protocol/generated/sasl_handshake.h"
#include "security/scram.h"

namespace sd::client {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

struct wire_client::impl {
  asio::io_context io;
  tcp::socket socket{io};
  std::unique_ptr<ssl::context> tls_ctx;
  std::unique_ptr<ssl::stream<tcp::socket&>> tls;

  template <class Buffer>
  void write(const Buffer& b) {
    if (tls) asio::write(*tls, b);
    else asio::write(socket, b);
  }
  template <class Buffer>
  void read(const Buffer& b) {
    if (tls) asio::read(*tls, b);
    else asio::read(socket, b);
  }
};

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string get(const std::map<std::string, std::string>& m, const std::string& k, std::string def = {}) {
  auto it = m.find(k);
  return it == m.end() ? def : it->second;
}

}  // namespace

std::string broker_error_text(std::int16_t code, const std::optional<std::string>& message) {
  // librdkafka's error codes for broker errors are Kafka's codes; 2.0.2 does not know the newest ones.
  std::string name = code == 105 ? "Broker: Transactional id not found"
                                 : RdKafka::err2str(static_cast<RdKafka::ErrorCode>(code));
  return name + " (error " + std::to_string(code) + ")" + (message && !message->empty() ? ": " + *message : std::string());
}

wire_client::wire_client(const std::string& bootstrap, const std::map<std::string, std::string>& settings,
                         std::chrono::milliseconds timeout)
    : _impl(std::make_unique<impl>()) {
  auto first = bootstrap.substr(0, bootstrap.find(','));
  auto colon = first.rfind(':');
  if (colon == std::string::npos) throw usage_error("-b '" + bootstrap + "': expected HOST:PORT");
  auto host = first.substr(0, colon), port = first.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  const std::string protocol = lower(get(settings, "security.protocol", "plaintext"));
  if (protocol != "plaintext" && protocol != "ssl" && protocol != "sasl_plaintext" && protocol != "sasl_ssl")
    throw usage_error("security.protocol '" + protocol + "': expected plaintext, ssl, sasl_plaintext or sasl_ssl");
  try {
    tcp::resolver resolver(_impl->io);
    asio::connect(_impl->socket, resolver.resolve(host, port));
    // Bound every blocking read and write.
    timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>(timeout.count() % 1000) * 1000};
    ::setsockopt(_impl->socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(_impl->socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (protocol == "ssl" || protocol == "sasl_ssl") {
      _impl->tls_ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
      auto& ctx = *_impl->tls_ctx;
      if (auto ca = get(settings, "ssl.ca.location"); !ca.empty()) ctx.load_verify_file(ca);
      else ctx.set_default_verify_paths();
      if (auto cert = get(settings, "ssl.certificate.location"); !cert.empty()) ctx.use_certificate_chain_file(cert);
      if (auto pw = get(settings, "ssl.key.password"); !pw.empty())
        ctx.set_password_callback([pw](std::size_t, ssl::context::password_purpose) { return pw; });
      if (auto key = get(settings, "ssl.key.location"); !key.empty()) ctx.use_private_key_file(key, ssl::context::pem);
      const bool verify = get(settings, "enable.ssl.certificate.verification", "true") != "false";
      ctx.set_verify_mode(verify ? ssl::verify_peer : ssl::verify_none);
      _impl->tls = std::make_unique<ssl::stream<tcp::socket&>>(_impl->socket, ctx);
      if (verify) _impl->tls->set_verify_callback(ssl::host_name_verification(host));
      SSL_set_tlsext_host_name(_impl->tls->native_handle(), host.c_str());
      _impl->tls->handshake(ssl::stream_base::client);
    }
  } catch (const boost::system::system_error& e) {
    throw tool_error("cannot connect to " + first + " (" + protocol + "): " + e.what());
  }
  if (protocol == "sasl_plaintext" || protocol == "sasl_ssl") authenticate(settings);
}

wire_client::~wire_client() = default;

sd::bytes wire_client::exchange(const sd::bytes& request, protocol::api_key api, std::int16_t version,
                                std::int32_t correlation) {
  try {
    _impl->write(asio::buffer(request));
    std::uint8_t size_buf[4];
    _impl->read(asio::buffer(size_buf));
    auto size = load_be<std::int32_t>(size_buf);
    if (size < 4 || size > (64 << 20)) throw tool_error("the broker sent a response of " + std::to_string(size) + " bytes");
    sd::bytes frame(static_cast<std::size_t>(size));
    _impl->read(asio::buffer(frame));
    sd::byte_reader r(frame);
    if (r.read_i32() != correlation) throw tool_error("the broker answered another request (correlation id)");
    if (protocol::response_header_version(api, version) >= 1) {
      // Tagged fields of the flexible response header: skip each (tag, size, bytes).
      auto n = r.read_uvarint();
      for (std::uint64_t i = 0; i < n && r.ok(); ++i) {
        r.read_uvarint();
        r.skip(static_cast<std::size_t>(r.read_uvarint()));
      }
    }
    if (!r.ok()) throw tool_error("the broker's response header does not decode");
    return sd::bytes(frame.begin() + static_cast<std::ptrdiff_t>(frame.size() - r.remaining()), frame.end());
  } catch (const boost::system::system_error& e) {
    throw tool_error(std::string("the connection to the broker failed: ") + e.what() +
                     (e.code() == asio::error::eof ? " (closed by the broker: wrong listener or not authenticated?)" : ""));
  }
}

void wire_client::authenticate(const std::map<std::string, std::string>& settings) {
  auto mechanism = get(settings, "sasl.mechanism", get(settings, "sasl.mechanisms", "PLAIN"));
  std::transform(mechanism.begin(), mechanism.end(), mechanism.begin(), [](unsigned char c) { return std::toupper(c); });
  const auto user = get(settings, "sasl.username"), password = get(settings, "sasl.password");
  if (user.empty()) throw usage_error("SASL needs -X sasl.username=NAME");
  protocol::sasl_handshake_request hs;
  hs.mechanism = mechanism;
  auto hs_resp = call<protocol::sasl_handshake_response>(hs, 1);
  if (hs_resp.error_code != 0) {
    std::string offered;
    for (const auto& m : hs_resp.mechanisms) offered += (offered.empty() ? "" : ", ") + m;
    throw tool_error("the broker refused SASL mechanism " + mechanism + " (error " + std::to_string(hs_resp.error_code) +
                     "; it offers " + offered + ")");
  }
  auto step = [&](const std::string& token) {
    protocol::sasl_authenticate_request a;
    a.auth_bytes.assign(token.begin(), token.end());
    auto resp = call<protocol::sasl_authenticate_response>(a, 1);
    if (resp.error_code != 0)
      throw tool_error("authentication failed: " + resp.error_message.value_or("error " + std::to_string(resp.error_code)));
    return std::string(resp.auth_bytes.begin(), resp.auth_bytes.end());
  };
  if (mechanism == "PLAIN") {
    step(std::string("\0", 1) + user + std::string("\0", 1) + password);
    return;
  }
  auto alg = security::scram_from_mechanism(mechanism);
  if (!alg) throw usage_error("sasl.mechanism '" + mechanism + "': expected PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512");
  security::scram_client scram(*alg, user, password);
  auto server_first = step(scram.first_message());
  auto final_msg = scram.final_message(server_first);
  if (!final_msg) throw tool_error("SCRAM: " + scram.error());
  auto server_final = step(*final_msg);
  if (!scram.verify_server_final(server_final)) throw tool_error("SCRAM: the broker did not prove it knows the credential");
}

}  // namespace sd::client
