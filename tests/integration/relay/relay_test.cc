// `streamdown relay` end to end against a real `streamdown broker` upstream: sources -> spool -> forwarder.
// What every test checks in the end: each record a source acknowledged is upstream exactly once, with the
// provenance headers (streamdown.relay.id, streamdown.spool.seq), in order per key.

#include <gtest/gtest.h>
#include <signal.h>

#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "client/murmur2.h"
#include "relay_support.h"
#include "support/broker_process.h"
#include "support/http_client.h"
#include "support/kafka_client.h"
#include "support/test_env.h"

namespace sd::itest {
namespace {

using json = nlohmann::json;

env_list http_relay_sets(const broker_process& b, env_list extra = {}) {
  env_list sets{{"upstream.bootstrap.servers", b.bootstrap()}, {"source.0.type", "http"}, {"source.0.name", "web"}};
  sets.insert(sets.end(), extra.begin(), extra.end());
  return sets;
}

// Posts NDJSON records {"key": key_i, "value": prefix + i}; returns the parsed answer.
http_result post_ndjson(std::uint16_t port, const std::string& topic, const std::vector<std::pair<std::string, std::string>>& kv,
                        const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  std::string body;
  for (const auto& [k, v] : kv) body += json{{"key", k}, {"value", v}, {"headers", {{"src", "itest"}}}}.dump() + "\n";
  return http_post(port, "/v1/topics/" + topic + "/records", body, "application/x-ndjson", headers);
}

std::string metrics_of(std::uint16_t port) { return http_get(port, "/metrics").body; }

TEST(Relay, HttpSourceForwardsInKeyOrderWithProvenance) {
  broker_config bc;
  bc.sets = {{"num.partitions", "4"}};
  broker_process broker(bc);
  broker.start();
  create_topic(broker.bootstrap(), "telemetry", 4);
  relay_process relay(http_relay_sets(broker));
  relay.start();

  const int n = scaled(400, 20000);
  std::vector<std::pair<std::string, std::string>> sent;
  for (int batch = 0; batch < n / 100; ++batch) {
    std::vector<std::pair<std::string, std::string>> kv;
    for (int i = 0; i < 100; ++i) {
      const int id = batch * 100 + i;
      kv.emplace_back("dev-" + std::to_string(id % 7), "v" + std::to_string(id));
    }
    auto r = post_ndjson(relay.http_port(), "telemetry", kv);
    ASSERT_EQ(r.status, 200) << r.body;
    auto results = json::parse(r.body)["results"];
    ASSERT_EQ(results.size(), kv.size());
    for (std::size_t i = 1; i < results.size(); ++i)
      ASSERT_EQ(results[i]["seq"].get<std::uint64_t>(), results[i - 1]["seq"].get<std::uint64_t>() + 1);
    sent.insert(sent.end(), kv.begin(), kv.end());
  }
  std::vector<upstream_record> got;
  ASSERT_TRUE(eventually([&] { got = read_upstream(broker.bootstrap(), "telemetry"); return got.size() >= sent.size(); },
                         std::chrono::seconds(60)))
      << got.size() << " of " << sent.size() << "\n" << relay.stderr_text();
  ASSERT_EQ(got.size(), sent.size());
  std::map<std::string, std::vector<std::string>> by_key_sent, by_key_got;
  for (const auto& [k, v] : sent) by_key_sent[k].push_back(v);
  std::set<std::uint64_t> seqs;
  for (const auto& r : got) {
    ASSERT_TRUE(r.key.has_value());
    EXPECT_EQ(r.partition, client::murmur2_partition(*r.key, 4)) << "Kafka's default partitioner decides";
    EXPECT_EQ(r.header("streamdown.relay.id"), "itest-relay");
    EXPECT_EQ(r.header("src"), "itest");
    auto seq = r.header("streamdown.spool.seq");
    ASSERT_TRUE(seq.has_value());
    EXPECT_TRUE(seqs.insert(std::stoull(*seq)).second) << "seq " << *seq << " twice";
  }
  // Order per key: upstream order within a partition, grouped by key, equals send order.
  std::vector<upstream_record> ordered = got;
  std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
    return a.partition != b.partition ? a.partition < b.partition : a.offset < b.offset;
  });
  for (const auto& r : ordered) by_key_got[*r.key].push_back(*r.value);
  EXPECT_EQ(by_key_got, by_key_sent);

  auto m = metrics_of(relay.http_port());
  EXPECT_EQ(metric_value(m, "streamdown_relay_forwarded_records_total"), static_cast<double>(sent.size()));
  EXPECT_EQ(metric_value(m, R"(streamdown_relay_source_appended_records_total{source="web",type="http"})"),
            static_cast<double>(sent.size()));
  EXPECT_EQ(metric_value(m, "streamdown_relay_upstream_up"), 1.0);
  auto status = json::parse(http_get(relay.http_port(), "/v1/relay").body);
  EXPECT_EQ(status["upstream"]["state"], "up");
  EXPECT_EQ(status["sources"][0]["name"], "web");
  EXPECT_EQ(relay.stop().clean(), true) << relay.stderr_text();
}

TEST(Relay, StdinLinesAndJsonReachTheUpstream) {
  broker_process broker;
  broker.start();
  relay_process relay({{"upstream.bootstrap.servers", broker.bootstrap()}, {"source.0.type", "stdin"},
                       {"source.0.topic", "lines"}, {"source.0.format", "json"}});
  const std::string input = relay.dir().path() + "/input.ndjson";
  std::string text;
  const int n = scaled(300, 10000);
  for (int i = 0; i < n; ++i) text += json{{"key", "k" + std::to_string(i % 3)}, {"value", "line " + std::to_string(i)}}.dump() + "\n";
  text += "not json\n";
  write_file(input, text);
  relay.start(input);
  std::vector<upstream_record> got;
  ASSERT_TRUE(eventually([&] {
    try { got = read_upstream(broker.bootstrap(), "lines"); } catch (const harness_error&) { return false; }
    return got.size() >= static_cast<std::size_t>(n);
  }, std::chrono::seconds(60))) << got.size() << "\n" << relay.stderr_text();
  EXPECT_EQ(got.size(), static_cast<std::size_t>(n));
  auto m = metrics_of(relay.http_port());
  EXPECT_EQ(metric_value(m, R"(streamdown_relay_source_rejected_records_total{source="stdin-0",type="stdin"})"), 1.0);
}

TEST(Relay, UpstreamOutageUnderBlockSlowsTheSourceAndLosesNothing) {
  broker_process broker;
  broker.start();
  create_topic(broker.bootstrap(), "outage", 2);
  relay_process relay(http_relay_sets(broker, {{"spool.max.bytes", "262144"}, {"spool.segment.bytes", "65536"}}));
  relay.start();
  broker.kill9();  // the upstream goes away; the relay keeps taking records until the spool is full

  std::vector<std::string> acked;
  int too_many = 0;
  const std::string pad(200, 'x');
  for (int i = 0; i < 4000 && too_many == 0; i += 20) {
    std::vector<std::pair<std::string, std::string>> kv;
    for (int j = i; j < i + 20; ++j) kv.emplace_back("k" + std::to_string(j % 5), std::to_string(j) + pad);
    auto r = post_ndjson(relay.http_port(), "outage", kv);
    if (r.status == 429) {
      ++too_many;
      EXPECT_EQ(r.headers["retry-after"], "1");
      break;
    }
    ASSERT_EQ(r.status, 200) << r.body;
    for (const auto& [k, v] : kv) acked.push_back(v);
  }
  ASSERT_EQ(too_many, 1) << "the spool never filled";
  EXPECT_TRUE(eventually([&] { return metric_value(metrics_of(relay.http_port()), "streamdown_relay_upstream_up") == 0.0; },
                         std::chrono::seconds(20)));
  auto m = metrics_of(relay.http_port());
  EXPECT_GE(metric_value(m, R"(streamdown_relay_source_backpressure_total{source="web",type="http"})").value_or(0), 1.0);

  broker.start();  // back on the same port and data
  std::vector<upstream_record> got;
  ASSERT_TRUE(eventually([&] {
    try { got = read_upstream(broker.bootstrap(), "outage"); } catch (const harness_error&) { return false; }
    return got.size() >= acked.size();
  }, std::chrono::seconds(90))) << got.size() << " of " << acked.size() << "\n" << relay.stderr_text();
  std::multiset<std::string> values;
  for (const auto& r : got) values.insert(*r.value);
  for (const auto& v : acked) EXPECT_EQ(values.count(v), 1u) << v.substr(0, 12);
  // Room again: the source takes records.
  EXPECT_TRUE(eventually([&] { return post_ndjson(relay.http_port(), "outage", {{"k", "after"}}).status == 200; },
                         std::chrono::seconds(30)));
}

// Under drop_oldest an outage costs the oldest records, never the newest, and exactly what the spool counts:
// the posted records equal what reaches the upstream plus the recorded gap, which survives a restart.
TEST(Relay, UpstreamOutageUnderDropOldestDropsExactlyTheCountedGap) {
  broker_process broker;
  broker.start();
  create_topic(broker.bootstrap(), "lossy", 2);
  test::temp_dir spool_home;
  const env_list sets = http_relay_sets(broker, {{"spool.max.bytes", "262144"}, {"spool.segment.bytes", "65536"},
                                                 {"spool.when.full", "drop_oldest"},
                                                 {"spool.dir", spool_home.path() + "/spool"}});
  relay_process relay(sets);
  relay.start();
  broker.kill9();
  const std::string pad(200, 'x');
  const int n = scaled(6000, 20000);  // ~1.5 MB of records into a 256 KiB spool
  std::vector<std::string> posted;
  for (int i = 0; i < n; i += 50) {
    std::vector<std::pair<std::string, std::string>> kv;
    for (int j = i; j < i + 50; ++j) kv.emplace_back("k" + std::to_string(j % 3), std::to_string(j) + pad);
    auto r = post_ndjson(relay.http_port(), "lossy", kv);
    ASSERT_EQ(r.status, 200) << "drop_oldest never refuses: " << r.body;
    for (const auto& [k, v] : kv) posted.push_back(v);
  }
  auto status = json::parse(http_get(relay.http_port(), "/v1/relay").body);
  const auto dropped = status["spool"]["dropped_oldest_records"].get<std::uint64_t>();
  EXPECT_GT(dropped, 0u);
  std::uint64_t gap_records = 0;
  for (const auto& g : status["spool"]["gaps"]) gap_records += g["records"].get<std::uint64_t>();
  EXPECT_EQ(gap_records, dropped);
  relay.stop();
  relay.start();  // the gap is durable
  auto again = json::parse(http_get(relay.http_port(), "/v1/relay").body);
  EXPECT_EQ(again["spool"]["dropped_oldest_records"].get<std::uint64_t>(), dropped);

  broker.start();
  std::vector<upstream_record> got;
  ASSERT_TRUE(eventually([&] {
    try { got = read_upstream(broker.bootstrap(), "lossy"); } catch (const harness_error&) { return false; }
    return got.size() + dropped >= posted.size();
  }, std::chrono::seconds(90))) << got.size() << " + " << dropped << " of " << posted.size() << "\n" << relay.stderr_text();
  EXPECT_EQ(got.size() + dropped, posted.size());
  std::set<std::string> present;
  for (const auto& r : got) EXPECT_TRUE(present.insert(*r.value).second) << "twice: " << r.value->substr(0, 8);
  // What survived is the newest: every posted record after the first survivor is upstream.
  std::size_t first = 0;
  while (first < posted.size() && !present.contains(posted[first])) ++first;
  for (std::size_t i = first; i < posted.size(); ++i) EXPECT_TRUE(present.contains(posted[i])) << "lost " << i;
  EXPECT_EQ(first, dropped) << "the dropped records are exactly the oldest ones";
}

// kill -9 the relay at random points while a client posts and the forwarder forwards, including through the
// fault hook between the upstream's acknowledgement and the ledger write. Every acknowledged record must be
// upstream exactly once; nothing may be upstream twice.
TEST(Relay, KillNineCyclesKeepExactlyOnce) {
  broker_process broker;
  broker.start();
  create_topic(broker.bootstrap(), "crash", 3);
  const int cycles = scaled(20, 100);
  std::mt19937 rng(20261204);
  std::set<std::string> acked;
  std::set<std::string> attempted;
  int next_id = 0;
  test::temp_dir spool_home;
  const std::string spool = spool_home.path() + "/spool";
  for (int cycle = 0; cycle < cycles; ++cycle) {
    env_list env;
    if (cycle % 4 == 3) env.emplace_back("STREAMDOWN_RELAY_CRASH_BEFORE_LEDGER", std::to_string(1 + rng() % 5));
    relay_process relay(http_relay_sets(broker, {{"spool.dir", spool}, {"spool.segment.bytes", "65536"}}), env);
    relay.start();
    const auto kill_after = std::chrono::milliseconds(50 + rng() % 400);
    const auto until = std::chrono::steady_clock::now() + kill_after;
    std::thread killer([&] {
      std::this_thread::sleep_until(until);
      relay.kill9();
    });
    while (std::chrono::steady_clock::now() < until) {
      std::vector<std::pair<std::string, std::string>> kv;
      for (int j = 0; j < 50; ++j, ++next_id) kv.emplace_back("k" + std::to_string(next_id % 11), "id-" + std::to_string(next_id));
      for (const auto& [k, v] : kv) attempted.insert(v);
      auto r = post_ndjson(relay.http_port(), "crash", kv);
      if (r.status != 200) break;  // killed mid-request: not acknowledged
      for (const auto& [k, v] : kv) acked.insert(v);
    }
    killer.join();
  }
  // A last clean run forwards what is left.
  relay_process relay(http_relay_sets(broker, {{"spool.dir", spool}}));
  relay.start();
  std::vector<upstream_record> got;
  ASSERT_TRUE(eventually([&] {
    got = read_upstream(broker.bootstrap(), "crash");
    std::set<std::string> present;
    for (const auto& r : got) present.insert(*r.value);
    return std::includes(present.begin(), present.end(), acked.begin(), acked.end());
  }, std::chrono::seconds(90))) << got.size() << " upstream, " << acked.size() << " acknowledged\n"
                                 << http_get(relay.http_port(), "/v1/relay").body << "\n" << relay.stderr_text();
  std::map<std::string, int> count;
  std::set<std::uint64_t> seqs;
  for (const auto& r : got) {
    ++count[*r.value];
    EXPECT_TRUE(attempted.contains(*r.value));
    auto seq = r.header("streamdown.spool.seq");
    ASSERT_TRUE(seq.has_value());
    EXPECT_TRUE(seqs.insert(std::stoull(*seq)).second) << "spool seq " << *seq << " upstream twice";
  }
  for (const auto& [v, c] : count) EXPECT_EQ(c, 1) << v << " upstream " << c << " times";
  for (const auto& v : acked) EXPECT_EQ(count[v], 1) << v << " acknowledged but upstream " << count[v] << " times";
  std::cout << "cycles=" << cycles << " acked=" << acked.size() << " attempted=" << attempted.size()
            << " upstream=" << got.size() << "\n";
}

TEST(Relay, BadInputGetsClearAnswersAndStartUpRefusals) {
  broker_process broker;
  broker.start();
  relay_process relay(http_relay_sets(broker, {{"http.max.body.bytes", "4096"}}));
  relay.start();
  auto bad_json = http_post(relay.http_port(), "/v1/topics/t/records", "[{\"value\":", "application/json");
  EXPECT_EQ(bad_json.status, 400) << bad_json.body;
  auto bad_topic = http_post(relay.http_port(), "/v1/topics/bad%20topic/records", "{}", "application/json");
  EXPECT_EQ(bad_topic.status, 400);
  auto huge = http_post(relay.http_port(), "/v1/topics/t/records", std::string(8192, 'x'), "application/octet-stream");
  EXPECT_EQ(huge.status, 413);
  auto mixed = post_ndjson(relay.http_port(), "t", {{"a", "1"}});
  EXPECT_EQ(mixed.status, 200);
  auto partial = http_post(relay.http_port(), "/v1/topics/t/records", "{\"value\":\"ok\"}\nnope\n", "application/x-ndjson");
  ASSERT_EQ(partial.status, 200) << partial.body;
  auto results = json::parse(partial.body)["results"];
  EXPECT_TRUE(results[0].contains("seq"));
  EXPECT_TRUE(results[1].contains("error"));
  // Idempotency-Key: the retry gets the first answer and writes nothing.
  auto first = post_ndjson(relay.http_port(), "t", {{"x", "once"}}, {{"Idempotency-Key", "abc"}});
  auto retry = post_ndjson(relay.http_port(), "t", {{"x", "once"}}, {{"Idempotency-Key", "abc"}});
  EXPECT_EQ(first.body, retry.body);

  std::string err;
  // A second relay on the same spool refuses to start.
  auto locked = relay_process::run_to_exit({{"upstream.bootstrap.servers", broker.bootstrap()}, {"spool.dir", relay.spool_dir()},
                                            {"relay.id", "itest-relay"}, {"http.addr", "127.0.0.1:0"}},
                                           err, std::chrono::seconds(20));
  EXPECT_EQ(locked.code, 1) << err;
  relay.stop();
  auto other = relay_process::run_to_exit({{"upstream.bootstrap.servers", broker.bootstrap()}, {"spool.dir", relay.spool_dir()},
                                           {"relay.id", "someone-else"}, {"http.addr", "127.0.0.1:0"}},
                                          err, std::chrono::seconds(20));
  EXPECT_EQ(other.code, 1) << err;
  auto unknown = relay_process::run_to_exit({{"upstream.bootstrap.servers", broker.bootstrap()}, {"no.such.key", "1"}}, err,
                                            std::chrono::seconds(20));
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(err.find("no.such.key"), std::string::npos) << err;
}

}  // namespace
}  // namespace sd::itest
