// The HTTP admin routes the console uses (gateway/admin.cc, app/http_routes.cc, app/http_group_routes.cc) on a
// real broker, checked against what Kafka clients see: a topic created over HTTP is in librdkafka's Metadata,
// one deleted is gone; the topic list pages with X-Total-Count; retention changes show in the effective
// configs; a group's offsets reset over HTTP move its lag as `GET /v1/groups/{id}` reports it, and a group with
// a live librdkafka member refuses the reset (409); the stall diagnosis names the member of a healthy group and
// says "no_member" once it has left. Bad input: each gets a 4xx with a code and changes nothing.
#include <gtest/gtest.h>

#include <librdkafka/rdkafkacpp.h>

#include <thread>

#include "observability/obs_support.h"
#include "support/broker_process.h"
#include "support/test_env.h"
#include "support/http_client.h"
#include "support/kafka_client.h"

namespace sd::itest {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

json body_of(const http_exchange_reply& r) { return json::parse(r.body, nullptr, false); }

std::string code_of(const http_exchange_reply& r) {
  auto j = body_of(r);
  return j.is_object() && j.contains("code") ? j["code"].get<std::string>() : "<" + r.body + ">";
}

TEST(AdminHttp, TopicsCreateAlterPageAndDelete) {
  broker_config cfg;
  cfg.sets = {{"auto.create.topics.enable", "false"}};  // so Metadata after the delete cannot re-create it
  broker_process b(cfg);
  b.start();
  const auto port = b.http_port();
  auto created = http_exchange(port, "POST", "/v1/topics",
                               R"({"name":"adm-a","partitions":3,"configs":{"retention.ms":86400000}})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(partition_count(b.bootstrap(), "adm-a"), 3);
  auto dup = http_exchange(port, "POST", "/v1/topics", R"({"name":"adm-a"})");
  EXPECT_EQ(dup.status, 409) << dup.body;
  EXPECT_EQ(code_of(dup), "topic_already_exists");

  // Bad input: each refused with a code, nothing created.
  struct bad_case {
    std::string body;
    int status;
    std::string code;
  };
  for (const auto& c : std::vector<bad_case>{{"not json", 400, "invalid_request"},
                                             {R"({"partitions":1})", 400, "invalid_request"},
                                             {R"({"name":"adm-bad","partitions":0})", 400, "invalid_partitions"},
                                             {R"({"name":"adm-bad","configs":{"no.such.key":"1"}})", 400, "invalid_config"},
                                             {R"({"name":"adm-bad","configs":{"retention.ms":"soon"}})", 400, "invalid_config"},
                                             {R"({"name":"adm-bad","configs":{"retention.ms":[1]}})", 400, "invalid_config"},
                                             {R"({"name":"bad/name"})", 400, "invalid_topic_exception"}}) {
    auto r = http_exchange(port, "POST", "/v1/topics", c.body);
    EXPECT_EQ(r.status, c.status) << c.body << " -> " << r.body;
    EXPECT_EQ(code_of(r), c.code) << c.body;
  }
  auto validated = http_exchange(port, "POST", "/v1/topics?validate_only=true", R"({"name":"adm-validated"})");
  EXPECT_EQ(validated.status, 200) << validated.body;
  EXPECT_EQ(http_get(port, "/v1/topics/adm-validated").status, 404);
  EXPECT_EQ(http_get(port, "/v1/topics/adm-bad").status, 404);

  // Records, size and segments per topic and partition.
  std::vector<message_spec> msgs;
  for (int i = 0; i < 30; ++i) msgs.push_back({std::nullopt, "v" + std::to_string(i), i % 3});
  ASSERT_TRUE(produce_and_wait(b.bootstrap(), "adm-a", msgs).failed.empty());
  auto one = get_json(port, "/v1/topics/adm-a");
  ASSERT_TRUE(one);
  EXPECT_EQ((*one)["records"], 30);
  ASSERT_EQ((*one)["partitions"].size(), 3u);
  for (const auto& p : (*one)["partitions"]) {
    EXPECT_EQ(p["records"], 10) << p;
    EXPECT_GT(p["size_bytes"].get<std::int64_t>(), 0) << p;
    EXPECT_GE(p["segments"].get<std::int64_t>(), 1) << p;
  }
  EXPECT_EQ((*one)["effective_configs"]["retention.ms"], "86400000");

  // Alter retention (and remove an override with null); a bad value changes nothing.
  auto altered = http_exchange(port, "PATCH", "/v1/topics/adm-a/configs", R"({"retention.ms":"3600000"})");
  ASSERT_EQ(altered.status, 200) << altered.body;
  EXPECT_EQ(body_of(altered)["configs"]["retention.ms"], "3600000");
  auto refused = http_exchange(port, "PATCH", "/v1/topics/adm-a/configs", R"({"retention.ms":"-7"})");
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_EQ((*get_json(port, "/v1/topics/adm-a"))["effective_configs"]["retention.ms"], "3600000");
  EXPECT_EQ(http_exchange(port, "PATCH", "/v1/topics/adm-none/configs", R"({"retention.ms":"1"})").status, 404);
  EXPECT_EQ(http_exchange(port, "PATCH", "/v1/topics/adm-a/configs", "{}").status, 400);
  auto removed = http_exchange(port, "PATCH", "/v1/topics/adm-a/configs", R"({"retention.ms":null})");
  ASSERT_EQ(removed.status, 200) << removed.body;
  EXPECT_FALSE(body_of(removed)["configs"].contains("retention.ms")) << removed.body;

  // Paging: 7 topics named adm-p*, three at a time, with the total in X-Total-Count.
  for (int i = 0; i < 7; ++i)
    ASSERT_EQ(http_exchange(port, "POST", "/v1/topics", R"({"name":"adm-p)" + std::to_string(i) + R"("})").status, 201);
  auto page = http_exchange(port, "GET", "/v1/topics?filter=adm-p&offset=3&limit=3");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.headers["x-total-count"], "7");
  auto rows = body_of(page);
  ASSERT_EQ(rows.size(), 3u) << page.body;
  EXPECT_EQ(rows[0]["name"], "adm-p3");
  EXPECT_EQ(rows[2]["name"], "adm-p5");
  EXPECT_EQ(http_exchange(port, "GET", "/v1/topics?limit=0").status, 400);
  EXPECT_EQ(http_exchange(port, "GET", "/v1/topics?offset=x").status, 400);

  // Delete: gone for Kafka clients too; a second delete is 404.
  auto deleted = http_exchange(port, "DELETE", "/v1/topics/adm-a");
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_THROW(partition_count(b.bootstrap(), "adm-a", 5s), harness_error);
  auto again = http_exchange(port, "DELETE", "/v1/topics/adm-a");
  EXPECT_EQ(again.status, 404) << again.body;
  EXPECT_EQ(code_of(again), "unknown_topic_or_partition");
  b.stop();
}

// Regression (found by the console's scale test): GET /v1/topics, Metadata for all topics and the history
// sampler iterated `*topics.snapshot()` directly, so the map could be freed by a topic created meanwhile (the
// temporary shared_ptr dies before a range-for ends): the broker crashed within a few hundred creations.
TEST(AdminHttp, ListingWhileTopicsAreCreatedIsSafe) {
  broker_config cfg;
  cfg.sets = {{"streamdown.history.seconds", "60"}};
  broker_process b(cfg);
  b.start();
  const auto port = b.http_port();
  const int batches = scaled(15, 40), per_batch = 100;
  std::atomic<bool> done{false};
  std::atomic<int> listed{0}, described{0};
  std::thread lister([&] {  // every topic's summary, built while topics appear
    while (!done)
      if (http_get(port, "/v1/topics?limit=1000").status == 200) ++listed;
  });
  std::thread metadata([&] {  // Metadata for all topics (kcat -L), likewise
    temp_dir work("sd-adm-meta");
    while (!done) {
      command c;
      c.argv = {kcat_binary(), "-L", "-b", b.bootstrap(), "-m", "5"};
      c.stdout_path = work.file("out");
      if (run_command(c, 20s).clean()) ++described;
    }
  });
  int created = 0;
  for (int i = 0; i < batches && b.running(); ++i) {
    std::vector<std::string> names;
    for (int j = 0; j < per_batch; ++j) names.push_back("adm-many-" + std::to_string(i * per_batch + j));
    try {
      create_topics(b.bootstrap(), names, 1);
      created += per_batch;
    } catch (const harness_error& e) {
      ADD_FAILURE() << e.what() << b.diagnostics();
      break;
    }
  }
  done = true;
  lister.join();
  metadata.join();
  EXPECT_EQ(created, batches * per_batch) << b.diagnostics();
  EXPECT_GT(listed.load(), 0);
  EXPECT_GT(described.load(), 0);
  auto all = http_exchange(port, "GET", "/v1/topics?filter=adm-many-&limit=1");
  EXPECT_EQ(all.headers["x-total-count"], std::to_string(batches * per_batch)) << b.diagnostics();
  EXPECT_TRUE(kafka_api_versions_ok(b.kafka_port())) << "the broker is alive" << b.diagnostics();
  b.stop();
}

/// A librdkafka group member on `topic` that polls on its own thread until stopped (it commits what it reads).
class live_member {
 public:
  live_member(const std::string& bootstrap, const std::string& group, const std::string& topic) {
    auto values = client_defaults(bootstrap);
    values["group.id"] = group;
    values["auto.offset.reset"] = "earliest";
    values["session.timeout.ms"] = "6000";
    values["auto.commit.interval.ms"] = "200";
    auto conf = make_conf(values);
    std::string err;
    _c.reset(RdKafka::KafkaConsumer::create(conf.get(), err));
    if (!_c) throw harness_error("consumer: " + err);
    _c->subscribe({topic});
    _thread = std::thread([this] {
      while (!_stop) delete _c->consume(100);
    });
  }
  ~live_member() { leave(); }
  void leave() {
    if (!_c) return;
    _stop = true;
    _thread.join();
    _c->close();
    _c.reset();
  }

 private:
  std::unique_ptr<RdKafka::KafkaConsumer> _c;
  std::atomic<bool> _stop{false};
  std::thread _thread;
};

json offsets_of(std::uint16_t port, const std::string& group) {
  auto g = get_json(port, "/v1/groups/" + group);
  return g ? (*g)["offsets"] : json::array();
}

/// Polls GET /v1/groups/{group} until pred holds for it (or 30 s); returns the last body.
template <class Pred>
json wait_group(std::uint16_t port, const std::string& group, Pred pred) {
  json last;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto g = get_json(port, "/v1/groups/" + group)) {
      last = *g;
      if (pred(last)) return last;
    }
    std::this_thread::sleep_for(200ms);
  }
  return last;
}

TEST(AdminHttp, GroupOffsetsResetAndStallDiagnosis) {
  broker_config cfg;
  cfg.sets = {{"group.initial.rebalance.delay.ms", "0"}};
  broker_process b(cfg);
  b.start();
  const auto port = b.http_port();
  create_topic(b.bootstrap(), "adm-g", 2);
  std::vector<message_spec> msgs;
  for (int i = 0; i < 20; ++i) msgs.push_back({std::nullopt, "v" + std::to_string(i), i % 2});
  ASSERT_TRUE(produce_and_wait(b.bootstrap(), "adm-g", msgs).failed.empty());

  {
    // A live member reads everything and commits: no stall, the partitions name it, its fetches are seen.
    live_member m(b.bootstrap(), "adm-grp", "adm-g");
    auto g = wait_group(port, "adm-grp", [](const json& g) {
      if (g["offsets"].size() != 2 || g["members"].size() != 1) return false;
      for (const auto& o : g["offsets"])
        if (o["lag_records"] != 0 || o["member_id"].is_null()) return false;
      return !g["members"][0]["last_fetch_ms"].is_null();
    });
    ASSERT_EQ(g["offsets"].size(), 2u) << g.dump();
    for (const auto& o : g["offsets"]) {
      EXPECT_EQ(o["lag_records"], 0) << g.dump();
      EXPECT_TRUE(o["stall"].is_null()) << g.dump();
      EXPECT_EQ(o["member_id"], g["members"][0]["member_id"]) << g.dump();
    }
    EXPECT_FALSE(g["members"][0]["last_fetch_ms"].is_null()) << g.dump();
    EXPECT_GE(g["rebalances_recent"].get<int>(), 1) << g.dump();

    // While it is a member, a reset is refused and nothing moves.
    auto busy = http_exchange(port, "POST", "/v1/groups/adm-grp/offsets", R"({"to":"earliest"})");
    EXPECT_EQ(busy.status, 409) << busy.body;
    EXPECT_EQ(code_of(busy), "group_not_empty");
    for (const auto& o : offsets_of(port, "adm-grp")) EXPECT_EQ(o["committed_offset"], 10) << o;
    m.leave();
  }

  // Empty now: reset to the earliest offset of every committed partition; the lag is every record.
  auto reset = http_exchange(port, "POST", "/v1/groups/adm-grp/offsets", R"({"to":"earliest"})");
  ASSERT_EQ(reset.status, 200) << reset.body;
  EXPECT_EQ(body_of(reset)["offsets"].size(), 2u) << reset.body;
  auto g = wait_group(port, "adm-grp", [](const json& g) { return g["total_lag"] == 20; });
  EXPECT_EQ(g["total_lag"], 20) << g.dump();
  EXPECT_EQ(g["state"], "Empty") << g.dump();
  // No member and records waiting: the diagnosis says so on every partition.
  for (const auto& o : g["offsets"]) {
    ASSERT_TRUE(o["stall"].is_object()) << g.dump();
    EXPECT_EQ(o["stall"]["reason"], "no_member") << g.dump();
  }
  auto groups = http_exchange(port, "GET", "/v1/groups?filter=adm-grp");
  ASSERT_EQ(groups.status, 200);
  EXPECT_EQ(groups.headers["x-total-count"], "1");
  EXPECT_EQ(body_of(groups)[0]["stalled"], 2) << groups.body;

  // One partition to an exact offset, then to the latest.
  reset = http_exchange(port, "POST", "/v1/groups/adm-grp/offsets", R"({"to":"4","topic":"adm-g","partition":1})");
  ASSERT_EQ(reset.status, 200) << reset.body;
  for (const auto& o : offsets_of(port, "adm-grp"))
    EXPECT_EQ(o["committed_offset"], o["partition"] == 1 ? 4 : 0) << o;
  reset = http_exchange(port, "POST", "/v1/groups/adm-grp/offsets", R"({"to":"latest","topic":"adm-g"})");
  ASSERT_EQ(reset.status, 200) << reset.body;
  g = wait_group(port, "adm-grp", [](const json& g) { return g["total_lag"] == 0; });
  EXPECT_EQ(g["total_lag"], 0) << g.dump();
  for (const auto& o : g["offsets"]) EXPECT_TRUE(o["stall"].is_null()) << g.dump();

  // Bad input: refused, nothing moves.
  struct bad_case {
    std::string body;
    int status;
  };
  for (const auto& c : std::vector<bad_case>{{"[]", 400},
                                             {R"({"topic":"adm-g"})", 400},
                                             {R"({"to":"yesterday"})", 400},
                                             {R"({"to":"earliest","partition":0})", 400},
                                             {R"({"to":"earliest","topic":"adm-none"})", 404},
                                             {R"({"to":"earliest","topic":"adm-g","partition":9})", 404}}) {
    auto r = http_exchange(port, "POST", "/v1/groups/adm-grp/offsets", c.body);
    EXPECT_EQ(r.status, c.status) << c.body << " -> " << r.body;
  }
  EXPECT_EQ(http_exchange(port, "POST", "/v1/groups/adm-nogroup/offsets", R"({"to":"earliest"})").status, 404);
  for (const auto& o : offsets_of(port, "adm-grp")) EXPECT_EQ(o["committed_offset"], 10) << o;
  b.stop();
}

}  // namespace
}  // namespace sd::itest
