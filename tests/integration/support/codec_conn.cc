#include "support/codec_conn.h"

#include "protocol/generated/sasl_authenticate.h"
#include "protocol/generated/sasl_handshake.h"

namespace sd::itest {

codec_conn::codec_conn(std::uint16_t port, const std::string& user, const std::string& password,
                       std::chrono::milliseconds timeout)
    : _c(std::make_unique<raw_client>(port, timeout)), _timeout(timeout) {
  if (user.empty()) return;
  protocol::sasl_handshake_request hs;
  hs.mechanism = "PLAIN";
  auto hr = call<protocol::sasl_handshake_response>(hs, 1);
  if (hr.error_code != 0) throw harness_error("SaslHandshake PLAIN: error " + std::to_string(hr.error_code));
  protocol::sasl_authenticate_request a;
  const std::string token = std::string(1, '\0') + user + std::string(1, '\0') + password;
  a.auth_bytes.assign(token.begin(), token.end());
  auto ar = call<protocol::sasl_authenticate_response>(a, 1);
  if (ar.error_code != 0)
    throw harness_error("SaslAuthenticate as " + user + ": error " + std::to_string(ar.error_code) + " " +
                        ar.error_message.value_or(""));
}

byte_span codec_conn::exchange(const bytes& frame, protocol::api_key api, std::int16_t version,
                               std::int32_t correlation, const char* what) {
  if (!_c->send_all(frame, _timeout))
    throw harness_error(std::string(what) + ": the broker closed the connection");
  auto r = _c->receive_frame(_timeout);
  if (r.st != raw_client::status::frame)
    throw harness_error(std::string(what) + " v" + std::to_string(version) + ": no answer (" +
                        to_string(r.st) + ")");
  _last = std::move(r.payload);
  byte_reader in(_last);
  if (in.read_i32() != correlation) throw harness_error(std::string(what) + ": wrong correlation id");
  if (protocol::response_header_version(api, version) >= 1) {
    auto n = in.read_uvarint();
    for (std::uint32_t i = 0; i < n && in.ok(); ++i) {
      in.read_uvarint();
      in.skip(in.read_uvarint());
    }
  }
  if (!in.ok()) throw harness_error(std::string(what) + ": bad response header");
  return byte_span(_last).subspan(_last.size() - in.remaining());
}

protocol::create_topics_response::creatable_topic_result create_topic_v7(
    codec_conn& c, const std::string& name, int partitions, const std::map<std::string, std::string>& configs) {
  protocol::create_topics_request req;
  req.timeout_ms = 10000;
  auto& t = req.topics.emplace_back();
  t.name = name;
  t.num_partitions = partitions;
  t.replication_factor = 1;
  for (const auto& [k, v] : configs) {
    auto& cfg = t.configs.emplace_back();
    cfg.name = k;
    cfg.value = v;
  }
  auto r = c.call<protocol::create_topics_response>(req, 7);
  if (r.topics.size() != 1) throw harness_error("CreateTopics answered " + std::to_string(r.topics.size()) + " topics");
  return std::move(r.topics[0]);
}

protocol::produce_response::topic_produce_response::partition_produce_response produce_batch(
    codec_conn& c, const std::string& topic, std::int32_t partition, sd::bytes& batch, std::int16_t acks,
    std::int16_t version) {
  protocol::produce_request req;
  req.acks = acks;
  req.timeout_ms = 10000;
  auto& td = req.topic_data.emplace_back();
  td.name = topic;
  auto& pd = td.partition_data.emplace_back();
  pd.index = partition;
  pd.records.data = sd::mutable_byte_span(batch.data(), batch.size());
  auto r = c.call<protocol::produce_response>(req, version);
  if (r.responses.size() != 1 || r.responses[0].partition_responses.size() != 1)
    throw harness_error("Produce answered another shape than one topic with one partition");
  return std::move(r.responses[0].partition_responses[0]);
}

protocol::fetch_response fetch_partition(codec_conn& c, const std::string& topic, const protocol::uuid& topic_id,
                                         std::int32_t partition, std::int64_t offset, std::int32_t max_bytes,
                                         std::int16_t version) {
  protocol::fetch_request req;
  req.max_wait_ms = 0;
  req.min_bytes = 1;
  req.max_bytes = max_bytes;
  auto& t = req.topics.emplace_back();
  t.topic = topic;
  t.topic_id = topic_id;
  auto& fp = t.partitions.emplace_back();
  fp.partition = partition;
  fp.fetch_offset = offset;
  fp.partition_max_bytes = max_bytes;
  auto r = c.call<protocol::fetch_response>(req, version);
  if (r.responses.size() != 1 || r.responses[0].partitions.size() != 1)
    throw harness_error("Fetch answered another shape than one topic with one partition");
  return r;
}

}  // namespace sd::itest
