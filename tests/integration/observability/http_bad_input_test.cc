// Bad input on the HTTP port: garbage, a header block over the limit, unknown paths, wrong methods, a
// slowloris-style request trickled in slower than the request deadline, and more connections than the limit.
// Each gets a 4xx or a closed connection, and afterwards the Kafka port answers ApiVersions and /v1/health
// still answers. The request deadline is set short (streamdown.http.request.timeout.ms) so the test is fast.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "observability/obs_support.h"
#include "support/broker_process.h"
#include "support/http_client.h"

namespace sd::itest {
namespace {

using namespace std::chrono_literals;

class HttpBadInput : public ::testing::Test {
 protected:
  HttpBadInput() : broker(config()) {}
  static broker_config config() {
    broker_config c;
    c.sets = {{"streamdown.http.request.timeout.ms", "700"}};
    return c;
  }
  void SetUp() override {
    broker.start();
    ASSERT_TRUE(kafka_api_versions_ok(broker.kafka_port()));
  }
  void TearDown() override {
    if (broker.running()) {
      EXPECT_NO_THROW(broker.stop()) << broker.diagnostics();
    }
  }
  // The Kafka port and the HTTP health endpoint both still answer.
  void expect_unaffected() {
    EXPECT_TRUE(kafka_api_versions_ok(broker.kafka_port())) << broker.diagnostics();
    auto h = http_get(broker.http_port(), "/v1/health", 5s);
    EXPECT_EQ(h.status, 200) << broker.diagnostics();
  }
  broker_process broker;
};

TEST_F(HttpBadInput, GarbageGets400OrClose) {
  for (const std::string& junk : {std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11),
                                 std::string("HELLO THERE\r\n\r\n"), std::string("GET\r\n\r\n"),
                                 std::string("GET /v1/health HTTP/1.1\r\nContent-Length: -5\r\n\r\n")}) {
    auto r = raw_http(broker.http_port(), junk, 5s);
    EXPECT_TRUE(r.closed) << "connection left open after garbage";
    EXPECT_TRUE(r.status == 0 || (r.status >= 400 && r.status < 500)) << r.text;
  }
  expect_unaffected();
}

TEST_F(HttpBadInput, HugeHeadersGet431) {
  std::string req = "GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'a') + "\r\n\r\n";
  auto r = raw_http(broker.http_port(), req, 5s);
  EXPECT_TRUE(r.closed);
  EXPECT_TRUE(r.status == 431 || r.status == 0) << r.text.substr(0, 200);
  // Many small headers over the limit too.
  std::string many = "GET /v1/health HTTP/1.1\r\n";
  for (int i = 0; i < 2000; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
  many += "\r\n";
  r = raw_http(broker.http_port(), many, 5s);
  EXPECT_TRUE(r.status == 431 || r.status == 0) << r.text.substr(0, 200);
  expect_unaffected();
}

TEST_F(HttpBadInput, UnknownPathsAndWrongMethods) {
  for (const char* path : {"/nope", "/v1/topics/", "/v1/groupsX", "/%00%ff", "/v1/alerts/x"}) {
    auto r = http_get(broker.http_port(), path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_NE(r.body.find("error"), std::string::npos) << path;
  }
  auto r = raw_http(broker.http_port(), "POST /v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi", 5s);
  EXPECT_EQ(r.status, 405) << r.text;
  r = raw_http(broker.http_port(), "DELETE /v1/groups HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5s);
  EXPECT_EQ(r.status, 405) << r.text;
  r = raw_http(broker.http_port(), "PUT /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 5s);
  EXPECT_EQ(r.status, 405) << r.text;
  expect_unaffected();
}

TEST_F(HttpBadInput, SlowlorisIsClosedAtTheDeadline) {
  // Open several partial requests and keep trickling header lines into them, each slower than a client should be.
  std::vector<int> fds;
  for (int i = 0; i < 8; ++i) {
    int fd = connect_loopback(broker.http_port());
    ASSERT_GE(fd, 0);
    const std::string start = "GET /v1/health HTTP/1.1\r\nHost: x\r\n";
    ASSERT_EQ(::send(fd, start.data(), start.size(), MSG_NOSIGNAL), static_cast<ssize_t>(start.size()));
    fds.push_back(fd);
  }
  // Meanwhile the Kafka port and other HTTP clients are served.
  expect_unaffected();
  std::vector<bool> closed(fds.size(), false);
  const auto give_up = std::chrono::steady_clock::now() + 30s;  // far above the 700 ms deadline
  std::size_t n_closed = 0;
  while (n_closed < fds.size() && std::chrono::steady_clock::now() < give_up) {
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (closed[i]) continue;
      const std::string line = "X-Slow: 1\r\n";
      if (::send(fds[i], line.data(), line.size(), MSG_NOSIGNAL) < 0) {
        closed[i] = true;
        ++n_closed;
        continue;
      }
      char buf[256];
      auto n = ::recv(fds[i], buf, sizeof buf, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
        closed[i] = true;
        ++n_closed;
      }
    }
    std::this_thread::sleep_for(100ms);
  }
  for (int fd : fds) ::close(fd);
  EXPECT_EQ(n_closed, fds.size()) << "the server kept slow partial requests open";
  expect_unaffected();
}

TEST_F(HttpBadInput, ManyConnectionsDoNotStarveKafka) {
  const int count = scaled(300, 600);  // above the HTTP connection limit (256)
  std::vector<int> fds;
  for (int i = 0; i < count; ++i) {
    int fd = connect_loopback(broker.http_port());
    if (fd < 0) break;
    const std::string part = "GET /v1/health HTTP/1.1\r\n";
    (void)::send(fd, part.data(), part.size(), MSG_NOSIGNAL);
    fds.push_back(fd);
  }
  EXPECT_GT(fds.size(), 256u);
  EXPECT_TRUE(kafka_api_versions_ok(broker.kafka_port())) << broker.diagnostics();
  for (int fd : fds) ::close(fd);
  // Once they are gone (closed by us or by the deadline), HTTP answers again.
  bool healthy = false;
  for (auto deadline = std::chrono::steady_clock::now() + 30s; !healthy && std::chrono::steady_clock::now() < deadline;) {
    healthy = http_get(broker.http_port(), "/v1/health", 2s).status == 200;
    if (!healthy) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(healthy) << broker.diagnostics();
  expect_unaffected();
}

}  // namespace
}  // namespace sd::itest
