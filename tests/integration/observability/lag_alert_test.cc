// Consumer lag end to end: a librdkafka group consumer (../groups/group_worker) catches up, so lag falls to 0;
// it stops, more records arrive, so lag rises by exactly that many records and its seconds grow; the group
// stays visible without members; `streamdown group describe` agrees with the metric. Then an alert rule on lag
// fires when the consumer stops and resolves when it catches up again (/v1/alerts, the metric, the log).
#include <gtest/gtest.h>

#include <thread>

#include "groups/group_support.h"
#include "observability/obs_support.h"
#include "support/broker_process.h"
#include "support/http_client.h"
#include "support/kafka_client.h"
#include "support/raw_client.h"
#include "support/wire.h"

namespace sd::itest {
namespace {

using namespace std::chrono_literals;
using groups::produce_range;
using groups::start_worker;
using groups::stop_worker;
using groups::wait_until;
using json = nlohmann::json;

std::string series(const std::string& name, const std::string& group, const std::string& topic, int partition) {
  return name + "{group=\"" + group + "\",topic=\"" + topic + "\",partition=\"" + std::to_string(partition) + "\"}";
}

std::optional<double> scrape(const broker_process& b, const std::string& s) {
  auto r = http_get(b.http_port(), "/metrics");
  if (r.status != 200) return std::nullopt;
  return metric_value(r.body, s);
}

void produce_to(const std::string& bootstrap, const std::string& topic, std::int32_t partition, int n) {
  std::vector<message_spec> msgs;
  for (int i = 0; i < n; ++i) msgs.push_back({std::nullopt, "late-" + std::to_string(i), partition});
  auto s = produce_and_wait(bootstrap, topic, msgs, {{"acks", "all"}});
  ASSERT_TRUE(s.failed.empty()) << s.first_error();
}

std::optional<json> find_group(const json& list, const std::string& id) {
  for (const auto& g : list)
    if (g.value("id", "") == id) return g;
  return std::nullopt;
}

TEST(Lag, FallsToZeroThenRisesWhenTheConsumerStops) {
  broker_process broker(groups::group_broker_config());
  broker.start();
  temp_dir dir("sd-lag");
  const std::string topic = "lagged", group = "g-lag";
  const int n = scaled(300, 5000), m = 37;
  create_topic(broker.bootstrap(), topic, 2);
  produce_range(broker.bootstrap(), topic, 0, n);

  auto w = start_worker(dir, "w1", broker.bootstrap(), group, topic, "range", {"commit.every=20"});
  const auto lag0 = series("streamdown_group_lag_records", group, topic, 0);
  const auto lag1 = series("streamdown_group_lag_records", group, topic, 1);
  ASSERT_TRUE(wait_until(
      [&] {
        auto c0 = scrape(broker, series("streamdown_group_committed_offset", group, topic, 0));
        auto c1 = scrape(broker, series("streamdown_group_committed_offset", group, topic, 1));
        return c0 && c1 && *c0 + *c1 == n && scrape(broker, lag0) == 0.0 && scrape(broker, lag1) == 0.0;
      },
      60s))
      << "lag did not fall to 0\n" << http_get(broker.http_port(), "/metrics").body << broker.diagnostics();
  EXPECT_EQ(scrape(broker, series("streamdown_group_lag_seconds", group, topic, 0)), 0.0);

  // While the consumer runs: members and their decoded assignment.
  std::optional<json> d;
  ASSERT_TRUE(wait_until(
      [&] {
        d = get_json(broker.http_port(), "/v1/groups/" + group);
        return d && (*d)["state"] == "Stable" && (*d)["members"].size() == 1;
      },
      30s))
      << (d ? d->dump() : "no reply");
  const auto& member = (*d)["members"][0];
  EXPECT_EQ((*d)["protocol_type"], "consumer");
  EXPECT_EQ((*d)["protocol"], "range");
  EXPECT_EQ((*d)["leader"], member["member_id"]);
  EXPECT_GE((*d)["generation"].get<int>(), 1);
  EXPECT_FALSE(member["client_id"].get<std::string>().empty());
  EXPECT_FALSE(member["host"].get<std::string>().empty());
  EXPECT_TRUE(member["group_instance_id"].is_null());
  ASSERT_TRUE(member["assignment"].is_array()) << d->dump();
  ASSERT_EQ(member["assignment"].size(), 1u) << d->dump();
  EXPECT_EQ(member["assignment"][0]["topic"], topic);
  EXPECT_EQ(member["assignment"][0]["partitions"], json::array({0, 1}));
  ASSERT_EQ((*d)["offsets"].size(), 2u) << d->dump();
  for (const auto& o : (*d)["offsets"]) {
    EXPECT_EQ(o["lag_records"], 0) << d->dump();
    EXPECT_EQ(o["committed_offset"], o["high_watermark"]) << d->dump();
  }
  auto list = get_json(broker.http_port(), "/v1/groups");
  ASSERT_TRUE(list);
  auto g = find_group(*list, group);
  ASSERT_TRUE(g) << list->dump();
  EXPECT_EQ((*g)["member_count"], 1);
  EXPECT_EQ((*g)["total_lag"], 0);

  // Stop the consumer (it commits and leaves), then produce m more to partition 0.
  ASSERT_TRUE(stop_worker(w).clean());
  ASSERT_NO_FATAL_FAILURE(produce_to(broker.bootstrap(), topic, 0, m));
  EXPECT_EQ(scrape(broker, lag0), double(m)) << broker.diagnostics();
  EXPECT_EQ(scrape(broker, lag1), 0.0);
  auto s1 = scrape(broker, series("streamdown_group_lag_seconds", group, topic, 0));
  ASSERT_TRUE(s1);
  EXPECT_GE(*s1, 0.0);
  std::this_thread::sleep_for(1200ms);
  auto s2 = scrape(broker, series("streamdown_group_lag_seconds", group, topic, 0));
  ASSERT_TRUE(s2);
  EXPECT_GT(*s2, 0.0);
  EXPECT_GT(*s2, *s1) << "seconds behind must grow while nothing is consumed";
  EXPECT_EQ(scrape(broker, series("streamdown_group_lag_seconds", group, topic, 1)), 0.0);

  // No member: still listed, with its lag.
  list = get_json(broker.http_port(), "/v1/groups");
  ASSERT_TRUE(list);
  g = find_group(*list, group);
  ASSERT_TRUE(g) << list->dump();
  EXPECT_EQ((*g)["member_count"], 0);
  EXPECT_EQ((*g)["state"], "Empty");
  EXPECT_EQ((*g)["total_lag"], m);
  d = get_json(broker.http_port(), "/v1/groups/" + group);
  ASSERT_TRUE(d);
  EXPECT_TRUE((*d)["members"].empty());
  EXPECT_EQ((*d)["total_lag"], m);
  for (const auto& o : (*d)["offsets"])
    if (o["partition"] == 0) {
      EXPECT_EQ(o["lag_records"], m);
      EXPECT_GT(o["lag_seconds"].get<double>(), 0.0);
    }

  // The tool computes lag on its own (ListOffsets + OffsetFetch): it matches the metric.
  command cmd;
  cmd.argv = {streamdown_binary(), "group", "describe", group, "--json", "--bootstrap", broker.bootstrap()};
  cmd.stdout_path = dir.file("describe.out");
  cmd.stderr_path = dir.file("describe.err");
  ASSERT_TRUE(run_command(cmd, 60s).clean()) << read_file(cmd.stderr_path);
  auto tool = json::parse(read_file(cmd.stdout_path), nullptr, false);
  ASSERT_FALSE(tool.is_discarded()) << read_file(cmd.stdout_path);
  bool seen = false;
  for (const auto& p : tool["partitions"])
    if (p["topic"] == topic && p["partition"] == 0) {
      seen = true;
      EXPECT_EQ(p["lag"].get<double>(), scrape(broker, lag0).value_or(-1));
    }
  EXPECT_TRUE(seen) << tool.dump();

  // Unknown group: 404 JSON.
  auto missing = http_get(broker.http_port(), "/v1/groups/no-such-group");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("error"), std::string::npos);
  EXPECT_NO_THROW(broker.stop()) << broker.diagnostics();
}

std::optional<json> alert_named(const broker_process& b, const std::string& name) {
  auto all = get_json(b.http_port(), "/v1/alerts");
  if (!all) return std::nullopt;
  for (const auto& a : *all)
    if (a.value("rule", "") == name) return a;
  return std::nullopt;
}

TEST(Alerts, LagRuleFiresWhenTheConsumerStopsAndResolvesWhenItCatchesUp) {
  // The rule comes from a TOML file ([[alert]]), the way operators write it.
  temp_dir dir("sd-alert");
  const std::string topic = "alerted", group = "g-alert";
  write_file(dir.file("broker.toml"),
             "[[alert]]\n"
             "name = \"lag-high\"\n"
             "kind = \"consumer_lag_records\"\n"
             "group = \"" + group + "\"\n"
             "topic = \"" + topic + "\"\n"
             "threshold = 5\n"
             "for_seconds = 1\n"
             "[[alert]]\n"
             "name = \"disk-full\"\n"
             "kind = \"disk_free_bytes\"\n"
             "threshold = 0\n");
  auto cfg = groups::group_broker_config();
  cfg.sets.push_back({"streamdown.alerts.eval.interval.ms", "100"});
  cfg.extra_args = {"--config", dir.file("broker.toml")};
  broker_process broker(cfg);
  broker.start();
  create_topic(broker.bootstrap(), topic, 1);
  produce_range(broker.bootstrap(), topic, 0, 50);

  auto w = start_worker(dir, "w1", broker.bootstrap(), group, topic, "range", {"commit.every=10"});
  ASSERT_TRUE(wait_until([&] { return scrape(broker, series("streamdown_group_lag_records", group, topic, 0)) == 0.0; },
                         60s))
      << broker.diagnostics();
  auto a = alert_named(broker, "lag-high");
  ASSERT_TRUE(a);
  EXPECT_NE((*a)["state"], "firing");
  EXPECT_EQ(scrape(broker, "streamdown_alerts_firing{alert=\"lag-high\"}"), 0.0);
  auto disk = alert_named(broker, "disk-full");
  ASSERT_TRUE(disk);
  EXPECT_EQ((*disk)["state"], "inactive");  // free bytes are never below 0
  EXPECT_GT((*disk)["value"].get<double>(), 0.0);

  // The consumer stops; 20 more records: lag 20 > 5 for over a second.
  ASSERT_TRUE(stop_worker(w).clean());
  ASSERT_NO_FATAL_FAILURE(produce_to(broker.bootstrap(), topic, 0, 20));
  ASSERT_TRUE(wait_until(
      [&] {
        a = alert_named(broker, "lag-high");
        return a && (*a)["state"] == "firing";
      },
      30s))
      << (a ? a->dump() : "no alert") << broker.diagnostics();
  EXPECT_EQ((*a)["value"], 20);
  EXPECT_EQ((*a)["threshold"], 5);
  EXPECT_TRUE((*a)["since"].is_string());
  ASSERT_EQ((*a)["labels"].size(), 1u) << a->dump();
  EXPECT_EQ((*a)["labels"][0]["group"], group);
  EXPECT_EQ((*a)["labels"][0]["partition"], "0");
  EXPECT_EQ(scrape(broker, "streamdown_alerts_firing{alert=\"lag-high\"}"), 1.0);
  EXPECT_GE(scrape(broker, "streamdown_alerts_transitions_total{alert=\"lag-high\",to=\"firing\"}").value_or(0), 1.0);
  EXPECT_NE(broker.stderr_text().find("alert 'lag-high' firing"), std::string::npos) << broker.diagnostics();

  // A consumer in the same group catches up: the alert resolves.
  auto w2 = start_worker(dir, "w2", broker.bootstrap(), group, topic, "range", {"commit.every=10"});
  ASSERT_TRUE(wait_until(
      [&] {
        a = alert_named(broker, "lag-high");
        return a && (*a)["state"] == "inactive";
      },
      60s))
      << (a ? a->dump() : "no alert") << broker.diagnostics();
  EXPECT_EQ(scrape(broker, "streamdown_alerts_firing{alert=\"lag-high\"}"), 0.0);
  EXPECT_GE(scrape(broker, "streamdown_alerts_transitions_total{alert=\"lag-high\",to=\"inactive\"}").value_or(0), 1.0);
  EXPECT_NE(broker.stderr_text().find("alert 'lag-high' resolved"), std::string::npos) << broker.diagnostics();
  EXPECT_TRUE(stop_worker(w2).clean());
  EXPECT_NO_THROW(broker.stop()) << broker.diagnostics();
}

TEST(Alerts, ErrorRateRuleFiresOnBrokerErrorsAndResolvesWhenTheyStop) {
  // The rule's input is every error code the broker answered with (broker_probe), per second over a window.
  auto cfg = groups::group_broker_config();
  cfg.sets.push_back({"streamdown.alerts.eval.interval.ms", "100"});
  cfg.sets.push_back({"alert.0.name", "errors"});
  cfg.sets.push_back({"alert.0.kind", "error_rate"});
  cfg.sets.push_back({"alert.0.threshold", "5"});
  cfg.sets.push_back({"alert.0.window_seconds", "2"});
  broker_process broker(cfg);
  broker.start();
  create_topic(broker.bootstrap(), "err-topic", 1);
  auto a = alert_named(broker, "errors");
  ASSERT_TRUE(a);
  EXPECT_EQ((*a)["state"], "inactive");

  // About 50 errors per second (Produce to a partition that does not exist) until the rule fires.
  raw_client client(broker.kafka_port());
  auto batch = wire::record_batch({{std::string("k"), std::string("v")}}, 1700000000000);
  auto body = wire::produce_v3_body("err-topic", 9, 1, 5000, batch);
  bool fired = false;
  for (int i = 0; i < 500 && !fired; ++i) {
    ASSERT_TRUE(client.send_all(wire::request_frame(0, 3, i, "alert-test", body)));
    auto reply = client.receive_frame(10s);
    ASSERT_EQ(reply.st, raw_client::status::frame);
    std::this_thread::sleep_for(20ms);
    if (i % 10 == 9) {
      a = alert_named(broker, "errors");
      fired = a && (*a)["state"] == "firing";
    }
  }
  ASSERT_TRUE(fired) << (a ? a->dump() : "no alert") << broker.diagnostics();
  EXPECT_GT((*a)["value"].get<double>(), 5.0);
  EXPECT_EQ(scrape(broker, "streamdown_alerts_firing{alert=\"errors\"}"), 1.0);

  // No more errors: once the window has passed the rate is 0 and the rule resolves.
  ASSERT_TRUE(wait_until(
      [&] {
        a = alert_named(broker, "errors");
        return a && (*a)["state"] == "inactive";
      },
      30s))
      << (a ? a->dump() : "no alert") << broker.diagnostics();
  EXPECT_NE(broker.stderr_text().find("alert 'errors' resolved"), std::string::npos) << broker.diagnostics();
  EXPECT_NO_THROW(broker.stop()) << broker.diagnostics();
}

TEST(Alerts, BadRuleStopsStartUpNamingTheKey) {
  temp_dir dir("sd-alert-bad");
  write_file(dir.file("bad.toml"), "[[alert]]\nname = \"x\"\nkind = \"lag\"\nthreshold = 1\n");
  auto r = run_broker_to_exit({"broker", "--config", dir.file("bad.toml"), "--data-dir", dir.file("data"),
                               "--kafka-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"},
                              {}, 30s);
  EXPECT_TRUE(r.exit.exited && r.exit.code != 0) << r.exit.describe();
  EXPECT_NE(r.stderr_text.find("alert.0.kind"), std::string::npos) << r.stderr_text;

  auto r2 = run_broker_to_exit({"broker", "--data-dir", dir.file("data2"), "--kafka-addr", "127.0.0.1:0",
                                "--http-addr", "127.0.0.1:0", "--set", "alert.0.name=y", "--set",
                                "alert.0.kind=error_rate", "--set", "alert.0.threshold=1", "--set",
                                "alert.0.for_secs=3"},
                               {}, 30s);
  EXPECT_TRUE(r2.exit.exited && r2.exit.code != 0) << r2.exit.describe();
  EXPECT_NE(r2.stderr_text.find("alert.0.for_secs"), std::string::npos) << r2.stderr_text;
}

}  // namespace
}  // namespace sd::itest
