#include "security/security_support.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include "base/byte_reader.h"
#include "support/http_client.h"
#include "support/payload.h"
#include "support/wire.h"

namespace sd::itest::sec {

using namespace std::chrono_literals;

conf_map merge(conf_map a, const conf_map& b) {
  for (const auto& [k, v] : b) a[k] = v;
  return a;
}

conf_map ssl_conf(const std::string& ca, const cert_files* client) {
  conf_map c{{"security.protocol", "SSL"}, {"ssl.ca.location", ca}};
  if (client != nullptr) {
    c["ssl.certificate.location"] = client->cert;
    c["ssl.key.location"] = client->key;
  }
  return c;
}

conf_map sasl_conf(const std::string& protocol, const std::string& mechanism, const std::string& user,
                   const std::string& password, const std::string& ca) {
  conf_map c{{"security.protocol", protocol},
             {"sasl.mechanisms", mechanism},
             {"sasl.username", user},
             {"sasl.password", password}};
  if (!ca.empty()) c["ssl.ca.location"] = ca;
  return c;
}

// ---- probe ----

bool probe_result::saw(RdKafka::ErrorCode e) const {
  for (auto x : errors)
    if (x == e) return true;
  return false;
}

std::string probe_result::describe() const {
  std::ostringstream o;
  o << "metadata " << (metadata_ok ? "ok" : RdKafka::err2str(metadata_err)) << "; " << errors.size()
    << " error event(s)";
  for (std::size_t i = 0; i < error_texts.size() && i < 6; ++i) o << "\n  " << error_texts[i];
  return o.str();
}

namespace {

struct error_collector : RdKafka::EventCb {
  std::mutex mu;
  std::vector<RdKafka::ErrorCode> errors;
  std::vector<std::string> texts;
  void event_cb(RdKafka::Event& e) override {
    if (e.type() != RdKafka::Event::EVENT_ERROR) return;
    std::lock_guard lk(mu);
    errors.push_back(e.err());
    texts.push_back(RdKafka::err2str(e.err()) + ": " + e.str());
  }
};

std::unique_ptr<RdKafka::Producer> make_handle(const std::string& bootstrap, const conf_map& conf,
                                               RdKafka::EventCb* cb = nullptr) {
  auto c = make_conf(merge(client_defaults(bootstrap), conf));
  std::string err;
  if (cb != nullptr && c->set("event_cb", cb, err) != RdKafka::Conf::CONF_OK) throw harness_error("event_cb: " + err);
  std::unique_ptr<RdKafka::Producer> p(RdKafka::Producer::create(c.get(), err));
  if (!p) throw harness_error("cannot create client: " + err);
  return p;
}

}  // namespace

probe_result probe_client(const std::string& bootstrap, const conf_map& conf, std::chrono::milliseconds timeout,
                          bool until_error) {
  error_collector cb;
  auto h = make_handle(bootstrap, conf, &cb);
  probe_result r;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    RdKafka::Metadata* md = nullptr;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    int step = static_cast<int>(std::clamp<std::int64_t>(left.count(), 1, 1000));
    r.metadata_err = h->metadata(true, nullptr, &md, step);
    delete md;
    h->poll(0);
    if (r.metadata_err == RdKafka::ERR_NO_ERROR) {
      r.metadata_ok = true;
      break;
    }
    h->poll(50);
    std::lock_guard lk(cb.mu);
    if (until_error && !cb.errors.empty()) break;
  }
  h->poll(0);
  std::lock_guard lk(cb.mu);
  r.errors = cb.errors;
  r.error_texts = cb.texts;
  return r;
}

std::vector<std::string> metadata_brokers(const std::string& bootstrap, const conf_map& conf,
                                          std::chrono::milliseconds timeout) {
  auto h = make_handle(bootstrap, conf);
  RdKafka::Metadata* md = nullptr;
  RdKafka::ErrorCode e = h->metadata(true, nullptr, &md, static_cast<int>(timeout.count()));
  std::unique_ptr<RdKafka::Metadata> owned(md);
  if (e != RdKafka::ERR_NO_ERROR) throw harness_error("metadata from " + bootstrap + ": " + RdKafka::err2str(e));
  std::vector<std::string> out;
  for (const auto* b : *md->brokers()) out.push_back(b->host() + ":" + std::to_string(b->port()));
  return out;
}

// ---- admin ----

namespace {

/// Runs one admin call on a fresh queue and returns the result event (the caller destroys it), or throws.
template <class Start>
rd_kafka_event_t* admin_call(rd_kafka_t* rk, rd_kafka_admin_op_t op, std::chrono::milliseconds timeout, Start start) {
  char errbuf[512];
  rd_kafka_AdminOptions_t* ao = rd_kafka_AdminOptions_new(rk, op);
  rd_kafka_AdminOptions_set_request_timeout(ao, static_cast<int>(timeout.count()), errbuf, sizeof errbuf);
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  start(ao, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, static_cast<int>(timeout.count()) + 5000);
  rd_kafka_queue_destroy(q);
  rd_kafka_AdminOptions_destroy(ao);
  if (ev == nullptr) throw harness_error("no admin result within the timeout");
  if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    std::string why = rd_kafka_event_error_string(ev);
    rd_kafka_event_destroy(ev);
    throw harness_error("admin request failed: " + why);
  }
  return ev;
}

}  // namespace

void create_topic_as(const std::string& bootstrap, const conf_map& conf, const std::string& topic, int partitions,
                     std::chrono::milliseconds timeout) {
  auto h = make_handle(bootstrap, conf);
  rd_kafka_t* rk = h->c_ptr();
  char errbuf[512];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), partitions, 1, errbuf, sizeof errbuf);
  if (nt == nullptr) throw harness_error(std::string("NewTopic: ") + errbuf);
  rd_kafka_event_t* ev = nullptr;
  try {
    ev = admin_call(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout,
                    [&](rd_kafka_AdminOptions_t* ao, rd_kafka_queue_t* q) { rd_kafka_CreateTopics(rk, &nt, 1, ao, q); });
  } catch (...) {
    rd_kafka_NewTopic_destroy(nt);
    throw;
  }
  rd_kafka_NewTopic_destroy(nt);
  size_t n = 0;
  const rd_kafka_topic_result_t** res = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
  std::string failure;
  if (n != 1) {
    failure = std::to_string(n) + " results";
  } else if (rd_kafka_topic_result_error(res[0]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* msg = rd_kafka_topic_result_error_string(res[0]);
    failure = std::string(rd_kafka_err2name(rd_kafka_topic_result_error(res[0]))) + (msg ? std::string(": ") + msg : "");
  }
  rd_kafka_event_destroy(ev);
  if (!failure.empty()) throw harness_error("create topic " + topic + ": " + failure);
}

void create_topic_acl_as(const std::string& bootstrap, const conf_map& conf, const std::string& principal,
                         const std::string& topic, int operation, std::chrono::milliseconds timeout) {
  auto h = make_handle(bootstrap, conf);
  rd_kafka_t* rk = h->c_ptr();
  char errbuf[512];
  rd_kafka_AclBinding_t* acl = rd_kafka_AclBinding_new(
      RD_KAFKA_RESOURCE_TOPIC, topic.c_str(), RD_KAFKA_RESOURCE_PATTERN_LITERAL, principal.c_str(), "*",
      static_cast<rd_kafka_AclOperation_t>(operation), RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW, errbuf, sizeof errbuf);
  if (acl == nullptr) throw harness_error(std::string("AclBinding: ") + errbuf);
  rd_kafka_event_t* ev = nullptr;
  try {
    ev = admin_call(rk, RD_KAFKA_ADMIN_OP_CREATEACLS, timeout,
                    [&](rd_kafka_AdminOptions_t* ao, rd_kafka_queue_t* q) { rd_kafka_CreateAcls(rk, &acl, 1, ao, q); });
  } catch (...) {
    rd_kafka_AclBinding_destroy(acl);
    throw;
  }
  rd_kafka_AclBinding_destroy(acl);
  size_t n = 0;
  const rd_kafka_acl_result_t** res = rd_kafka_CreateAcls_result_acls(rd_kafka_event_CreateAcls_result(ev), &n);
  std::string failure;
  if (n != 1) {
    failure = std::to_string(n) + " results";
  } else if (const rd_kafka_error_t* e = rd_kafka_acl_result_error(res[0]); e != nullptr) {
    failure = std::string(rd_kafka_error_name(e)) + ": " + rd_kafka_error_string(e);
  }
  rd_kafka_event_destroy(ev);
  if (!failure.empty()) throw harness_error("create ACL for " + principal + " on " + topic + ": " + failure);
}

// ---- produce / consume ----

produce_summary produce_values(const std::string& bootstrap, const conf_map& conf, const std::string& topic,
                               int count, std::size_t size, std::chrono::milliseconds timeout) {
  tracking_producer p(bootstrap, merge({{"message.timeout.ms", std::to_string(timeout.count())}}, conf));
  for (int i = 0; i < count; ++i)
    p.produce(topic, 0, std::nullopt, make_value(static_cast<std::uint64_t>(i), size), static_cast<std::uint64_t>(i),
              timeout);
  p.flush(timeout + 5s);
  produce_summary s;
  for (const auto& d : p.deliveries()) (d.err == RdKafka::ERR_NO_ERROR ? s.ok : s.failed).push_back(d);
  return s;
}

std::string consume_and_check(const std::string& bootstrap, const conf_map& conf, const std::string& topic,
                              int count, std::size_t size, std::chrono::milliseconds timeout) {
  consume_options o;
  o.expected = count;
  o.timeout = timeout;
  o.overrides = conf;
  auto got = consume(bootstrap, topic, {0}, o);
  if (got.size() != static_cast<std::size_t>(count))
    return "consumed " + std::to_string(got.size()) + " of " + std::to_string(count) + " messages";
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (got[i].offset != static_cast<std::int64_t>(i)) return "offset " + std::to_string(got[i].offset) + " at " + std::to_string(i);
    if (got[i].value != make_value(i, size)) return "value of offset " + std::to_string(i) + " differs";
  }
  return {};
}

// ---- kcat ----

kcat_result run_kcat(const std::string& bootstrap, const conf_map& conf, const std::vector<std::string>& args,
                     const std::string& work_dir, const std::string& stdin_path, std::chrono::milliseconds timeout) {
  if (kcat_binary().empty()) throw harness_error("kcat not found: run scripts/setup");
  command cmd;
  cmd.argv = {kcat_binary(), "-b", bootstrap, "-X", "socket.timeout.ms=10000", "-X", "log_level=4"};
  for (const auto& [k, v] : conf) {
    cmd.argv.push_back("-X");
    cmd.argv.push_back(k + "=" + v);
  }
  cmd.argv.insert(cmd.argv.end(), args.begin(), args.end());
  cmd.stdin_path = stdin_path;
  cmd.stdout_path = work_dir + "/kcat.out";
  cmd.stderr_path = work_dir + "/kcat.err";
  kcat_result r;
  r.exit = run_command(cmd, timeout);
  r.out = read_file(cmd.stdout_path);
  r.err = read_file(cmd.stderr_path);
  return r;
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> v;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) v.push_back(l);
  return v;
}

// ---- metrics ----

std::string scrape(const broker_process& broker) {
  auto r = http_get(broker.http_port(), "/metrics");
  if (r.status != 200) throw harness_error("GET /metrics: status " + std::to_string(r.status) + "\n" + r.body);
  return r.body;
}

double metric_or_zero(const std::string& page, const std::string& series) {
  return metric_value(page, series).value_or(0.0);
}

// ---- raw SASL frames ----

namespace sasl_wire {

bytes handshake_v1(std::int32_t correlation_id, const std::string& mechanism) {
  wire::writer w;
  w.string(mechanism);
  return wire::request_frame(sasl_handshake, 1, correlation_id, "sd-itest-raw", w.data());
}

bytes authenticate_v1(std::int32_t correlation_id, const std::string& auth_bytes) {
  wire::writer w;
  w.bytes32(as_bytes(auth_bytes));
  return wire::request_frame(sasl_authenticate, 1, correlation_id, "sd-itest-raw", w.data());
}

bytes metadata_v1(std::int32_t correlation_id) {
  wire::writer w;
  w.i32(-1);  // all topics
  return wire::request_frame(wire::api::metadata, 1, correlation_id, "sd-itest-raw", w.data());
}

std::optional<handshake_response> parse_handshake_v1(byte_span frame) {
  byte_reader r(frame);
  handshake_response out;
  out.correlation_id = r.read_i32();
  out.error_code = r.read_i16();
  std::int32_t n = r.read_i32();
  if (!r.ok() || n < 0 || static_cast<std::size_t>(n) * 2 > r.remaining()) return std::nullopt;
  for (std::int32_t i = 0; i < n; ++i) {
    std::int16_t len = r.read_i16();
    if (!r.ok() || len < 0) return std::nullopt;
    out.mechanisms.emplace_back(r.read_string_view(static_cast<std::size_t>(len)));
  }
  if (!r.ok()) return std::nullopt;
  return out;
}

std::optional<authenticate_response> parse_authenticate_v1(byte_span frame) {
  byte_reader r(frame);
  authenticate_response out;
  out.correlation_id = r.read_i32();
  out.error_code = r.read_i16();
  std::int16_t mlen = r.read_i16();
  if (!r.ok()) return std::nullopt;
  if (mlen >= 0) out.error_message = std::string(r.read_string_view(static_cast<std::size_t>(mlen)));
  std::int32_t blen = r.read_i32();
  if (!r.ok() || blen < -1) return std::nullopt;
  if (blen > 0) out.auth_bytes = std::string(r.read_string_view(static_cast<std::size_t>(blen)));
  out.session_lifetime_ms = r.read_i64();
  if (!r.ok()) return std::nullopt;
  return out;
}

bytes round_trip(raw_client& c, const bytes& frame, std::chrono::milliseconds timeout) {
  if (!c.send_all(frame, timeout)) throw harness_error("the broker closed the connection before the request was sent");
  auto r = c.receive_frame(timeout);
  if (r.st != raw_client::status::frame) throw harness_error("no response frame: " + to_string(r.st));
  return std::move(r.payload);
}

}  // namespace sasl_wire

}  // namespace sd::itest::sec
