#pragma once
// A Kafka connection that speaks the project's codec (src/protocol: encode_request and the generated
// messages) over a raw socket, for tests that send exact versions and fields no client library exposes.
// Every call is bounded by the timeout; failures throw harness_error saying what happened.

#include <chrono>
#include <cstdint>
#include <memory>
#include <map>
#include <string>

#include "base/byte_reader.h"
#include "base/bytes.h"
#include "protocol/generated/create_topics.h"
#include "protocol/generated/fetch.h"
#include "protocol/generated/produce.h"
#include "protocol/header.h"
#include "support/process.h"
#include "support/raw_client.h"
#include "support/test_env.h"

namespace sd::itest {

/// One blocking Kafka connection to 127.0.0.1:port. With a user, SaslHandshake v1 (PLAIN) and
/// SaslAuthenticate v1 ("\0user\0password") first; throws harness_error when the broker refuses them.
class codec_conn {
 public:
  explicit codec_conn(std::uint16_t port, const std::string& user = {}, const std::string& password = {},
                      std::chrono::milliseconds timeout = std::chrono::seconds(10));
  codec_conn(const codec_conn&) = delete;
  codec_conn& operator=(const codec_conn&) = delete;

  /// Sends `req` at `version` and decodes the answer. Views in the answer (records) point into the last
  /// frame received, valid until the next call.
  template <class Resp, class Req>
  Resp call(const Req& req, std::int16_t version) {
    protocol::request_header h;
    h.correlation_id = ++_correlation;
    h.client_id = "sd-itest-codec";
    auto encoded = protocol::encode_request(h, version, req).flatten();
    if (!encoded) throw harness_error(std::string("cannot encode ") + Req::schema_name);
    auto body = exchange(*encoded, Req::api, version, h.correlation_id, Req::schema_name);
    Resp resp;
    if (!protocol::decode_body(body, version, resp))
      throw harness_error(std::string(Resp::schema_name) + " v" + std::to_string(version) +
                          " does not decode");
    return resp;
  }

 private:
  byte_span exchange(const bytes& frame, protocol::api_key api, std::int16_t version,
                     std::int32_t correlation, const char* what);
  std::unique_ptr<raw_client> _c;
  std::chrono::milliseconds _timeout;
  std::int32_t _correlation = 0;
  bytes _last;
};

/// CreateTopics v7 of one topic (replication 1) with these configs; the topic's answer (the caller checks it).
protocol::create_topics_response::creatable_topic_result create_topic_v7(
    codec_conn& c, const std::string& name, int partitions, const std::map<std::string, std::string>& configs = {});

/// Produce of one record batch (`batch`: whole RecordBatch bytes, kept alive by the caller) to topic/partition
/// at `version`; the partition's answer.
protocol::produce_response::topic_produce_response::partition_produce_response produce_batch(
    codec_conn& c, const std::string& topic, std::int32_t partition, sd::bytes& batch, std::int16_t acks,
    std::int16_t version);

/// Fetch (no wait, up to max_bytes) of one partition from `offset`, naming the topic by `topic` (v4-12) or by
/// `topic_id` (v13+); the whole answer, whose records are views into the connection's last frame.
protocol::fetch_response fetch_partition(codec_conn& c, const std::string& topic, const protocol::uuid& topic_id,
                                         std::int32_t partition, std::int64_t offset, std::int32_t max_bytes,
                                         std::int16_t version);

}  // namespace sd::itest
