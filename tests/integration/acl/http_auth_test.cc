// The HTTP port's authentication and ACLs over TLS (ctest names itest_acl_http.*), with curl: a broker with
// streamdown.http.authentication.required=true, authorizer.enable=true, super.users=User:admin, the bootstrap
// user admin:admin-pw, and streamdown.http.ssl.{certificate,key}.location from a throwaway PKI (acl_support.h's
// test_pki: a CA and a server certificate with SAN IP:127.0.0.1). Topics, groups, users and ACLs are made over
// the Kafka port (SASL_PLAINTEXT) as admin.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

#include "acl/acl_support.h"
#include "support/http_client.h"

namespace sd::itest::acl {
namespace {

const std::string alice = "User:alice";
const std::string alice_password = "alice-pw";
const std::string listener = "SASL_PLAINTEXT";

class HttpAuth : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pki = new test_pki(); }
  static void TearDownTestSuite() {
    delete pki;
    pki = nullptr;
  }
  void SetUp() override { ASSERT_NE(pki, nullptr) << "no PKI (openssl failed?)"; }

  static std::unique_ptr<broker_process> start_broker(const env_list& extra = {}) {
    broker_config cfg;
    cfg.sets = {{"listeners", "SASL_PLAINTEXT://127.0.0.1:0"},
                {"authorizer.enable", "true"},
                {"super.users", "User:admin"},
                {"streamdown.http.authentication.required", "true"},
                {"streamdown.http.ssl.certificate.location", pki->server_cert()},
                {"streamdown.http.ssl.key.location", pki->server_key()}};
    cfg.sets.insert(cfg.sets.end(), extra.begin(), extra.end());
    cfg.env = {{"STREAMDOWN_BOOTSTRAP_USER", admin_user + ":" + admin_password}};
    auto b = std::make_unique<broker_process>(cfg);
    b->start();
    create_user(b->bootstrap(listener), "alice", alice_password);
    return b;
  }
  static std::string url(const broker_process& b, const std::string& path) {
    return "https://127.0.0.1:" + std::to_string(b.http_port()) + path;
  }
  static curl_result get(const broker_process& b, const std::string& path,
                         const std::optional<std::pair<std::string, std::string>>& who = std::nullopt) {
    return curl_get(url(b, path), pki->ca(), who);
  }
  static bool has_header(const std::string& headers, const std::string& name, const std::string& value_prefix) {
    std::string lower = headers;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string want = name + ": " + value_prefix;
    std::transform(want.begin(), want.end(), want.begin(), [](unsigned char c) { return std::tolower(c); });
    return lower.find(want) != std::string::npos;
  }
  static bool lists(const std::string& body, const std::string& name) {
    return body.find("\"" + name + "\"") != std::string::npos;
  }

  static test_pki* pki;
};
test_pki* HttpAuth::pki = nullptr;

// ctest names start with itest_acl_http (gtest_discover_tests names tests Suite.Test).
using itest_acl_http = HttpAuth;

const std::pair<std::string, std::string> admin_creds{admin_user, admin_password};
const std::pair<std::string, std::string> alice_creds{"alice", alice_password};

TEST_F(itest_acl_http, BasicAuthAndAclsOverTls) {
  auto b = start_broker();
  kafka_conn admin(b->listener_port(listener), admin_user, admin_password);
  create_topics(admin, {"http-visible", "http-hidden", "http-other"});
  ASSERT_EQ(commit_offset(admin, "http-group", "http-visible"), 0);
  ASSERT_EQ(commit_offset(admin, "http-group-2", "http-visible"), 0);
  create_acls(admin, {binding{rt::topic, "http-visible", alice, op::describe}});

  // Probes need no credentials.
  auto health = get(*b, "/v1/health");
  EXPECT_EQ(health.status, 200) << health.describe();

  // No credentials, or wrong ones: 401 with a Basic challenge.
  auto anon = get(*b, "/v1/topics");
  EXPECT_EQ(anon.status, 401) << anon.describe();
  EXPECT_TRUE(has_header(anon.headers, "WWW-Authenticate", "Basic")) << anon.describe();
  EXPECT_FALSE(lists(anon.body, "http-visible")) << anon.describe();
  auto wrong = get(*b, "/v1/topics", std::make_pair(std::string("alice"), std::string("not-her-password")));
  EXPECT_EQ(wrong.status, 401) << wrong.describe();
  EXPECT_TRUE(has_header(wrong.headers, "WWW-Authenticate", "Basic")) << wrong.describe();
  auto nobody = get(*b, "/v1/topics", std::make_pair(std::string("nobody"), std::string("x")));
  EXPECT_EQ(nobody.status, 401) << nobody.describe();

  // The super user sees every topic; alice only those she may DESCRIBE.
  auto as_admin = get(*b, "/v1/topics", admin_creds);
  ASSERT_EQ(as_admin.status, 200) << as_admin.describe();
  for (const auto* t : {"http-visible", "http-hidden", "http-other"}) EXPECT_TRUE(lists(as_admin.body, t)) << t;
  auto as_alice = get(*b, "/v1/topics", alice_creds);
  ASSERT_EQ(as_alice.status, 200) << as_alice.describe();
  EXPECT_TRUE(lists(as_alice.body, "http-visible")) << as_alice.body;
  EXPECT_FALSE(lists(as_alice.body, "http-hidden")) << as_alice.body;
  EXPECT_FALSE(lists(as_alice.body, "http-other")) << as_alice.body;

  // One topic: DESCRIBE on it, else 403.
  auto hidden = get(*b, "/v1/topics/http-hidden", alice_creds);
  EXPECT_EQ(hidden.status, 403) << hidden.describe();
  EXPECT_NE(hidden.body.find("forbidden"), std::string::npos) << hidden.describe();
  auto visible = get(*b, "/v1/topics/http-visible", alice_creds);
  EXPECT_EQ(visible.status, 200) << visible.describe();
  EXPECT_TRUE(lists(visible.body, "http-visible")) << visible.describe();
  EXPECT_EQ(get(*b, "/v1/topics/http-hidden", admin_creds).status, 200);

  // Groups: DESCRIBE on the group, else 403; the list leaves out the others.
  auto group = get(*b, "/v1/groups/http-group", alice_creds);
  EXPECT_EQ(group.status, 403) << group.describe();
  create_acls(admin, {binding{rt::group, "http-group", alice, op::describe}});
  group = get(*b, "/v1/groups/http-group", alice_creds);
  EXPECT_EQ(group.status, 200) << group.describe();
  auto groups = get(*b, "/v1/groups", alice_creds);
  EXPECT_EQ(groups.status, 200) << groups.describe();
  EXPECT_TRUE(lists(groups.body, "http-group")) << groups.body;
  EXPECT_FALSE(lists(groups.body, "http-group-2")) << groups.body;

  // /v1/alerts: DESCRIBE on the cluster. /v1/ready is open.
  EXPECT_EQ(get(*b, "/v1/alerts", alice_creds).status, 403);
  EXPECT_EQ(get(*b, "/v1/alerts", admin_creds).status, 200);
  EXPECT_EQ(get(*b, "/v1/ready").status, 200);

  // /metrics stays open by default; it counted the refused credentials and the 403s.
  auto metrics = get(*b, "/metrics");
  EXPECT_EQ(metrics.status, 200) << metrics.describe();
  auto failures = metric_value(
      metrics.body, "streamdown_security_authentication_failures_total{listener=\"HTTP\",mechanism=\"BASIC\"}");
  EXPECT_GE(failures.value_or(0), 2.0) << metrics.body;
  EXPECT_GE(denied_total(metrics.body, rt::topic, op::describe), 1.0) << metrics.body;
  EXPECT_GE(denied_total(metrics.body, rt::group, op::describe), 1.0) << metrics.body;

  // Plain HTTP to the TLS port gets no answer.
  auto plain = curl_get("http://127.0.0.1:" + std::to_string(b->http_port()) + "/v1/health", "");
  EXPECT_NE(plain.status, 200) << plain.describe();
  b->stop();
}

// The admin routes the console uses (gateway/admin.cc) ask what their Kafka requests ask: CREATE (cluster or
// topic), DELETE, ALTER_CONFIGS, and READ on the group and its topics for an offset reset. The console's page
// itself is behind authentication, so a browser asks for credentials (401 + Basic challenge) on first load.
TEST_F(itest_acl_http, AdminRoutesAndConsoleFollowAuthAndAcls) {
  auto b = start_broker();
  kafka_conn admin(b->listener_port(listener), admin_user, admin_password);
  create_topics(admin, {"adm-existing"}, 2);
  ASSERT_EQ(commit_offset(admin, "adm-group", "adm-existing", 1), 0);
  auto send = [&](const std::string& method, const std::string& path, const std::optional<std::string>& body,
                  const std::pair<std::string, std::string>& who) {
    return curl_request(method, url(*b, path), pki->ca(), who, body);
  };

  auto page = get(*b, "/");
  EXPECT_EQ(page.status, 401) << page.describe();
  EXPECT_TRUE(has_header(page.headers, "WWW-Authenticate", "Basic")) << page.describe();
  page = get(*b, "/", alice_creds);
  EXPECT_EQ(page.status, 200) << page.describe();
  EXPECT_NE(page.body.find("<html"), std::string::npos) << page.describe();

  // Create: denied without CREATE; allowed with CREATE on that topic only.
  auto created = send("POST", "/v1/topics", R"({"name":"adm-new","partitions":2})", alice_creds);
  EXPECT_EQ(created.status, 403) << created.describe();
  create_acls(admin, {binding{rt::topic, "adm-new", alice, op::create}});
  created = send("POST", "/v1/topics", R"({"name":"adm-new","partitions":2})", alice_creds);
  EXPECT_EQ(created.status, 201) << created.describe();
  EXPECT_EQ(send("POST", "/v1/topics", R"({"name":"adm-other"})", alice_creds).status, 403);

  // Alter configs: ALTER_CONFIGS on the topic.
  auto altered = send("PATCH", "/v1/topics/adm-new/configs", R"({"retention.ms":"60000"})", alice_creds);
  EXPECT_EQ(altered.status, 403) << altered.describe();
  create_acls(admin, {binding{rt::topic, "adm-new", alice, op::alter_configs}});
  altered = send("PATCH", "/v1/topics/adm-new/configs", R"({"retention.ms":"60000"})", alice_creds);
  EXPECT_EQ(altered.status, 200) << altered.describe();

  // Reset offsets: READ on the group, then READ on each topic.
  const std::string reset = R"({"to":"earliest","topic":"adm-existing"})";
  auto r = send("POST", "/v1/groups/adm-group/offsets", reset, alice_creds);
  EXPECT_EQ(r.status, 403) << r.describe();
  create_acls(admin, {binding{rt::group, "adm-group", alice, op::read}});
  r = send("POST", "/v1/groups/adm-group/offsets", reset, alice_creds);
  EXPECT_EQ(r.status, 403) << r.describe();
  EXPECT_NE(r.body.find("TOPIC"), std::string::npos) << r.describe();
  create_acls(admin, {binding{rt::topic, "adm-existing", alice, op::read}});
  r = send("POST", "/v1/groups/adm-group/offsets", reset, alice_creds);
  EXPECT_EQ(r.status, 200) << r.describe();

  // Delete: DELETE on the topic; a topic alice may not DESCRIBE is 403 whether or not it exists.
  auto deleted = send("DELETE", "/v1/topics/adm-new", std::nullopt, alice_creds);
  EXPECT_EQ(deleted.status, 403) << deleted.describe();
  EXPECT_EQ(send("DELETE", "/v1/topics/adm-nothing", std::nullopt, alice_creds).status, 403);
  create_acls(admin, {binding{rt::topic, "adm-new", alice, op::remove}});
  deleted = send("DELETE", "/v1/topics/adm-new", std::nullopt, alice_creds);
  EXPECT_EQ(deleted.status, 200) << deleted.describe();
  EXPECT_EQ(send("DELETE", "/v1/topics/adm-existing", std::nullopt, admin_creds).status, 200);
  b->stop();
}

TEST_F(itest_acl_http, MetricsCanRequireAuthentication) {
  auto b = start_broker({{"streamdown.http.metrics.require.auth", "true"}});
  auto anon = get(*b, "/metrics");
  EXPECT_EQ(anon.status, 401) << anon.describe();
  EXPECT_TRUE(has_header(anon.headers, "WWW-Authenticate", "Basic")) << anon.describe();
  auto as_admin = get(*b, "/metrics", admin_creds);
  EXPECT_EQ(as_admin.status, 200) << as_admin.describe();
  // alice is authenticated but may not DESCRIBE the cluster.
  auto as_alice = get(*b, "/metrics", alice_creds);
  EXPECT_EQ(as_alice.status, 403) << as_alice.describe();
  EXPECT_EQ(get(*b, "/v1/health").status, 200);
  b->stop();
}

}  // namespace
}  // namespace sd::itest::acl
