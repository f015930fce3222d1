#pragma once
// wire_client: a small blocking Kafka-protocol client for the admin APIs librdkafka 2.0.2 has no call for
// (DescribeUserScramCredentials, AlterUserScramCredentials). It speaks the project's codec (protocol/) over
// TCP or TLS and authenticates with SASL PLAIN or SCRAM-SHA-256/512 (security/scram.h), configured from the
// same -X keys as the librdkafka tools: security.protocol, sasl.mechanism (or sasl.mechanisms),
// sasl.username, sasl.password, ssl.ca.location, ssl.certificate.location, ssl.key.location,
// ssl.key.password, enable.ssl.certificate.verification. Other keys are ignored. One connection, to the
// first bootstrap address; every call is bounded by the timeout. Failures throw tool_error.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "base/bytes.h"
#include "client/kafka_setup.h"
#include "protocol/header.h"

namespace sd::client {

/// "Broker: Cluster authorization failed (error 31): <message>" for an error code in a response.
std::string broker_error_text(std::int16_t code, const std::optional<std::string>& message);

class wire_client {
 public:
  wire_client(const std::string& bootstrap, const std::map<std::string, std::string>& settings,
              std::chrono::milliseconds timeout);
  ~wire_client();
  wire_client(const wire_client&) = delete;
  wire_client& operator=(const wire_client&) = delete;

  /// Sends `req` at `version` and decodes the response into a Resp.
  template <class Resp, class Req>
  Resp call(const Req& req, std::int16_t version) {
    protocol::request_header h;
    h.correlation_id = ++_correlation;
    h.client_id = "streamdown-tool";
    auto encoded = protocol::encode_request(h, version, req).flatten();
    if (!encoded) throw tool_error("cannot encode the request");
    // Resp holds no views into the frame for the APIs this client is for (no records fields).
    auto frame = exchange(*encoded, Req::api, version, h.correlation_id);
    Resp resp;
    if (!protocol::decode_body(frame, version, resp))
      throw tool_error("the broker's " + std::string(Resp::schema_name) + " does not decode");
    return resp;
  }

 private:
  /// Writes one request frame and returns the response body (after the response header).
  sd::bytes exchange(const sd::bytes& request, protocol::api_key api, std::int16_t version, std::int32_t correlation);
  void authenticate(const std::map<std::string, std::string>& settings);

  struct impl;
  std::unique_ptr<impl> _impl;
  std::int32_t _correlation = 0;
};

}  // namespace sd::client
