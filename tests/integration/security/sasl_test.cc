// SASL against real clients and hand-made frames: kcat and librdkafka over SASL_PLAINTEXT and SASL_SSL with
// PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512; a wrong password (librdkafka's authentication error, the failure
// counter); kafkajs over SASL_SSL with SCRAM-SHA-256; the user store on disk (0600, no password, survives a
// restart); bad SASL input on the wire (requests before authentication, unknown mechanism, out-of-order
// SaslAuthenticate, truncated and oversized SCRAM messages, a replayed SCRAM client-final); and
// connections.max.reauth.ms. Every broker has listeners PLAINTEXT, SASL_PLAINTEXT and SASL_SSL and the
// bootstrap user admin:admin-secret (STREAMDOWN_BOOTSTRAP_USER). The fixtures are named after the executable so
// that the ctest names start with itest_security_sasl (or ListenerMechanism/itest_security_sasl_clients).
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include "security/pki.h"
#include "security/scram.h"
#include "security/security_support.h"
#include "support/payload.h"
#include "support/wire.h"

namespace sd::itest::sec {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
namespace sw = sasl_wire;

const char* const admin_user = "admin";
const char* const admin_password = "admin-secret";

class itest_security_sasl : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { certs = new pki(); }
  static void TearDownTestSuite() {
    delete certs;
    certs = nullptr;
  }

  static broker_config sasl_broker_config(const env_list& extra = {}) {
    broker_config cfg;
    cfg.sets = {{"listeners", "PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0"},
                {"ssl.certificate.location", certs->server().cert},
                {"ssl.key.location", certs->server().key}};
    cfg.sets.insert(cfg.sets.end(), extra.begin(), extra.end());
    cfg.env = {{"STREAMDOWN_BOOTSTRAP_USER", std::string(admin_user) + ":" + admin_password}};
    return cfg;
  }
  std::unique_ptr<broker_process> start_broker(const env_list& extra = {}) {
    auto b = std::make_unique<broker_process>(sasl_broker_config(extra));
    b->start();
    return b;
  }
  static conf_map client(const std::string& listener, const std::string& mechanism,
                         const std::string& password = admin_password) {
    return sasl_conf(listener, mechanism, admin_user, password, listener == "SASL_SSL" ? certs->ca() : "");
  }
  /// A fresh SCRAM-SHA-256 client on SASL_PLAINTEXT reaches the broker and produces one message.
  void expect_fresh_client_works(broker_process& b) {
    auto conf = client("SASL_PLAINTEXT", "SCRAM-SHA-256");
    auto r = probe_client(b.bootstrap("SASL_PLAINTEXT"), conf, 20s);
    EXPECT_TRUE(r.metadata_ok) << r.describe() << "\n" << b.diagnostics();
    auto s = produce_values(b.bootstrap("SASL_PLAINTEXT"), conf, "alive", 1, 100, 20s);
    EXPECT_EQ(s.ok.size(), 1u) << s.first_error() << "\n" << b.diagnostics();
  }

  static pki* certs;
  temp_dir work{"sd-sasl"};
};

pki* itest_security_sasl::certs = nullptr;

// ---- kcat and librdkafka, every listener x mechanism ----

struct sasl_case {
  std::string listener;
  std::string mechanism;
};

/// For test names and failure messages ("SASL_SSL SCRAM-SHA-256"), instead of gtest's byte dump.
void PrintTo(const sasl_case& c, std::ostream* os) { *os << c.listener << " " << c.mechanism; }

class itest_security_sasl_clients : public itest_security_sasl, public ::testing::WithParamInterface<sasl_case> {};

TEST_P(itest_security_sasl_clients, KcatAndLibrdkafkaProduceAndConsume) {
  const auto& [listener, mechanism] = GetParam();
  auto b = start_broker();
  const auto conf = client(listener, mechanism);
  const auto addr = b->bootstrap(listener);
  create_topic_as(addr, conf, "sasl-rdkafka", 1);
  create_topic_as(addr, conf, "sasl-kcat", 1);

  const int n = scaled(400, 10000);
  const std::size_t size = 3000;
  auto s = produce_values(addr, conf, "sasl-rdkafka", n, size);
  ASSERT_EQ(s.ok.size(), static_cast<std::size_t>(n)) << s.first_error() << "\n" << b->diagnostics();
  EXPECT_EQ(consume_and_check(addr, conf, "sasl-rdkafka", n, size), "");

  const int lines = scaled(5000, 100000);
  std::string text;
  std::vector<std::string> sent;
  for (int i = 0; i < lines; ++i) {
    sent.push_back(make_value(static_cast<std::uint64_t>(i), 50 + static_cast<std::size_t>(i % 300)));
    text += sent.back() + "\n";
  }
  write_file(work.file("lines.txt"), text);
  auto p = run_kcat(addr, conf, {"-P", "-t", "sasl-kcat", "-p", "0", "-X", "acks=all"}, work.path(),
                    work.file("lines.txt"), 180s);
  ASSERT_TRUE(p.exit.clean()) << "kcat -P: " << p.exit.describe() << "\n" << tail(p.err);
  auto c = run_kcat(addr, conf, {"-C", "-t", "sasl-kcat", "-e", "-o", "beginning", "-q"}, work.path(), "", 180s);
  ASSERT_TRUE(c.exit.clean()) << "kcat -C: " << c.exit.describe() << "\n" << tail(c.err);
  auto got = split_lines(c.out);
  ASSERT_EQ(got.size(), sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) ASSERT_EQ(got[i], sent[i]) << "first difference at line " << i;

  auto page = scrape(*b);
  EXPECT_GE(metric_or_zero(page, "streamdown_security_authentication_successes_total{listener=\"" + listener +
                                     "\",mechanism=\"" + mechanism + "\"}"),
            4.0)
      << page;
  b->stop();
}

INSTANTIATE_TEST_SUITE_P(ListenerMechanism, itest_security_sasl_clients,
                         ::testing::Values(sasl_case{"SASL_PLAINTEXT", "PLAIN"},
                                           sasl_case{"SASL_PLAINTEXT", "SCRAM-SHA-256"},
                                           sasl_case{"SASL_PLAINTEXT", "SCRAM-SHA-512"},
                                           sasl_case{"SASL_SSL", "PLAIN"}, sasl_case{"SASL_SSL", "SCRAM-SHA-256"},
                                           sasl_case{"SASL_SSL", "SCRAM-SHA-512"}),
                         [](const ::testing::TestParamInfo<sasl_case>& i) {
                           std::string n = i.param.listener + "_" + i.param.mechanism;
                           for (auto& ch : n)
                             if (ch == '-') ch = '_';
                           return n;
                         });

// ---- wrong password ----

TEST_F(itest_security_sasl, WrongPasswordIsAnAuthenticationErrorAndCounted) {
  auto b = start_broker();
  const std::string series =
      R"(streamdown_security_authentication_failures_total{listener="SASL_PLAINTEXT",mechanism="SCRAM-SHA-256"})";
  const double before = metric_or_zero(scrape(*b), series);

  auto start = clock_type::now();
  auto r = probe_client(b->bootstrap("SASL_PLAINTEXT"), client("SASL_PLAINTEXT", "SCRAM-SHA-256", "wrong"), 15s,
                        /*until_error=*/true);
  EXPECT_LT(clock_type::now() - start, 15s);
  EXPECT_FALSE(r.metadata_ok);
  EXPECT_TRUE(r.saw(RdKafka::ERR__AUTHENTICATION)) << r.describe();
  EXPECT_GT(metric_or_zero(scrape(*b), series), before);

  // PLAIN and SCRAM-SHA-512 with a wrong password, over TLS too, and kcat.
  for (const auto& [listener, mechanism] : std::vector<sasl_case>{{"SASL_SSL", "PLAIN"}, {"SASL_SSL", "SCRAM-SHA-512"}}) {
    SCOPED_TRACE(listener + " " + mechanism);
    auto w = probe_client(b->bootstrap(listener), client(listener, mechanism, "wrong"), 15s, true);
    EXPECT_FALSE(w.metadata_ok);
    EXPECT_TRUE(w.saw(RdKafka::ERR__AUTHENTICATION)) << w.describe();
  }
  auto k = run_kcat(b->bootstrap("SASL_PLAINTEXT"), client("SASL_PLAINTEXT", "SCRAM-SHA-512", "wrong"),
                    {"-L", "-m", "3"}, work.path(), "", 60s);
  EXPECT_FALSE(k.exit.clean()) << "kcat -L with a wrong password succeeded:\n" << k.out;
  // An unknown user is the same failure.
  auto u = probe_client(b->bootstrap("SASL_PLAINTEXT"),
                        sasl_conf("SASL_PLAINTEXT", "SCRAM-SHA-256", "nobody", "whatever"), 15s, true);
  EXPECT_TRUE(u.saw(RdKafka::ERR__AUTHENTICATION)) << u.describe();

  EXPECT_TRUE(b->running());
  expect_fresh_client_works(*b);
  b->stop();
}

// ---- kafkajs ----

TEST_F(itest_security_sasl, KafkaJsScramSha256OverSaslSsl) {
  std::string node = node_binary();
  ASSERT_FALSE(node.empty()) << "node not found: run scripts/setup";
  ASSERT_TRUE(std::filesystem::exists(js_dir() + "/node_modules/kafkajs/package.json"))
      << "kafkajs is not installed in " << js_dir() << ": run scripts/setup";
  auto b = start_broker();
  command cmd;
  cmd.argv = {node, js_dir() + "/sasl_ssl.js", b->bootstrap("SASL_SSL")};
  cmd.env = {{"SD_JS_COUNT", std::to_string(scaled(500, 20000))},
             {"SD_JS_TIMEOUT_MS", "150000"},
             {"SD_JS_CA", certs->ca()},
             {"SD_JS_USER", admin_user},
             {"SD_JS_PASSWORD", admin_password}};
  cmd.stdout_path = work.file("node.out");
  cmd.stderr_path = work.file("node.err");
  exit_info e = run_command(cmd, 180s);
  std::string text = read_file(cmd.stdout_path) + read_file(cmd.stderr_path);
  EXPECT_TRUE(e.clean()) << e.describe() << "\n" << tail(text) << "\n" << b->diagnostics();
  EXPECT_NE(text.find("OK"), std::string::npos) << tail(text);
  auto page = scrape(*b);
  EXPECT_GE(metric_or_zero(page, R"(streamdown_security_authentication_successes_total{listener="SASL_SSL",mechanism="SCRAM-SHA-256"})"),
            1.0)
      << page;
  EXPECT_GE(metric_or_zero(page, R"(streamdown_security_authentication_failures_total{listener="SASL_SSL",mechanism="SCRAM-SHA-256"})"),
            1.0)
      << page;
  EXPECT_TRUE(b->running());
  b->stop();
}

// ---- the user store ----

TEST_F(itest_security_sasl, UserStoreIsPrivateHoldsNoPasswordAndSurvivesARestart) {
  auto b = start_broker();
  const std::string file = b->data_dir() + "/security/users.json";
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0) << file << " does not exist";
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "mode " << std::oct << (st.st_mode & 0777);
  const std::string text = read_file(file);
  EXPECT_NE(text.find(admin_user), std::string::npos) << text;
  EXPECT_EQ(text.find(admin_password), std::string::npos) << "the password is in the user store:\n" << text;

  b->restart();
  EXPECT_EQ(read_file(file), text) << "the restart rewrote the credentials";
  for (const char* mechanism : {"SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"}) {
    auto r = probe_client(b->bootstrap("SASL_PLAINTEXT"), client("SASL_PLAINTEXT", mechanism), 20s);
    EXPECT_TRUE(r.metadata_ok) << mechanism << " after a restart: " << r.describe() << "\n" << b->diagnostics();
  }
  // The bootstrap user was created once: the second start found the store non-empty.
  const std::string log = b->stderr_text();
  const std::string line = "created bootstrap user";
  auto first = log.find(line);
  EXPECT_NE(first, std::string::npos) << tail(log);
  EXPECT_EQ(log.find(line, first + 1), std::string::npos) << tail(log);
  b->stop();
}

// ---- bad input on the wire (SASL_PLAINTEXT) ----

std::int16_t handshake(raw_client& c, std::int32_t id, const std::string& mechanism,
                       std::vector<std::string>* mechanisms = nullptr) {
  auto h = sw::parse_handshake_v1(sw::round_trip(c, sw::handshake_v1(id, mechanism)));
  if (!h) throw harness_error("SaslHandshake response does not parse");
  if (h->correlation_id != id) throw harness_error("SaslHandshake correlation id");
  if (mechanisms) *mechanisms = h->mechanisms;
  return h->error_code;
}

sw::authenticate_response authenticate(raw_client& c, std::int32_t id, const std::string& token) {
  auto a = sw::parse_authenticate_v1(sw::round_trip(c, sw::authenticate_v1(id, token)));
  if (!a) throw harness_error("SaslAuthenticate response does not parse");
  if (a->correlation_id != id) throw harness_error("SaslAuthenticate correlation id");
  return *a;
}

TEST_F(itest_security_sasl, BadSaslInputIsRefusedAndClosed) {
  auto b = start_broker();
  const auto port = b->listener_port("SASL_PLAINTEXT");

  {  // Metadata before authentication: closed without an answer.
    raw_client c(port);
    c.send_all(sw::metadata_v1(1));
    EXPECT_TRUE(c.wait_closed(5s)) << "Metadata before authentication was not closed";
  }
  {  // An unknown mechanism: 33 with the enabled list, then closed.
    raw_client c(port);
    std::vector<std::string> offered;
    EXPECT_EQ(handshake(c, 1, "GSSAPI", &offered), sw::unsupported_sasl_mechanism);
    EXPECT_EQ(offered, (std::vector<std::string>{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}));
    EXPECT_TRUE(c.wait_closed(5s));
  }
  {  // SaslAuthenticate without a handshake: 34, closed.
    raw_client c(port);
    auto a = authenticate(c, 1, std::string("\0admin\0admin-secret", 19));
    EXPECT_EQ(a.error_code, sw::illegal_sasl_state);
    EXPECT_TRUE(c.wait_closed(5s));
  }
  {  // A truncated SCRAM client-first: 58, closed.
    raw_client c(port);
    ASSERT_EQ(handshake(c, 1, "SCRAM-SHA-256"), 0);
    auto a = authenticate(c, 2, "n,,n=");
    EXPECT_EQ(a.error_code, sw::sasl_authentication_failed);
    EXPECT_TRUE(a.auth_bytes.empty());
    EXPECT_TRUE(c.wait_closed(5s));
  }
  {  // An oversized token (64 KiB): 58, closed.
    raw_client c(port);
    ASSERT_EQ(handshake(c, 1, "SCRAM-SHA-512"), 0);
    auto a = authenticate(c, 2, std::string(64 * 1024, 'a'));
    EXPECT_EQ(a.error_code, sw::sasl_authentication_failed);
    EXPECT_TRUE(c.wait_closed(5s));
  }
  {  // A malformed PLAIN token: 58, closed.
    raw_client c(port);
    ASSERT_EQ(handshake(c, 1, "PLAIN"), 0);
    auto a = authenticate(c, 2, "no-separators");
    EXPECT_EQ(a.error_code, sw::sasl_authentication_failed);
    EXPECT_TRUE(c.wait_closed(5s));
  }

  // A replayed SCRAM client-final. First a complete, correct exchange by hand (fixed client nonce).
  const std::string nonce = "sdItestFixedClientNonce0123456789";
  std::string recorded_final;
  std::string first_server_first;
  {
    security::scram_client sc(security::scram_algorithm::sha256, admin_user, admin_password, nonce);
    raw_client c(port);
    ASSERT_EQ(handshake(c, 1, "SCRAM-SHA-256"), 0);
    auto first = sc.first_message();
    auto a1 = authenticate(c, 2, first);
    ASSERT_EQ(a1.error_code, 0) << a1.error_message.value_or("");
    first_server_first = a1.auth_bytes;
    auto fin = sc.final_message(a1.auth_bytes);
    ASSERT_TRUE(fin) << sc.error();
    recorded_final = *fin;
    auto a2 = authenticate(c, 3, recorded_final);
    ASSERT_EQ(a2.error_code, 0) << a2.error_message.value_or("");
    EXPECT_TRUE(sc.verify_server_final(a2.auth_bytes)) << "the server's signature does not verify";
    // Authenticated: Metadata is answered now.
    ASSERT_TRUE(c.send_all(sw::metadata_v1(4)));
    EXPECT_EQ(c.receive_frame(10s).st, raw_client::status::frame);
  }
  {  // Same client-first (same nonce) on a new connection, then the recorded client-final: refused.
    security::scram_client sc(security::scram_algorithm::sha256, admin_user, admin_password, nonce);
    raw_client c(port);
    ASSERT_EQ(handshake(c, 1, "SCRAM-SHA-256"), 0);
    auto a1 = authenticate(c, 2, sc.first_message());
    ASSERT_EQ(a1.error_code, 0);
    EXPECT_NE(a1.auth_bytes, first_server_first) << "the server nonce repeated";
    auto a2 = authenticate(c, 3, recorded_final);
    EXPECT_EQ(a2.error_code, sw::sasl_authentication_failed) << "a replayed client-final was accepted";
    EXPECT_TRUE(c.wait_closed(5s));
  }

  EXPECT_TRUE(b->running());
  auto page = scrape(*b);
  EXPECT_GE(metric_or_zero(page, R"(streamdown_security_authentication_failures_total{listener="SASL_PLAINTEXT",mechanism="SCRAM-SHA-256"})"),
            2.0)
      << page;
  expect_fresh_client_works(*b);
  b->stop();
}

// ---- connections.max.reauth.ms ----

struct error_events : RdKafka::EventCb {
  std::mutex mu;
  std::vector<std::string> errors;
  void event_cb(RdKafka::Event& e) override {
    if (e.type() != RdKafka::Event::EVENT_ERROR) return;
    std::lock_guard lk(mu);
    errors.push_back(RdKafka::err2str(e.err()) + ": " + e.str());
  }
};

struct counting_dr : RdKafka::DeliveryReportCb {
  int ok = 0;
  std::vector<std::string> failed;
  void dr_cb(RdKafka::Message& m) override {
    if (m.err() == RdKafka::ERR_NO_ERROR) ++ok;
    else failed.push_back(m.errstr());
  }
};

TEST_F(itest_security_sasl, SessionLifetimeIsAnnouncedAndEnforced) {
  auto b = start_broker({{"connections.max.reauth.ms", "3000"}});
  const auto port = b->listener_port("SASL_PLAINTEXT");
  {  // v1 answers carry the lifetime; after it, a request other than re-authentication closes the connection.
    raw_client c(port);
    ASSERT_EQ(handshake(c, 1, "PLAIN"), 0);
    auto a = authenticate(c, 2, std::string("\0admin\0admin-secret", 19));
    ASSERT_EQ(a.error_code, 0) << a.error_message.value_or("");
    EXPECT_EQ(a.session_lifetime_ms, 3000);
    ASSERT_TRUE(c.send_all(sw::metadata_v1(3)));
    EXPECT_EQ(c.receive_frame(10s).st, raw_client::status::frame);
    std::this_thread::sleep_for(3500ms);
    c.send_all(sw::metadata_v1(4));
    EXPECT_TRUE(c.wait_closed(5s)) << "a request after the session lifetime was answered";
  }
  {  // Re-authentication (KIP-368) on the same connection before the lifetime ends keeps it open.
    security::scram_client sc(security::scram_algorithm::sha512, admin_user, admin_password);
    raw_client c(port);
    ASSERT_EQ(handshake(c, 1, "SCRAM-SHA-512"), 0);
    auto fin = sc.final_message(authenticate(c, 2, sc.first_message()).auth_bytes);
    ASSERT_TRUE(fin) << sc.error();
    ASSERT_EQ(authenticate(c, 3, *fin).error_code, 0);
    std::this_thread::sleep_for(2000ms);
    security::scram_client again(security::scram_algorithm::sha512, admin_user, admin_password);
    ASSERT_EQ(handshake(c, 4, "SCRAM-SHA-512"), 0);
    auto fin2 = again.final_message(authenticate(c, 5, again.first_message()).auth_bytes);
    ASSERT_TRUE(fin2) << again.error();
    auto done = authenticate(c, 6, *fin2);
    ASSERT_EQ(done.error_code, 0);
    EXPECT_EQ(done.session_lifetime_ms, 3000);
    std::this_thread::sleep_for(2000ms);  // 4 s after the first authentication, 2 s after the second
    ASSERT_TRUE(c.send_all(sw::metadata_v1(7)));
    EXPECT_EQ(c.receive_frame(10s).st, raw_client::status::frame) << "re-authentication did not renew the session";
  }

  // librdkafka producing for longer than the lifetime: every message must be delivered. librdkafka 2.0.2 has
  // no KIP-368 re-authentication (it came in 2.2.0): the broker closes its expired connections on the next
  // request and librdkafka reconnects, authenticates again and retries, so nothing is lost either way.
  auto count_expired = [&] {
    std::string log = b->stderr_text();
    int n = 0;
    for (auto pos = log.find("SASL session expired"); pos != std::string::npos;
         pos = log.find("SASL session expired", pos + 1))
      ++n;
    return n;
  };
  const int expired_before = count_expired();
  EXPECT_GE(expired_before, 1) << "the broker did not log the expired session it closed";
  const std::string successes =
      R"(streamdown_security_authentication_successes_total{listener="SASL_PLAINTEXT",mechanism="SCRAM-SHA-256"})";
  const double auth_before = metric_or_zero(scrape(*b), successes);
  error_events events;
  counting_dr dr;
  auto conf = make_conf(merge(client_defaults(b->bootstrap("SASL_PLAINTEXT")),
                              merge(client("SASL_PLAINTEXT", "SCRAM-SHA-256"),
                                    {{"message.timeout.ms", "30000"}, {"linger.ms", "5"}, {"acks", "all"}})));
  std::string err;
  ASSERT_EQ(conf->set("event_cb", &events, err), RdKafka::Conf::CONF_OK) << err;
  ASSERT_EQ(conf->set("dr_cb", &dr, err), RdKafka::Conf::CONF_OK) << err;
  std::unique_ptr<RdKafka::Producer> p(RdKafka::Producer::create(conf.get(), err));
  ASSERT_TRUE(p) << err;
  const auto until = clock_type::now() + 8s;
  int sent = 0;
  while (clock_type::now() < until) {
    std::string v = make_value(static_cast<std::uint64_t>(sent), 200);
    auto e = p->produce("reauth", 0, RdKafka::Producer::RK_MSG_COPY, v.data(), v.size(), nullptr, 0, 0, nullptr);
    ASSERT_EQ(e, RdKafka::ERR_NO_ERROR) << RdKafka::err2str(e);
    ++sent;
    p->poll(100);
  }
  p->flush(30000);
  EXPECT_EQ(dr.ok, sent) << dr.failed.size() << " failed, first: " << (dr.failed.empty() ? "" : dr.failed[0]);
  // Closing an expired connection loses no answered request and appends nothing twice.
  EXPECT_EQ(high_watermarks(b->bootstrap("PLAINTEXT"), "reauth", 1)[0], sent);
  {
    std::lock_guard lk(events.mu);
    std::cout << "[ info ] librdkafka " << RdKafka::version_str() << " produced " << sent << " messages over 8 s with "
              << "connections.max.reauth.ms=3000; " << events.errors.size() << " error event(s)\n";
    for (std::size_t i = 0; i < events.errors.size() && i < 5; ++i) std::cout << "    " << events.errors[i] << "\n";
  }
  const int closed_for_expiry = count_expired() - expired_before;
  const double authentications = metric_or_zero(scrape(*b), successes) - auth_before;
  std::cout << "[ info ] during it the broker closed " << closed_for_expiry << " expired librdkafka connection(s); "
            << authentications << " SCRAM-SHA-256 authentication(s) succeeded\n";
  // Over 8 s with a 3 s lifetime the session ran out at least once (twice, unless a reconnection was slow):
  // either librdkafka re-authenticated or the broker closed the connection and librdkafka authenticated again.
  EXPECT_GE(authentications, 2.0);
  if (RdKafka::version() < 0x02020000) {
    // No KIP-368 in this librdkafka (SaslAuthenticate v0): the broker must still end its sessions, as Kafka does.
    EXPECT_GE(closed_for_expiry, 1) << "a v0 client's session never expired";
  }
  EXPECT_TRUE(b->running());
  b->stop();
}

}  // namespace
}  // namespace sd::itest::sec
