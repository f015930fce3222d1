// TLS listeners against real clients: kcat and librdkafka over SSL, client certificates (ssl.client.auth=
// required: good, missing, foreign and expired ones), mTLS principals under the ACL authorizer, bad bytes on
// both kinds of port, certificate reload on SIGHUP, per-listener Metadata, and start-up errors. Each test starts
// its own broker with listeners=PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0; the PKI is made once per binary.
// The fixtures are named after the executable so that the ctest names (Suite.Test, from gtest_discover_tests)
// start with itest_security_tls: `ctest -R itest_security` selects the security tests.
#include <gtest/gtest.h>

#include <signal.h>

#include <filesystem>
#include <iostream>
#include <thread>

#include "security/pki.h"
#include "security/security_support.h"
#include "support/payload.h"
#include "support/wire.h"

namespace sd::itest::sec {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

const char* const two_listeners = "PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0";

class itest_security_tls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { certs = new pki(); }
  static void TearDownTestSuite() {
    delete certs;
    certs = nullptr;
  }

  /// A broker with PLAINTEXT and SSL listeners whose server certificate and key are private copies (the reload
  /// test replaces them), plus `extra` sets.
  std::unique_ptr<broker_process> start_broker(const env_list& extra = {}) {
    broker_config cfg;
    cfg.sets = {{"listeners", two_listeners},
                {"ssl.certificate.location", server_cert()},
                {"ssl.key.location", server_key()},
                {"ssl.ca.location", certs->ca()}};
    cfg.sets.insert(cfg.sets.end(), extra.begin(), extra.end());
    std::filesystem::copy_file(certs->server().cert, server_cert(), std::filesystem::copy_options::overwrite_existing);
    std::filesystem::copy_file(certs->server().key, server_key(), std::filesystem::copy_options::overwrite_existing);
    auto b = std::make_unique<broker_process>(cfg);
    b->start();
    return b;
  }
  std::string server_cert() const { return work.file("server.pem"); }
  std::string server_key() const { return work.file("server.key"); }

  /// A fresh SSL client (with `client` certificate) reaches the broker and produces one message.
  void expect_fresh_ssl_client_works(broker_process& b, const cert_files* client = nullptr,
                                     const std::string& topic = "alive") {
    auto r = probe_client(b.bootstrap("SSL"), ssl_conf(certs->ca(), client), 20s);
    EXPECT_TRUE(r.metadata_ok) << r.describe() << "\n" << b.diagnostics();
    auto s = produce_values(b.bootstrap("SSL"), ssl_conf(certs->ca(), client), topic, 1, 100, 20s);
    EXPECT_EQ(s.ok.size(), 1u) << s.first_error() << "\n" << b.diagnostics();
  }

  static pki* certs;
  temp_dir work{"sd-tls"};
};

pki* itest_security_tls::certs = nullptr;

TEST_F(itest_security_tls, KcatAndLibrdkafkaProduceConsumeOverSsl) {
  auto b = start_broker();
  const auto ssl = ssl_conf(certs->ca());
  create_topic_as(b->bootstrap("SSL"), ssl, "tls-rdkafka", 1);
  create_topic_as(b->bootstrap("SSL"), ssl, "tls-kcat", 1);

  // librdkafka: a few MB (several 1 MiB fetches), every byte checked.
  const int n = scaled(1500, 25000);
  const std::size_t size = 4000;
  auto s = produce_values(b->bootstrap("SSL"), ssl, "tls-rdkafka", n, size);
  ASSERT_EQ(s.ok.size(), static_cast<std::size_t>(n)) << s.first_error() << "\n" << b->diagnostics();
  EXPECT_EQ(consume_and_check(b->bootstrap("SSL"), ssl, "tls-rdkafka", n, size), "");
  // The same bytes read over PLAINTEXT (one log, two listeners).
  EXPECT_EQ(consume_and_check(b->bootstrap("PLAINTEXT"), {}, "tls-rdkafka", n, size), "");

  // kcat: lines in, the same lines out, in order.
  const int lines = scaled(20000, 200000);
  std::string text;
  std::vector<std::string> sent;
  for (int i = 0; i < lines; ++i) {
    sent.push_back(make_value(static_cast<std::uint64_t>(i), 100 + static_cast<std::size_t>(i % 200)));
    text += sent.back() + "\n";
  }
  write_file(work.file("lines.txt"), text);
  auto p = run_kcat(b->bootstrap("SSL"), ssl, {"-P", "-t", "tls-kcat", "-p", "0", "-X", "acks=all"}, work.path(),
                    work.file("lines.txt"), 300s);
  ASSERT_TRUE(p.exit.clean()) << "kcat -P: " << p.exit.describe() << "\n" << tail(p.err);
  auto c = run_kcat(b->bootstrap("SSL"), ssl, {"-C", "-t", "tls-kcat", "-e", "-o", "beginning", "-q"}, work.path(),
                    "", 300s);
  ASSERT_TRUE(c.exit.clean()) << "kcat -C: " << c.exit.describe() << "\n" << tail(c.err);
  auto got = split_lines(c.out);
  ASSERT_EQ(got.size(), sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) ASSERT_EQ(got[i], sent[i]) << "first difference at line " << i;
  b->stop();
}

TEST_F(itest_security_tls, ClientAuthRequiredRefusesMissingForeignAndExpiredCertificates) {
  auto b = start_broker({{"ssl.client.auth", "required"}});
  expect_fresh_ssl_client_works(*b, &certs->alice());

  struct bad_case {
    const char* what;
    conf_map conf;
    std::vector<std::string> alerts;  // the TLS alert the client is sent (in librdkafka's error text), any of
  };
  std::vector<bad_case> cases = {
      // TLS 1.3 has an alert of its own for a missing certificate; TLS 1.2 sends handshake_failure.
      {"no client certificate", ssl_conf(certs->ca()), {"certificate required", "handshake failure"}},
      {"certificate from another CA", ssl_conf(certs->ca(), &certs->foreign()), {"unknown ca"}},
      {"expired certificate", ssl_conf(certs->ca(), &certs->expired()), {"certificate expired"}},
  };
  for (const auto& bc : cases) {
    SCOPED_TRACE(bc.what);
    auto start = clock_type::now();
    auto r = probe_client(b->bootstrap("SSL"), bc.conf, 15s, /*until_error=*/true);
    auto took = clock_type::now() - start;
    EXPECT_FALSE(r.metadata_ok) << "the broker let a client in with " << bc.what;
    EXPECT_FALSE(r.errors.empty()) << r.describe();
    EXPECT_LT(took, 15s) << r.describe();
    bool alerted = false;
    for (const auto& t : r.error_texts)
      for (const auto& a : bc.alerts) alerted |= t.find(a) != std::string::npos;
    EXPECT_TRUE(alerted) << "expected the alert '" << bc.alerts[0] << "': " << r.describe();
    auto k = run_kcat(b->bootstrap("SSL"), bc.conf, {"-L", "-m", "3"}, work.path(), "", 60s);
    EXPECT_FALSE(k.exit.clean()) << "kcat -L succeeded with " << bc.what << ":\n" << k.out;
    EXPECT_TRUE(b->running());
  }

  auto page = scrape(*b);
  EXPECT_GE(metric_or_zero(page, R"(streamdown_security_authentication_failures_total{listener="SSL",mechanism="SSL"})"),
            3.0)
      << page;
  EXPECT_GE(metric_or_zero(page, "streamdown_net_tls_handshake_failures_total"), 3.0) << page;
  // The refusals did not hurt anybody else.
  expect_fresh_ssl_client_works(*b, &certs->alice());
  b->stop();
}

TEST_F(itest_security_tls, MtlsPrincipalMayProduceOnlyWithAnAcl) {
  auto b = start_broker({{"ssl.client.auth", "required"},
                         {"ssl.principal.mapping.rules", "RULE:^CN=([^,]*),.*$/$1/L,DEFAULT"},
                         {"authorizer.enable", "true"},
                         {"super.users", "User:admin"},
                         {"allow.everyone.if.no.acl.found", "false"}});
  const auto admin = ssl_conf(certs->ca(), &certs->admin());
  const auto alice = ssl_conf(certs->ca(), &certs->alice());
  create_topic_as(b->bootstrap("SSL"), admin, "guarded", 1);

  auto before = produce_values(b->bootstrap("SSL"), alice, "guarded", 3, 50, 15s);
  ASSERT_TRUE(before.ok.empty()) << "User:alice produced without an ACL";
  ASSERT_FALSE(before.failed.empty());
  for (const auto& d : before.failed)
    EXPECT_EQ(d.err, RdKafka::ERR_TOPIC_AUTHORIZATION_FAILED) << RdKafka::err2str(d.err);

  // RD_KAFKA_ACL_OPERATION_WRITE
  create_topic_acl_as(b->bootstrap("SSL"), admin, "User:alice", "guarded", 4);
  auto after = produce_values(b->bootstrap("SSL"), alice, "guarded", 3, 50, 20s);
  EXPECT_EQ(after.ok.size(), 3u) << after.first_error() << "\n" << b->diagnostics();

  // The ACL names alice only: another topic stays closed to her.
  create_topic_as(b->bootstrap("SSL"), admin, "other", 1);
  auto other = produce_values(b->bootstrap("SSL"), alice, "other", 1, 50, 15s);
  ASSERT_EQ(other.failed.size(), 1u);
  EXPECT_EQ(other.failed[0].err, RdKafka::ERR_TOPIC_AUTHORIZATION_FAILED);
  b->stop();
}

/// A minimal TLS 1.2 ClientHello record (what any TLS client sends first).
bytes client_hello() {
  wire::writer hs;
  hs.i16(0x0303);                                           // client_version TLS 1.2
  for (int i = 0; i < 32; ++i) hs.i8(static_cast<std::int8_t>(i));  // random
  hs.i8(0);                                                 // session id
  hs.i16(4).i16(static_cast<std::int16_t>(0xc02f)).i16(static_cast<std::int16_t>(0xc02b));  // cipher suites
  hs.i8(1).i8(0);                                           // compression: null
  hs.i16(0);                                                // no extensions
  bytes body = hs.take();
  wire::writer rec;
  rec.i8(0x16).i16(0x0301).i16(static_cast<std::int16_t>(body.size() + 4));
  rec.i8(0x01).i8(0).i16(static_cast<std::int16_t>(body.size()));  // handshake type + 24-bit length
  rec.raw(body);
  return rec.take();
}

TEST_F(itest_security_tls, BadBytesOnBothPortsCloseOnlyThatConnection) {
  auto b = start_broker();

  {  // TLS to the PLAINTEXT port: the "size" 0x16030100.. is far beyond socket.request.max.bytes.
    raw_client c(b->listener_port("PLAINTEXT"));
    ASSERT_TRUE(c.send_all(client_hello()));
    EXPECT_TRUE(c.wait_closed(5s)) << "a ClientHello on the PLAINTEXT port was not closed";
  }
  EXPECT_TRUE(b->running());
  expect_fresh_ssl_client_works(*b);

  {  // Plain Kafka ApiVersions to the SSL port: not a TLS record.
    raw_client c(b->listener_port("SSL"));
    bytes frame = wire::request_frame(wire::api::api_versions, 0, 1, "sd-itest-raw", {});
    c.send_all(frame);  // the broker may close before all of it is taken
    EXPECT_TRUE(c.wait_closed(5s)) << "plaintext Kafka bytes on the SSL port were not closed";
  }
  EXPECT_TRUE(b->running());
  expect_fresh_ssl_client_works(*b);

  {  // Connects to SSL and says nothing: closed by the handshake timeout (10 s); others are served meanwhile.
    auto start = clock_type::now();
    raw_client silent(b->listener_port("SSL"));
    expect_fresh_ssl_client_works(*b, nullptr, "meanwhile");
    auto s = produce_values(b->bootstrap("PLAINTEXT"), {}, "meanwhile", 1, 10, 20s);
    EXPECT_EQ(s.ok.size(), 1u) << s.first_error();
    EXPECT_TRUE(silent.wait_closed(20s)) << "a silent TLS client was not closed within 20 s";
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start);
    EXPECT_GE(took, 5s) << "closed before the handshake timeout";
    EXPECT_LE(took, 16s);
    std::cout << "[ info ] silent TLS client closed after " << took.count() << " ms\n";
  }
  EXPECT_TRUE(b->running());
  expect_fresh_ssl_client_works(*b);
  auto page = scrape(*b);
  EXPECT_GE(metric_or_zero(page, "streamdown_net_tls_handshake_failures_total"), 2.0) << page;
  b->stop();
}

/// The certificate a new TLS connection to port is served: its serial (hex) per `openssl x509 -serial`.
std::string served_serial(pki& p, std::uint16_t port, const std::string& work_dir) {
  std::string out = p.openssl({"s_client", "-connect", "127.0.0.1:" + std::to_string(port), "-servername", "localhost",
                               "-CAfile", p.ca(), "-showcerts"});
  auto begin = out.find("-----BEGIN CERTIFICATE-----");
  auto end = out.find("-----END CERTIFICATE-----", begin);
  if (begin == std::string::npos || end == std::string::npos) throw harness_error("s_client shows no certificate:\n" + out);
  std::string pem = out.substr(begin, end + 25 - begin) + "\n";
  write_file(work_dir + "/served.pem", pem);
  return p.serial_of(work_dir + "/served.pem");
}

/// Replaces a file atomically (write beside it, rename over it).
void replace_file(const std::string& path, const std::string& content) {
  write_file(path + ".tmp", content);
  std::filesystem::rename(path + ".tmp", path);
}

/// Polls /metrics until series >= want or the timeout passes; returns the last value.
double wait_metric(const broker_process& b, const std::string& series, double want, std::chrono::milliseconds timeout) {
  auto deadline = clock_type::now() + timeout;
  double v = 0;
  for (;;) {
    v = metric_or_zero(scrape(b), series);
    if (v >= want || clock_type::now() >= deadline) return v;
    std::this_thread::sleep_for(100ms);
  }
}

TEST_F(itest_security_tls, SighupReloadsTheCertificateAndABrokenKeyKeepsTheOldOne) {
  auto b = start_broker({{"streamdown.ssl.reload.check.interval.ms", "0"}});  // SIGHUP only
  const auto serial_a = certs->serial_of(certs->server().cert);
  ASSERT_EQ(served_serial(*certs, b->listener_port("SSL"), work.path()), serial_a);

  auto cert_b = certs->issue("server-b", "/O=streamdown tests/CN=streamdown-server-b", pki::usage::server, 1002);
  const auto serial_b = certs->serial_of(cert_b.cert);
  ASSERT_NE(serial_a, serial_b);
  replace_file(server_key(), read_file(cert_b.key));
  replace_file(server_cert(), read_file(cert_b.cert));
  ASSERT_EQ(::kill(b->pid(), SIGHUP), 0);
  EXPECT_EQ(wait_metric(*b, "streamdown_security_tls_reloads_total", 1, 10s), 1.0) << b->diagnostics();
  EXPECT_EQ(served_serial(*certs, b->listener_port("SSL"), work.path()), serial_b);
  expect_fresh_ssl_client_works(*b);  // librdkafka verifies B against the same CA

  // A broken key: the reload fails, is counted, and B stays in use.
  replace_file(server_key(), "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");
  ASSERT_EQ(::kill(b->pid(), SIGHUP), 0);
  EXPECT_EQ(wait_metric(*b, "streamdown_security_tls_reload_failures_total", 1, 10s), 1.0) << b->diagnostics();
  EXPECT_EQ(metric_or_zero(scrape(*b), "streamdown_security_tls_reloads_total"), 1.0);
  EXPECT_EQ(served_serial(*certs, b->listener_port("SSL"), work.path()), serial_b);
  expect_fresh_ssl_client_works(*b);
  EXPECT_TRUE(b->running());
  b->stop();
}

TEST_F(itest_security_tls, MetadataAdvertisesTheListenerTheClientUses) {
  auto b = start_broker();
  const std::string ssl_addr = "127.0.0.1:" + std::to_string(b->listener_port("SSL"));
  const std::string plain_addr = "127.0.0.1:" + std::to_string(b->listener_port("PLAINTEXT"));
  ASSERT_NE(ssl_addr, plain_addr);
  auto over_ssl = metadata_brokers(b->bootstrap("SSL"), ssl_conf(certs->ca()));
  auto over_plain = metadata_brokers(b->bootstrap("PLAINTEXT"), {});
  EXPECT_EQ(over_ssl, std::vector<std::string>{ssl_addr});
  EXPECT_EQ(over_plain, std::vector<std::string>{plain_addr});
  b->stop();
}

// ---- start-up errors ----

class itest_security_tls_startup : public itest_security_tls {
 protected:
  broker_run_result run(const std::vector<std::string>& sets, bool with_kafka_addr = false) {
    std::vector<std::string> args = {"broker", "--data-dir", work.file("data"), "--http-addr", "127.0.0.1:0"};
    if (with_kafka_addr) {
      args.push_back("--kafka-addr");
      args.push_back("127.0.0.1:0");
    }
    for (const auto& s : sets) {
      args.push_back("--set");
      args.push_back(s);
    }
    return run_broker_to_exit(args, {}, 30s);
  }
};

TEST_F(itest_security_tls_startup, ListenersTogetherWithKafkaAddrIsRefused) {
  auto r = run({"listeners=PLAINTEXT://127.0.0.1:0"}, /*with_kafka_addr=*/true);
  EXPECT_TRUE(r.exit.exited && r.exit.code != 0) << r.exit.describe();
  EXPECT_NE(r.stderr_text.find("listeners"), std::string::npos) << r.stderr_text;
  EXPECT_NE(r.stderr_text.find("kafka-addr"), std::string::npos) << r.stderr_text;
  EXPECT_EQ(r.stdout_text.find("listening"), std::string::npos) << r.stdout_text;
}

TEST_F(itest_security_tls_startup, SslListenerWithoutCertificateIsRefused) {
  auto r = run({"listeners=PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0"});
  EXPECT_TRUE(r.exit.exited && r.exit.code != 0) << r.exit.describe();
  EXPECT_NE(r.stderr_text.find("ssl.certificate.location"), std::string::npos) << r.stderr_text;
  EXPECT_EQ(r.stdout_text.find("listening"), std::string::npos) << r.stdout_text;

  // A certificate whose key does not match is refused too, naming the files.
  auto m = run({"listeners=SSL://127.0.0.1:0", "ssl.certificate.location=" + certs->server().cert,
                "ssl.key.location=" + certs->alice().key});
  EXPECT_TRUE(m.exit.exited && m.exit.code != 0) << m.exit.describe();
  EXPECT_NE(m.stderr_text.find(certs->alice().key), std::string::npos) << m.stderr_text;
}

TEST_F(itest_security_tls_startup, BadListenerNameIsRefused) {
  auto r = run({"listeners=PLAINTEXT://127.0.0.1:0,BOGUS://127.0.0.1:0"});
  EXPECT_TRUE(r.exit.exited && r.exit.code != 0) << r.exit.describe();
  EXPECT_NE(r.stderr_text.find("listeners"), std::string::npos) << r.stderr_text;
  EXPECT_NE(r.stderr_text.find("BOGUS"), std::string::npos) << r.stderr_text;

  auto twice = run({"listeners=SSL://127.0.0.1:0,ssl://127.0.0.1:0"});
  EXPECT_TRUE(twice.exit.exited && twice.exit.code != 0) << twice.exit.describe();
  EXPECT_NE(twice.stderr_text.find("twice"), std::string::npos) << twice.stderr_text;
}

}  // namespace
}  // namespace sd::itest::sec
