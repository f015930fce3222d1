// The broker's HTTP data plane end to end (src/gateway): produce over HTTP and read back with librdkafka and the
// reverse, long polls, WebSocket credit, Server-Sent Events resumed by Last-Event-ID, bounds under a reader that
// never reads, and bad input. Real broker process, real librdkafka, a Beast WebSocket client.

#include <gtest/gtest.h>
#include <librdkafka/rdkafkacpp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "client/murmur2.h"
#include "relay_support.h"
#include "support/broker_process.h"
#include "support/http_client.h"
#include "support/kafka_client.h"
#include "support/test_env.h"
#include "ws_client.h"

namespace sd::itest {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

json post_json(const broker_process& b, const std::string& path, const std::string& body,
               const std::string& type = "application/json", int* status = nullptr) {
  auto r = http_post(b.http_port(), path, body, type);
  if (status) *status = r.status;
  auto j = json::parse(r.body, nullptr, false);
  if (j.is_discarded()) throw harness_error("not JSON (" + std::to_string(r.status) + "): " + r.body);
  return j;
}

json get_json(const broker_process& b, const std::string& path, int* status = nullptr) {
  auto r = http_get(b.http_port(), path, 30s);
  if (status) *status = r.status;
  auto j = json::parse(r.body, nullptr, false);
  if (j.is_discarded()) throw harness_error("not JSON (" + std::to_string(r.status) + "): " + r.body);
  return j;
}

std::string metrics_of_broker(const broker_process& b) { return http_get(b.http_port(), "/metrics").body; }

std::int64_t high_watermark(const broker_process& b, const std::string& topic, int p) {
  return get_json(b, "/v1/topics/" + topic)["partitions"][p]["high_watermark"].get<std::int64_t>();
}

/// Produces with librdkafka, headers included, and waits for every delivery.
void produce_with_headers(const std::string& bootstrap, const std::string& topic, int partition, int count,
                          const std::string& prefix) {
  std::string err;
  auto conf = make_conf(client_defaults(bootstrap));
  std::unique_ptr<RdKafka::Producer> p(RdKafka::Producer::create(conf.get(), err));
  ASSERT_TRUE(p) << err;
  for (int i = 0; i < count; ++i) {
    auto* headers = RdKafka::Headers::create();
    headers->add("n", std::to_string(i));
    std::string key = prefix + "-k" + std::to_string(i), value = prefix + "-v" + std::to_string(i);
    auto rc = p->produce(topic, partition, RdKafka::Producer::RK_MSG_COPY, value.data(), value.size(), key.data(),
                         key.size(), 0, headers, nullptr);
    ASSERT_EQ(rc, RdKafka::ERR_NO_ERROR) << RdKafka::err2str(rc);
  }
  ASSERT_EQ(p->flush(30000), RdKafka::ERR_NO_ERROR);
}

TEST(HttpProduce, RecordsReadBackWithLibrdkafkaWithKeysHeadersAndPerRecordErrors) {
  broker_process broker({.sets = {{"message.max.bytes", "4096"}}});
  broker.start();
  create_topic(broker.bootstrap(), "orders", 3);
  std::string ndjson;
  for (int i = 0; i < 20; ++i) {
    json r{{"key", "k" + std::to_string(i % 7)}, {"value", "v" + std::to_string(i)}, {"headers", {{"h", std::to_string(i)}}}};
    if (i == 3) r = {{"key", "k3"}, {"value", "aGVsbG8="}, {"value_encoding", "base64"}, {"headers", {{"h", "3"}}}};
    if (i == 7) r["partition"] = 9;                       // no such partition
    if (i == 12) r["value"] = std::string(10000, 'x');    // over message.max.bytes
    ndjson += r.dump() + "\n";
  }
  int status = 0;
  auto reply = post_json(broker, "/v1/topics/orders/records", ndjson, "application/x-ndjson", &status);
  ASSERT_EQ(status, 200) << reply.dump();
  const auto& results = reply["results"];
  ASSERT_EQ(results.size(), 20u) << reply.dump();
  EXPECT_EQ(reply["errors"], 2);
  EXPECT_EQ(results[7]["error_code"], "unknown_topic_or_partition") << results[7].dump();
  EXPECT_EQ(results[12]["error_code"], "message_too_large") << results[12].dump();

  auto upstream = read_upstream(broker.bootstrap(), "orders");
  ASSERT_EQ(upstream.size(), 18u);
  std::map<std::pair<int, std::int64_t>, upstream_record> by_position;
  for (auto& r : upstream) by_position[{r.partition, r.offset}] = r;
  for (int i = 0; i < 20; ++i) {
    if (i == 7 || i == 12) continue;
    const auto& res = results[i];
    ASSERT_TRUE(res.contains("offset")) << i << ": " << res.dump();
    const int p = res["partition"];
    const std::string key = "k" + std::to_string(i % 7);
    EXPECT_EQ(p, client::murmur2_partition(key, 3)) << "key " << key << " is not where Kafka's partitioner puts it";
    EXPECT_EQ(res["cursor"], std::to_string(p) + ":" + std::to_string(res["offset"].get<std::int64_t>()));
    auto it = by_position.find({p, res["offset"].get<std::int64_t>()});
    ASSERT_NE(it, by_position.end()) << "record " << i << " is not at the offset its result names";
    EXPECT_EQ(it->second.key, key);
    EXPECT_EQ(it->second.value, i == 3 ? std::string("hello") : "v" + std::to_string(i));
    EXPECT_EQ(it->second.header("h"), std::to_string(i));
  }

  // A malformed body writes nothing.
  std::int64_t before = 0;
  for (int p = 0; p < 3; ++p) before += high_watermark(broker, "orders", p);
  post_json(broker, "/v1/topics/orders/records", R"([{"value":"a"},)", "application/json", &status);
  EXPECT_EQ(status, 400);
  // Bad base64 in the middle: that record fails, its neighbours are written.
  auto mixed = post_json(broker, "/v1/topics/orders/records",
                         R"([{"value":"a"},{"value":"%%%","value_encoding":"base64"},{"value":"c"}])");
  EXPECT_EQ(mixed["results"][1]["error_code"], "invalid_record") << mixed.dump();
  EXPECT_TRUE(mixed["results"][0].contains("offset"));
  EXPECT_TRUE(mixed["results"][2].contains("offset"));
  std::int64_t after = 0;
  for (int p = 0; p < 3; ++p) after += high_watermark(broker, "orders", p);
  EXPECT_EQ(after, before + 2);

  // Idempotency-Key: the retry gets the first answer and writes nothing.
  std::int64_t before_retry = 0;
  for (int p = 0; p < 3; ++p) before_retry += high_watermark(broker, "orders", p);
  auto once = http_post(broker.http_port(), "/v1/topics/orders/records", R"([{"key":"i","value":"once"}])",
                        "application/json", {{"Idempotency-Key", "req-1"}});
  auto again = http_post(broker.http_port(), "/v1/topics/orders/records", R"([{"key":"i","value":"once"}])",
                         "application/json", {{"Idempotency-Key", "req-1"}});
  ASSERT_EQ(once.status, 200) << once.body;
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body, once.body);
  EXPECT_EQ(again.headers["idempotent-replayed"], "true");
  std::int64_t after_retry = 0;
  for (int p = 0; p < 3; ++p) after_retry += high_watermark(broker, "orders", p);
  EXPECT_EQ(after_retry, before_retry + 1) << "the retried request was written twice";

  // Confluent REST v2 (json embedded format: values stored as their JSON text).
  auto conf = post_json(broker, "/topics/orders", R"({"records":[{"value":{"a":1},"partition":1},{"value":"s","partition":1}]})",
                        "application/vnd.kafka.json.v2+json", &status);
  ASSERT_EQ(status, 200) << conf.dump();
  ASSERT_EQ(conf["offsets"].size(), 2u);
  EXPECT_EQ(conf["offsets"][0]["partition"], 1);
  EXPECT_TRUE(conf["offsets"][0]["error_code"].is_null());
  auto read = get_json(broker, "/v1/topics/orders/partitions/1/records?offset=" +
                                   std::to_string(conf["offsets"][0]["offset"].get<std::int64_t>()));
  ASSERT_GE(read["records"].size(), 2u) << read.dump();
  EXPECT_EQ(read["records"][0]["value"], R"({"a":1})");
  EXPECT_EQ(read["records"][1]["value"], R"("s")");
}

TEST(HttpConsume, ReadsWhatLibrdkafkaProducedWithLongPollAndStartPoints) {
  broker_process broker;
  broker.start();
  create_topic(broker.bootstrap(), "events", 1);
  produce_with_headers(broker.bootstrap(), "events", 0, 5, "a");
  auto got = get_json(broker, "/v1/topics/events/partitions/0/records?offset=0");
  ASSERT_EQ(got["records"].size(), 5u) << got.dump();
  for (int i = 0; i < 5; ++i) {
    const auto& r = got["records"][i];
    EXPECT_EQ(r["offset"], i);
    EXPECT_EQ(r["key"], "a-k" + std::to_string(i));
    EXPECT_EQ(r["value"], "a-v" + std::to_string(i));
    EXPECT_EQ(r["headers"], json::array({json::array({"n", std::to_string(i)})}));
    EXPECT_EQ(r["cursor"], "0:" + std::to_string(i));
  }
  EXPECT_EQ(got["next_offset"], 5);
  EXPECT_EQ(got["high_watermark"], 5);
  auto limited = get_json(broker, "/v1/topics/events/partitions/0/records?offset=1&max_records=2");
  ASSERT_EQ(limited["records"].size(), 2u);
  EXPECT_EQ(limited["next_offset"], 3);
  EXPECT_EQ(get_json(broker, "/v1/topics/events/partitions/0/records?from=latest")["records"].size(), 0u);

  // Long poll: the read waits for the next append and returns it.
  auto started = std::chrono::steady_clock::now();
  auto poll = std::async(std::launch::async, [&] {
    return get_json(broker, "/v1/topics/events/partitions/0/records?offset=5&timeout_ms=20000");
  });
  std::this_thread::sleep_for(400ms);
  EXPECT_EQ(poll.wait_for(0s), std::future_status::timeout) << "the long poll answered before anything was appended";
  produce_with_headers(broker.bootstrap(), "events", 0, 1, "b");
  auto polled = poll.get();
  auto waited = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(polled["records"].size(), 1u) << polled.dump();
  EXPECT_EQ(polled["records"][0]["value"], "b-v0");
  EXPECT_LT(waited, 15s);

  // By timestamp: a point after everything so far starts at the end.
  const auto ts = polled["records"][0]["timestamp"].get<std::int64_t>();
  auto by_time = get_json(broker, "/v1/topics/events/partitions/0/records?from=@" + std::to_string(ts));
  ASSERT_GE(by_time["records"].size(), 1u);
  EXPECT_EQ(by_time["records"][0]["offset"], 5);
  EXPECT_EQ(get_json(broker, "/v1/topics/events/partitions/0/records?from=@" + std::to_string(ts + 3600000))["records"].size(), 0u);

  int status = 0;
  auto out = get_json(broker, "/v1/topics/events/partitions/0/records?offset=99", &status);
  EXPECT_EQ(status, 416);
  EXPECT_EQ(out["code"], "offset_out_of_range");
  EXPECT_EQ(out["high_watermark"], 6);
  get_json(broker, "/v1/topics/events/partitions/7/records", &status);
  EXPECT_EQ(status, 404);
  get_json(broker, "/v1/topics/nope/partitions/0/records", &status);
  EXPECT_EQ(status, 404);
  get_json(broker, "/v1/topics/events/partitions/0/records?from=yesterday", &status);
  EXPECT_EQ(status, 400);
}

TEST(WebSocket, SendsExactlyTheGrantedCreditAndNothingUnasked) {
  broker_process broker;
  broker.start();
  create_topic(broker.bootstrap(), "ticks", 2);
  ws_client ws(broker.http_port(), "/v1/ws/consume?topic=ticks");
  ASSERT_TRUE(ws.ok()) << ws.refused_status() << " " << ws.refused_body();

  const int n = 25;
  json batch = json::array();
  for (int i = 0; i < 10 * n; ++i) batch.push_back({{"key", "k" + std::to_string(i % 5)}, {"value", std::to_string(i)}});
  ASSERT_EQ(post_json(broker, "/v1/topics/ticks/records", batch.dump())["errors"], 0);
  EXPECT_FALSE(ws.receive(700ms)) << "a record arrived without credit";
  ASSERT_TRUE(ws.send(R"({"credit":0})"));
  EXPECT_FALSE(ws.receive(500ms)) << "credit 0 sent something";

  std::map<int, std::int64_t> last;  // per partition: offsets strictly increase, no duplicates
  std::set<std::string> values;
  for (int round = 0; round < 3; ++round) {
    ASSERT_TRUE(ws.send(R"({"credit":)" + std::to_string(n) + "}"));
    std::vector<json> got;
    while (got.size() < static_cast<std::size_t>(n)) {
      auto m = ws.receive(10s);
      ASSERT_TRUE(m) << "only " << got.size() << " of " << n << " granted records arrived";
      got.push_back(json::parse(*m));
    }
    auto extra = ws.receive(700ms);
    EXPECT_FALSE(extra) << "more than the credit arrived: " << extra.value_or("");
    for (const auto& r : got) {
      const int p = r["partition"];
      const auto off = r["offset"].get<std::int64_t>();
      if (last.contains(p)) {
        EXPECT_GT(off, last[p]);
      }
      last[p] = off;
      EXPECT_TRUE(values.insert(r["value"].get<std::string>()).second) << "duplicate " << r.dump();
      EXPECT_EQ(r["topic"], "ticks");
    }
  }
  auto m = metrics_of_broker(broker);
  EXPECT_EQ(metric_value(m, "streamdown_http_stream_records_sent_total{kind=\"ws_consume\"}"), 3.0 * n);
  EXPECT_EQ(metric_value(m, "streamdown_http_stream_sessions{kind=\"ws_consume\"}"), 1.0);
  EXPECT_EQ(metric_value(m, "streamdown_http_stream_credit_outstanding"), 0.0);

  // A grant that is not a non-negative integer closes the socket with a policy violation.
  ASSERT_TRUE(ws.send(R"({"credit":-1})"));
  EXPECT_FALSE(ws.receive(5s));
  EXPECT_TRUE(ws.closed());
  EXPECT_EQ(ws.close_code(), 1008);
  EXPECT_FALSE(ws.close_reason().empty());
}

/// A Server-Sent Events reader on a raw socket: de-chunks the body and yields (id, data) per event.
class sse_reader {
 public:
  sse_reader(std::uint16_t port, const std::string& path, const std::string& last_event_id = {}) {
    _fd = connect_loopback(port);
    if (_fd < 0) throw harness_error("connect failed");
    std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
    if (!last_event_id.empty()) req += "Last-Event-ID: " + last_event_id + "\r\n";
    req += "\r\n";
    if (::write(_fd, req.data(), req.size()) != static_cast<ssize_t>(req.size())) throw harness_error("write failed");
    timeval tv{0, 200000};
    ::setsockopt(_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~sse_reader() { drop(); }
  void drop() {
    if (_fd >= 0) ::close(_fd);
    _fd = -1;
  }
  int status() const { return _status; }

  struct event {
    std::string id, type, data;
  };
  /// Events until `count` arrived or `timeout` passed.
  std::vector<event> read(std::size_t count, std::chrono::milliseconds timeout) {
    std::vector<event> out;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
      if (!parse(out, count)) {
        char buf[65536];
        auto n = ::read(_fd, buf, sizeof buf);
        if (n == 0) break;
        if (n > 0) _raw.append(buf, static_cast<std::size_t>(n));
      }
    }
    return out;
  }

 private:
  // Moves what it can from _raw (headers, then chunks) to _body, then whole events from _body to out.
  bool parse(std::vector<event>& out, std::size_t count) {
    bool progress = false;
    if (!_headers_done) {
      auto end = _raw.find("\r\n\r\n");
      if (end == std::string::npos) return false;
      _status = std::stoi(_raw.substr(9, 3));
      _raw.erase(0, end + 4);
      _headers_done = true;
      progress = true;
    }
    for (;;) {
      auto line_end = _raw.find("\r\n");
      if (line_end == std::string::npos) break;
      auto size = std::stoul(_raw.substr(0, line_end), nullptr, 16);
      if (_raw.size() < line_end + 2 + size + 2) break;
      _body.append(_raw, line_end + 2, size);
      _raw.erase(0, line_end + 2 + size + 2);
      progress = true;
    }
    for (;;) {
      if (out.size() >= count) break;
      auto end = _body.find("\n\n");
      if (end == std::string::npos) break;
      std::string block = _body.substr(0, end);
      _body.erase(0, end + 2);
      event e;
      std::size_t pos = 0;
      while (pos <= block.size()) {
        auto nl = block.find('\n', pos);
        auto line = block.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
        if (line.rfind("id: ", 0) == 0) e.id = line.substr(4);
        else if (line.rfind("event: ", 0) == 0) e.type = line.substr(7);
        else if (line.rfind("data: ", 0) == 0) e.data = line.substr(6);
        if (nl == std::string::npos) break;
        pos = nl + 1;
      }
      if (e.type == "record") out.push_back(std::move(e));
      progress = true;
    }
    return progress;
  }

  int _fd = -1;
  int _status = 0;
  bool _headers_done = false;
  std::string _raw, _body;
};

TEST(ServerSentEvents, ResumeWithLastEventIdHasNoGapAndNoDuplicate) {
  broker_process broker;
  broker.start();
  create_topic(broker.bootstrap(), "feed", 3);
  auto produce = [&](int from, int to) {
    json batch = json::array();
    for (int i = from; i < to; ++i) batch.push_back({{"key", "k" + std::to_string(i)}, {"value", std::to_string(i)}});
    ASSERT_EQ(post_json(broker, "/v1/topics/feed/records", batch.dump())["errors"], 0);
  };
  const int total = scaled(300, 3000);
  produce(0, total / 2);

  std::map<std::string, int> seen;  // value -> times delivered
  std::string last_id;
  {
    sse_reader sse(broker.http_port(), "/v1/topics/feed/events");
    auto events = sse.read(static_cast<std::size_t>(total / 4), 20s);
    EXPECT_EQ(sse.status(), 200);
    ASSERT_EQ(events.size(), static_cast<std::size_t>(total / 4));
    for (const auto& e : events) ++seen[json::parse(e.data)["value"].get<std::string>()];
    last_id = events.back().id;
    sse.drop();  // killed mid-stream: more was probably sent and never read
  }
  produce(total / 2, total);
  sse_reader resumed(broker.http_port(), "/v1/topics/feed/events", last_id);
  auto rest = resumed.read(static_cast<std::size_t>(total - total / 4), 30s);
  for (const auto& e : rest) ++seen[json::parse(e.data)["value"].get<std::string>()];
  EXPECT_FALSE(resumed.read(1, 700ms).size()) << "more events than records";
  ASSERT_EQ(seen.size(), static_cast<std::size_t>(total)) << "gap: resumed from " << last_id;
  for (const auto& [v, times] : seen) EXPECT_EQ(times, 1) << "value " << v << " delivered " << times << " times";
  // Each id is a cursor over every partition delivered so far.
  EXPECT_NE(rest.back().id.find(','), std::string::npos) << rest.back().id;

  sse_reader bad(broker.http_port(), "/v1/topics/feed/events", "not-a-cursor");
  bad.read(1, 1s);
  EXPECT_EQ(bad.status(), 400);
}

TEST(ServerSentEvents, GroupStreamsSplitPartitionsCommitAndHandOverOnClose) {
  broker_process broker({.sets = {{"group.initial.rebalance.delay.ms", "0"}}});
  broker.start();
  create_topic(broker.bootstrap(), "split", 2);
  json batch = json::array();
  for (int i = 0; i < 200; ++i) batch.push_back({{"partition", i % 2}, {"value", std::to_string(i)}});
  ASSERT_EQ(post_json(broker, "/v1/topics/split/records", batch.dump())["errors"], 0);

  auto a = std::make_unique<sse_reader>(broker.http_port(), "/v1/topics/split/events?group=g&session_timeout_ms=6000");
  auto first = a->read(200, 20s);  // alone in the group: both partitions
  ASSERT_EQ(first.size(), 200u);
  sse_reader b(broker.http_port(), "/v1/topics/split/events?group=g&session_timeout_ms=6000");
  // After the rebalance each holds one partition: new records of partition p go to exactly one of them.
  ASSERT_TRUE(eventually([&] {
    auto g = get_json(broker, "/v1/groups/g");
    return g.value("state", "") == "Stable" && g["members"].size() == 2;
  }, 30s)) << get_json(broker, "/v1/groups/g").dump();
  std::this_thread::sleep_for(500ms);
  json more = json::array();
  for (int i = 200; i < 260; ++i) more.push_back({{"partition", i % 2}, {"value", std::to_string(i)}});
  ASSERT_EQ(post_json(broker, "/v1/topics/split/records", more.dump())["errors"], 0);
  auto got_a = a->read(30, 10s);
  auto got_b = b.read(30, 10s);
  ASSERT_EQ(got_a.size() + got_b.size(), 60u) << got_a.size() << " + " << got_b.size();
  std::set<int> parts_a, parts_b;
  for (auto& e : got_a) parts_a.insert(json::parse(e.data)["partition"].get<int>());
  for (auto& e : got_b) parts_b.insert(json::parse(e.data)["partition"].get<int>());
  EXPECT_EQ(parts_a.size(), 1u);
  EXPECT_EQ(parts_b.size(), 1u);
  EXPECT_NE(parts_a, parts_b);

  // Closing a stream commits what it wrote and hands its partition over: b then gets everything new.
  a->drop();
  a.reset();
  ASSERT_TRUE(eventually([&] { return get_json(broker, "/v1/groups/g")["members"].size() == 1; }, 30s));
  auto offsets = get_json(broker, "/v1/groups/g")["offsets"];
  ASSERT_EQ(offsets.size(), 2u) << offsets.dump();
  for (const auto& o : offsets) {
    if (parts_a.contains(o["partition"].get<int>())) {
      EXPECT_EQ(o["committed_offset"], 130) << "the closed stream did not commit what it wrote: " << o.dump();
    } else {
      // Committed by the first stream when it gave the partition up (b commits its own every 5 s).
      EXPECT_GE(o["committed_offset"].get<std::int64_t>(), 100) << o.dump();
    }
  }
  json last = json::array();
  for (int i = 260; i < 280; ++i) last.push_back({{"partition", i % 2}, {"value", std::to_string(i)}});
  ASSERT_EQ(post_json(broker, "/v1/topics/split/records", last.dump())["errors"], 0);
  auto rest = b.read(20, 15s);
  EXPECT_EQ(rest.size(), 20u) << "the remaining member did not take over the closed stream's partition";
}

TEST(WebSocket, AReaderThatNeverReadsHoldsNoMoreThanTheBound) {
  broker_process broker({.sets = {{"streamdown.http.stream.inflight.bytes", "65536"},
                                  {"streamdown.http.stream.write.timeout.ms", "120000"}}});
  broker.start();
  create_topic(broker.bootstrap(), "bulk", 1);
  const int value_bytes = 32 * 1024;
  const int per_half = scaled(1024, 4096);  // 32 MiB (small) of values per half
  std::vector<message_spec> msgs(static_cast<std::size_t>(per_half));
  for (int i = 0; i < per_half; ++i) msgs[static_cast<std::size_t>(i)].value = std::string(value_bytes, static_cast<char>('a' + i % 26));
  auto first = produce_and_wait(broker.bootstrap(), "bulk", msgs);
  ASSERT_TRUE(first.failed.empty()) << first.first_error();

  ws_client stuck(broker.http_port(), "/v1/ws/consume?topic=bulk");
  ASSERT_TRUE(stuck.ok());
  ASSERT_TRUE(stuck.send(R"({"credit":1000000})"));  // and never reads
  std::this_thread::sleep_for(1s);
  const auto rss_before = broker.rss_bytes();
  auto second = produce_and_wait(broker.bootstrap(), "bulk", msgs);
  ASSERT_TRUE(second.failed.empty()) << second.first_error();
  std::this_thread::sleep_for(1s);
  const auto rss_after = broker.rss_bytes();
  const auto m = metrics_of_broker(broker);
  const double sent = metric_value(m, "streamdown_http_stream_records_sent_total{kind=\"ws_consume\"}").value_or(-1);
  EXPECT_LT(sent, per_half / 2) << "the socket took far more than a blocked reader can hold";
  // One read holds at most the in-flight bytes, or one whole batch when a batch is larger (here librdkafka's
  // batches of up to 1 MB): never the log behind the reader.
  EXPECT_LE(metric_value(m, "streamdown_http_stream_buffered_bytes").value_or(1e12), 1048588.0);
  const double grew_mib = (static_cast<double>(rss_after) - static_cast<double>(rss_before)) / (1 << 20);
  EXPECT_LT(grew_mib, 24.0) << "broker RSS grew " << grew_mib << " MiB while " << (per_half * value_bytes >> 20)
                            << " MiB went by a reader that does not read";

  // Everyone else is unaffected: another consumer reads, health answers.
  auto other = get_json(broker, "/v1/topics/bulk/partitions/0/records?offset=0&max_records=3");
  EXPECT_EQ(other["records"].size(), 3u);
  EXPECT_EQ(http_get(broker.http_port(), "/v1/health", 2s).status, 200);
}

TEST(WebSocket, ProduceAnswersEachRecordInOrderAndGrantsCreditAsTheLogAccepts) {
  broker_process broker;
  broker.start();
  create_topic(broker.bootstrap(), "in", 2);
  ws_client ws(broker.http_port(), "/v1/ws/produce?topic=in&window=50");
  ASSERT_TRUE(ws.ok()) << ws.refused_status() << " " << ws.refused_body();
  auto grant = ws.receive(5s);
  ASSERT_TRUE(grant);
  EXPECT_EQ(json::parse(*grant), json({{"credit", 50}}));
  const int total = 400;
  std::int64_t credit = 50;
  int sent = 0;
  std::vector<json> results;
  std::map<int, std::int64_t> last;
  while (static_cast<int>(results.size()) < total) {
    while (credit > 0 && sent < total) {
      ASSERT_TRUE(ws.send(json{{"key", "k" + std::to_string(sent % 9)}, {"value", std::to_string(sent)}}.dump()));
      --credit;
      ++sent;
    }
    auto m = ws.receive(10s);
    ASSERT_TRUE(m) << "stalled after " << results.size() << " results";
    auto j = json::parse(*m);
    if (j.contains("credit")) {
      credit += j["credit"].get<std::int64_t>();
      continue;
    }
    ASSERT_TRUE(j.contains("offset")) << j.dump();
    const int p = j["partition"];
    if (last.contains(p)) {
      EXPECT_EQ(j["offset"].get<std::int64_t>(), last[p] + 1) << "results out of order";
    }
    last[p] = j["offset"];
    results.push_back(j);
  }
  auto upstream = read_upstream(broker.bootstrap(), "in");
  ASSERT_EQ(upstream.size(), static_cast<std::size_t>(total));
  std::set<std::string> values;
  for (auto& r : upstream) values.insert(*r.value);
  EXPECT_EQ(values.size(), static_cast<std::size_t>(total));

  // Sending beyond the credit closes the socket.
  ws_client greedy(broker.http_port(), "/v1/ws/produce?topic=in&window=1");
  ASSERT_TRUE(greedy.ok());
  ASSERT_TRUE(greedy.receive(5s));
  for (int i = 0; i < 5; ++i) greedy.send(R"({"value":"x"})");
  while (greedy.receive(5s)) {
  }
  EXPECT_TRUE(greedy.closed());
  EXPECT_EQ(greedy.close_code(), 1008) << greedy.close_reason();
}

TEST(HttpStreamBadInput, OversizedAndMalformedMessagesUpgradesAndSessionCaps) {
  broker_process broker({.sets = {{"streamdown.http.ws.max.message.bytes", "2048"},
                                  {"streamdown.http.stream.max.sessions", "3"},
                                  {"auto.create.topics.enable", "false"}}});
  broker.start();
  create_topic(broker.bootstrap(), "t", 1);

  ws_client big(broker.http_port(), "/v1/ws/consume?topic=t");
  ASSERT_TRUE(big.ok());
  big.send(std::string(4096, 'x'));
  EXPECT_FALSE(big.receive(5s));
  EXPECT_EQ(big.close_code(), 1009);

  ws_client garbage(broker.http_port(), "/v1/ws/consume?topic=t");
  ASSERT_TRUE(garbage.ok());
  garbage.send("hello");
  EXPECT_FALSE(garbage.receive(5s));
  EXPECT_EQ(garbage.close_code(), 1008);

  ws_client commit(broker.http_port(), "/v1/ws/consume?topic=t");
  ASSERT_TRUE(commit.ok());
  commit.send(R"({"commit":"0:1"})");
  EXPECT_FALSE(commit.receive(5s));
  EXPECT_EQ(commit.close_code(), 1008);

  ws_client unknown(broker.http_port(), "/v1/ws/consume?topic=missing");
  EXPECT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.refused_status(), 404) << unknown.refused_body();
  int status = 0;
  post_json(broker, "/v1/topics/missing/records", R"({"value":"a"})", "application/json", &status);
  EXPECT_EQ(status, 404) << "auto-create is off";
  get_json(broker, "/v1/ws/consume?topic=t", &status);
  EXPECT_EQ(status, 426) << "a plain GET on a WebSocket endpoint";

  // The session cap: three open, the fourth is refused with 503, a slot frees when one closes.
  std::vector<std::unique_ptr<ws_client>> open;
  for (int i = 0; i < 3; ++i) {
    open.push_back(std::make_unique<ws_client>(broker.http_port(), "/v1/ws/consume?topic=t"));
    ASSERT_TRUE(open.back()->ok()) << i;
  }
  ws_client fourth(broker.http_port(), "/v1/ws/consume?topic=t");
  EXPECT_FALSE(fourth.ok());
  EXPECT_EQ(fourth.refused_status(), 503);
  open.back()->drop();
  open.pop_back();
  EXPECT_TRUE(eventually([&] { return ws_client(broker.http_port(), "/v1/ws/consume?topic=t").ok(); }, 10s));
  EXPECT_GE(metric_value(metrics_of_broker(broker), "streamdown_http_stream_refused_total").value_or(0), 1.0);
}

TEST(HttpStreamBadInput, ThousandsOfIdleConnectionsDoNotLockOthersOut) {
  // The test process holds the idle sockets: make sure its own descriptor limit is not what stops it.
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < 4096 && lim.rlim_max > lim.rlim_cur) {
    lim.rlim_cur = std::min<rlim_t>(lim.rlim_max, 4096);
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
  broker_process broker({.sets = {{"streamdown.http.max.connections", "256"}}});
  broker.start();
  const auto rss_before = broker.rss_bytes();
  std::vector<int> idle;
  const int count = scaled(1500, 3000);
  for (int i = 0; i < count; ++i) {
    int fd = connect_loopback(broker.http_port());
    if (fd >= 0) idle.push_back(fd);
  }
  ASSERT_GT(idle.size(), 1000u);
  for (int i = 0; i < 5; ++i) {
    auto r = http_get(broker.http_port(), "/v1/health", 5s);
    EXPECT_EQ(r.status, 200) << "a client was locked out by idle connections";
  }
  EXPECT_LT(broker.rss_bytes(), rss_before + (64u << 20));
  auto m = metrics_of_broker(broker);
  for (int fd : idle) ::close(fd);
  EXPECT_GT(metric_value(m, "streamdown_http_connections_evicted_total").value_or(0), 0.0);
}

}  // namespace
}  // namespace sd::itest
