// Streamed HTTP produce (POST /v1/topics/{t}/records with an NDJSON body): results are readable while a chunked
// body is still being sent, lines split across chunks, bad and over-long lines in the middle, a body that breaks
// off, Expect: 100-continue, and bodies far over the whole-body limit with the broker's memory staying bounded.
// A raw socket client plays the sender, so the test decides exactly what the broker has seen when it reads.

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "relay_support.h"
#include "support/broker_process.h"
#include "support/http_client.h"
#include "support/kafka_client.h"

namespace sd::itest {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

/// One produce request whose body the test sends piece by piece, reading the answer in between.
class produce_upload {
 public:
  produce_upload(std::uint16_t port, const std::string& topic, bool chunked, std::size_t content_length = 0,
                 const std::string& extra_headers = {}) {
    _fd = connect_loopback(port);
    if (_fd < 0) throw harness_error("connect failed");
    std::string req = "POST /v1/topics/" + topic + "/records HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      "Content-Type: application/x-ndjson\r\n";
    req += chunked ? std::string("Transfer-Encoding: chunked\r\n")
                   : "Content-Length: " + std::to_string(content_length) + "\r\n";
    req += extra_headers + "\r\n";
    send_all(req);
    _chunked = chunked;
  }
  ~produce_upload() {
    if (_fd >= 0) ::close(_fd);
  }

  /// Sends body bytes (as one chunk when chunked).
  void send(std::string_view data) {
    if (!_chunked) return send_all(data);
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    send_all(std::string(size) + std::string(data) + "\r\n");
  }
  void finish() {
    if (_chunked) send_all("0\r\n\r\n");
  }
  /// Ends the sending side (the body breaks off).
  void half_close() { ::shutdown(_fd, SHUT_WR); }

  /// Reads until the answer holds `n` results or the answer ended or `timeout` passed; the results so far.
  std::vector<json> results_until(std::size_t n, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (results().size() < n && !_closed && std::chrono::steady_clock::now() < deadline) read_some(50ms);
    return results();
  }
  /// Reads until the answer is complete (its last chunk, or the server closed); the answer body (de-chunked).
  std::string answer(std::chrono::milliseconds timeout = 30s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!_closed && !complete() && std::chrono::steady_clock::now() < deadline) read_some(100ms);
    return body();
  }
  bool complete() const { return _raw.ends_with("\r\n0\r\n\r\n"); }
  bool closed() const { return _closed; }
  /// The raw bytes received so far (status lines and headers included).
  const std::string& raw() const { return _raw; }
  /// Reads whatever arrives within `wait`.
  void read_some(std::chrono::milliseconds wait) {
    pollfd p{_fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return;
    char buf[65536];
    const auto n = ::recv(_fd, buf, sizeof buf, 0);
    if (n <= 0) {
      _closed = true;
      return;
    }
    _raw.append(buf, static_cast<std::size_t>(n));
  }
  int status() const {
    const auto at = final_status_line();
    return at == std::string::npos || _raw.size() < at + 12 ? 0 : std::atoi(_raw.c_str() + at + 9);
  }

 private:
  void send_all(std::string_view data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
      const auto n = ::send(_fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) throw harness_error("send failed");
      sent += static_cast<std::size_t>(n);
    }
  }
  /// Where the answer's status line starts, past any interim "100 Continue".
  std::size_t final_status_line() const {
    std::size_t at = 0;
    while (_raw.compare(at, 12, "HTTP/1.1 100") == 0) {
      const auto end = _raw.find("\r\n\r\n", at);
      if (end == std::string::npos) return std::string::npos;
      at = end + 4;
    }
    return _raw.compare(at, 9, "HTTP/1.1 ") == 0 ? at : std::string::npos;
  }
  std::string body() const {
    const auto at = final_status_line();
    if (at == std::string::npos) return {};
    const auto end = _raw.find("\r\n\r\n", at);
    if (end == std::string::npos) return {};
    return dechunk(_raw.substr(end + 4));
  }
  /// Each result sits on its own line (after the first, led by its comma) between `"results":[` and `]`.
  std::vector<json> results() const {
    std::vector<json> out;
    const auto text = body();
    std::size_t pos = text.find('\n');
    while (pos != std::string::npos && pos + 1 < text.size()) {
      const auto next = text.find('\n', pos + 1);
      if (next == std::string::npos) break;  // not complete yet
      std::string line = text.substr(pos + 1, next - pos - 1);
      if (!line.empty() && line.front() == ',') line.erase(0, 1);
      if (!line.empty() && line.front() == '{') out.push_back(json::parse(line));
      pos = next;
    }
    return out;
  }

  int _fd = -1;
  bool _chunked = false;
  bool _closed = false;
  std::string _raw;
};

std::string record_line(const std::string& value) { return json{{"key", "k"}, {"value", value}}.dump() + "\n"; }

TEST(HttpProduceStream, ResultsArriveWhileTheChunkedBodyIsStillBeingSent) {
  broker_process broker;
  broker.start();
  create_topic(broker.bootstrap(), "stream", 1);
  produce_upload up(broker.http_port(), "stream", /*chunked=*/true);

  // Nine whole lines and the start of a tenth: exactly nine results come back before anything else is sent.
  std::string first;
  for (int i = 0; i < 9; ++i) first += record_line("v" + std::to_string(i));
  up.send(first + R"({"key":"k","value":"v)");
  auto early = up.results_until(9, 15s);
  ASSERT_EQ(up.status(), 200) << up.raw();
  ASSERT_EQ(early.size(), 9u) << up.raw();
  for (int i = 0; i < 9; ++i) EXPECT_EQ(early[i]["offset"], i) << early[i].dump();
  up.read_some(300ms);
  EXPECT_EQ(up.results_until(10, 0ms).size(), 9u) << "the unfinished line was produced before it ended";

  // The rest of the tenth line, a malformed line, a line over the 1 MiB line limit sent in two pieces, and a
  // last line without a newline.
  up.send("9\"}\n{\"value\":\n");
  const std::string huge = R"({"value":")" + std::string(1200 * 1024, 'x') + "\"}\n";
  up.send(std::string_view(huge).substr(0, 700 * 1024));
  up.send(std::string_view(huge).substr(700 * 1024));
  up.send(R"({"key":"k","value":"last"})");
  up.finish();
  const auto text = up.answer();
  const auto doc = json::parse(text, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << text.substr(0, 2000);
  EXPECT_EQ(doc["topic"], "stream");
  const auto& results = doc["results"];
  ASSERT_EQ(results.size(), 13u) << doc.dump();
  EXPECT_EQ(doc["errors"], 2);
  EXPECT_FALSE(doc.contains("error"));
  EXPECT_EQ(results[9]["offset"], 9);
  EXPECT_EQ(results[10]["error_code"], "invalid_record");
  EXPECT_EQ(results[11]["error_code"], "invalid_record");
  EXPECT_NE(results[11]["error"].get<std::string>().find("longer than"), std::string::npos) << results[11].dump();
  EXPECT_EQ(results[12]["offset"], 10);
  up.read_some(300ms);
  EXPECT_FALSE(up.closed()) << "a complete streamed answer must keep the connection for the next request";

  auto upstream = read_upstream(broker.bootstrap(), "stream");
  ASSERT_EQ(upstream.size(), 11u);
  for (int i = 0; i < 11; ++i) {
    EXPECT_EQ(upstream[i].offset, i);
    EXPECT_EQ(upstream[i].value, i < 10 ? "v" + std::to_string(i) : std::string("last"));
    EXPECT_EQ(upstream[i].key, "k");
  }
}

TEST(HttpProduceStream, ABodyThatBreaksOffKeepsWhatArrivedAndSaysSo) {
  broker_process broker;
  broker.start();
  create_topic(broker.bootstrap(), "cut", 1);
  produce_upload up(broker.http_port(), "cut", /*chunked=*/true);
  std::string lines;
  for (int i = 0; i < 5; ++i) lines += record_line("r" + std::to_string(i));
  up.send(lines);
  ASSERT_EQ(up.results_until(5, 15s).size(), 5u) << up.raw();
  up.half_close();  // no last chunk: the body is incomplete
  const auto text = up.answer();
  const auto doc = json::parse(text, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << text;
  EXPECT_EQ(doc["results"].size(), 5u);
  EXPECT_EQ(doc["errors"], 0);
  ASSERT_TRUE(doc.contains("error")) << doc.dump();
  EXPECT_EQ(doc["error"]["code"], "invalid_body");
  EXPECT_EQ(read_upstream(broker.bootstrap(), "cut").size(), 5u);

  // A body that breaks off before any line is complete is an ordinary 400 and writes nothing.
  produce_upload early(broker.http_port(), "cut", /*chunked=*/true);
  early.send(R"({"value":"never fin)");
  early.half_close();
  early.answer();
  EXPECT_EQ(early.status(), 400) << early.raw();
  EXPECT_EQ(read_upstream(broker.bootstrap(), "cut").size(), 5u);
}

TEST(HttpProduceStream, LongBodiesStreamWithinBoundsAndWholeBodiesKeepTheLimit) {
  broker_process broker;
  broker.start();
  create_topic(broker.bootstrap(), "bulk", 2);

  // 48 MiB of NDJSON with a Content-Length, after Expect: 100-continue: every record written, and the broker
  // holds slices, not the body (its RSS grows far less than the body's size).
  constexpr int records = 48 * 1024;
  const std::string value(1000, 'b');
  const std::string line = json{{"value", value}}.dump() + "\n";
  const auto rss_before = broker.rss_bytes();
  produce_upload up(broker.http_port(), "bulk", /*chunked=*/false, line.size() * records, "Expect: 100-continue\r\n");
  up.read_some(5s);
  ASSERT_NE(up.raw().find("HTTP/1.1 100 Continue"), std::string::npos) << up.raw();
  std::string block;
  for (int i = 0; i < 1024; ++i) block += line;
  for (int i = 0; i < records / 1024; ++i) up.send(block);
  const auto text = up.answer(60s);
  const auto rss_after = broker.rss_bytes();
  const auto doc = json::parse(text, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << text.substr(0, 1000);
  EXPECT_EQ(up.status(), 200);
  EXPECT_EQ(doc["results"].size(), static_cast<std::size_t>(records));
  EXPECT_EQ(doc["errors"], 0);
  EXPECT_EQ(read_upstream(broker.bootstrap(), "bulk").size(), static_cast<std::size_t>(records));
  EXPECT_LT(rss_after, rss_before + 24u * 1024 * 1024) << "RSS grew from " << rss_before << " to " << rss_after;

  // A JSON array body is read whole, within the 1 MiB body limit.
  std::string array = "[";
  for (int i = 0; i < 1500; ++i) array += (i ? "," : "") + json{{"value", value}}.dump();
  array += "]";
  auto big = http_post(broker.http_port(), "/v1/topics/bulk/records", array, "application/json");
  EXPECT_EQ(big.status, 413) << big.body;
  EXPECT_NE(big.body.find("payload_too_large"), std::string::npos) << big.body;
}

}  // namespace
}  // namespace sd::itest
