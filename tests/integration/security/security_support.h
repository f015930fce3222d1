#pragma once
// Helpers shared by the security tests: librdkafka settings for SSL / SASL clients, a connection probe that
// reports the first error a client meets (to assert refusals within a bounded time), admin calls (topics,
// ACLs) through a configured client, kcat runs, raw SASL frames, and /metrics reads.

#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "security/pki.h"
#include "support/broker_process.h"
#include "support/kafka_client.h"
#include "support/raw_client.h"

namespace sd::itest::sec {

/// security.protocol=SSL trusting the test CA, with a client certificate when `client` is set.
conf_map ssl_conf(const std::string& ca, const cert_files* client = nullptr);
/// security.protocol=SASL_PLAINTEXT or SASL_SSL (then trusting `ca`), with a mechanism and credentials.
conf_map sasl_conf(const std::string& protocol, const std::string& mechanism, const std::string& user,
                   const std::string& password, const std::string& ca = "");
/// a + b (b wins).
conf_map merge(conf_map a, const conf_map& b);

/// What a client saw when it tried to reach the cluster.
struct probe_result {
  bool metadata_ok = false;           // a Metadata request came back
  RdKafka::ErrorCode metadata_err = RdKafka::ERR_NO_ERROR;
  std::vector<RdKafka::ErrorCode> errors;  // error events, in order
  std::vector<std::string> error_texts;
  bool saw(RdKafka::ErrorCode e) const;
  std::string describe() const;
};
/// Creates a client with `conf` (plus short defaults) on `bootstrap`, asks for metadata (bounded by timeout)
/// and collects its error events meanwhile. With `until_error`, returns as soon as an error event arrived.
probe_result probe_client(const std::string& bootstrap, const conf_map& conf, std::chrono::milliseconds timeout,
                          bool until_error = false);

/// The brokers of a Metadata response as "host:port" (one per broker), through a client configured with conf.
std::vector<std::string> metadata_brokers(const std::string& bootstrap, const conf_map& conf,
                                          std::chrono::milliseconds timeout = std::chrono::seconds(20));

/// CreateTopics (replication 1) through a configured client; throws harness_error with the broker's error.
void create_topic_as(const std::string& bootstrap, const conf_map& conf, const std::string& topic, int partitions,
                     std::chrono::milliseconds timeout = std::chrono::seconds(30));
/// CreateAcls: ALLOW `operation` (librdkafka's rd_kafka_AclOperation_t value) on LITERAL topic `topic` for
/// `principal` from any host. Throws harness_error with the broker's error.
void create_topic_acl_as(const std::string& bootstrap, const conf_map& conf, const std::string& principal,
                         const std::string& topic, int operation,
                         std::chrono::milliseconds timeout = std::chrono::seconds(30));

/// Produces `count` values make_value(i, size) to topic/partition 0 with `conf`; returns the produce summary.
produce_summary produce_values(const std::string& bootstrap, const conf_map& conf, const std::string& topic,
                               int count, std::size_t size, std::chrono::milliseconds timeout = std::chrono::seconds(120));
/// Consumes partition 0 from the beginning with `conf` and checks every value equals make_value(i, size) at
/// offset i; returns an empty string when all `count` came back equal, else what differs.
std::string consume_and_check(const std::string& bootstrap, const conf_map& conf, const std::string& topic,
                              int count, std::size_t size, std::chrono::milliseconds timeout = std::chrono::seconds(120));

/// kcat with `-b bootstrap` and every conf entry as -X key=value, then args.
struct kcat_result {
  exit_info exit;
  std::string out;
  std::string err;
};
kcat_result run_kcat(const std::string& bootstrap, const conf_map& conf, const std::vector<std::string>& args,
                     const std::string& work_dir, const std::string& stdin_path = "",
                     std::chrono::milliseconds timeout = std::chrono::seconds(120));
/// Lines of a text (no trailing empty line).
std::vector<std::string> split_lines(const std::string& s);

/// GET /metrics; the value of one series, 0 when it is absent (labelled counters start absent).
std::string scrape(const broker_process& broker);
double metric_or_zero(const std::string& page, const std::string& series);

// ---- raw SASL frames (request header v1, non-flexible versions) ----
namespace sasl_wire {
constexpr std::int16_t sasl_handshake = 17;
constexpr std::int16_t sasl_authenticate = 36;
constexpr std::int16_t unsupported_sasl_mechanism = 33;
constexpr std::int16_t illegal_sasl_state = 34;
constexpr std::int16_t sasl_authentication_failed = 58;

bytes handshake_v1(std::int32_t correlation_id, const std::string& mechanism);
/// SaslAuthenticate v1 (auth_bytes as BYTES).
bytes authenticate_v1(std::int32_t correlation_id, const std::string& auth_bytes);
/// Metadata v1 for all topics.
bytes metadata_v1(std::int32_t correlation_id);

struct handshake_response {
  std::int32_t correlation_id = 0;
  std::int16_t error_code = 0;
  std::vector<std::string> mechanisms;
};
std::optional<handshake_response> parse_handshake_v1(byte_span frame);

struct authenticate_response {
  std::int32_t correlation_id = 0;
  std::int16_t error_code = 0;
  std::optional<std::string> error_message;
  std::string auth_bytes;
  std::int64_t session_lifetime_ms = 0;
};
std::optional<authenticate_response> parse_authenticate_v1(byte_span frame);

/// Sends a frame and reads the reply; throws harness_error (with what happened) when there is none.
bytes round_trip(raw_client& c, const bytes& frame, std::chrono::milliseconds timeout = std::chrono::seconds(10));
}  // namespace sasl_wire

}  // namespace sd::itest::sec
