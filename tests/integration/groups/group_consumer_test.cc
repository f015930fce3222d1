// Consumer groups end to end: the real broker and librdkafka KafkaConsumers (group_worker child processes,
// plus in-process consumers for the restart test). Sizes scale with STREAMDOWN_TEST_SCALE.
#include <gtest/gtest.h>
#include <librdkafka/rdkafkacpp.h>

#include <iostream>
#include <map>

#include "groups/group_support.h"
#include "support/http_client.h"
#include "support/prometheus_text.h"

namespace sd::itest::groups {
namespace {

using namespace std::chrono_literals;
namespace prom = sd::testing::prom;

constexpr int partitions = 6;

int total_assigned(const std::vector<worker_process>& ws) {
  int n = 0;
  for (const auto& w : ws)
    if (w.pid > 0) n += std::max(0, assigned(w));
  return n;
}

/// Every live worker has partitions and together they hold all of them (the group converged).
bool converged(const std::vector<worker_process>& ws) {
  for (const auto& w : ws)
    if (w.pid > 0 && assigned(w) <= 0) return false;
  return total_assigned(ws) == partitions;
}

std::string describe(const std::vector<worker_process>& ws) {
  std::string s;
  for (const auto& w : ws)
    s += w.name + ": status\n" + tail(read_file(w.status), 600) + "\n stderr " + tail(read_file(w.log), 600) + "\n";
  return s;
}

class GroupConsumers : public ::testing::Test {
 protected:
  GroupConsumers() : broker(group_broker_config()) {}
  void SetUp() override {
    broker.start();
    create_topic(broker.bootstrap(), topic, partitions);
  }
  void TearDown() override {
    for (auto& w : workers) kill_worker(w);
  }
  void add_worker(const std::string& assignor, const std::vector<std::string>& extra = {}) {
    workers.push_back(start_worker(dir, "w" + std::to_string(workers.size()), broker.bootstrap(), group, topic,
                                   assignor, extra));
  }
  void wait_converged() {
    ASSERT_TRUE(wait_until([&] { return converged(workers); }, 90s))
        << "the group did not converge\n" << describe(workers) << broker.diagnostics();
  }
  void wait_all_seen(std::int64_t n) {
    ASSERT_TRUE(wait_until([&] { return static_cast<std::int64_t>(distinct_seqs(workers).size()) >= n; }, 180s))
        << "processed " << distinct_seqs(workers).size() << " of " << n << "\n" << describe(workers)
        << broker.diagnostics();
  }
  void stop_all() {
    for (auto& w : workers)
      if (w.pid > 0) {
        auto e = stop_worker(w);
        EXPECT_TRUE(e.clean()) << w.name << ": " << e.describe() << "\n" << tail(read_file(w.log));
      }
  }
  std::size_t total_lines() const {
    std::size_t n = 0;
    for (const auto& w : workers) n += processed(w).size();
    return n;
  }
  void expect_everything(std::int64_t n) {
    auto seen = distinct_seqs(workers);
    EXPECT_EQ(static_cast<std::int64_t>(seen.size()), n) << "a message is missing";
    if (!seen.empty()) {
      EXPECT_EQ(*seen.begin(), 0);
      EXPECT_EQ(*seen.rbegin(), n - 1);
    }
    for (const auto& w : workers) expect_per_key_order(w);
  }

  broker_process broker;
  temp_dir dir{"sd-groups"};
  std::string topic = "orders";
  std::string group = "workers";
  std::vector<worker_process> workers;
};

TEST_F(GroupConsumers, ThreeMembersShareSixPartitionsWithoutDuplicates) {
  const std::int64_t n = scaled<std::int64_t>(3000, 200000);
  for (int i = 0; i < 3; ++i) add_worker("range,roundrobin");
  wait_converged();
  for (const auto& w : workers) EXPECT_EQ(assigned(w), 2) << w.name;
  produce_range(broker.bootstrap(), topic, 0, n);
  wait_all_seen(n);
  stop_all();
  expect_everything(n);
  EXPECT_EQ(total_lines(), static_cast<std::size_t>(n)) << "commit after processing: no duplicates without failures";
  for (const auto& w : workers) EXPECT_FALSE(processed(w).empty()) << w.name << " processed nothing";
  // Every partition's committed offset is its end.
  auto hw = high_watermarks(broker.bootstrap(), topic, partitions);
  auto committed = committed_offsets(broker.bootstrap(), group, topic, partitions);
  EXPECT_EQ(committed, hw);

  // /metrics after a whole group run: valid for the strict parser, and the group and traffic counters moved.
  prom::exposition page;
  auto scrape_ok = [&] {
    auto reply = http_get(broker.http_port(), "/metrics");
    page = prom::parse(reply.body);  // throws (fails the test) on any format violation
    return page.value("streamdown_group_groups").value_or(0) >= 1;  // refreshed by the coordinator's tick
  };
  EXPECT_TRUE(wait_until(scrape_ok, 20s));
  EXPECT_EQ(page.value("streamdown_broker_produced_records_total", {{"topic", topic}}), static_cast<double>(n));
  EXPECT_GE(page.value("streamdown_broker_fetched_records_total", {{"topic", topic}}).value_or(0), n);
  EXPECT_GE(page.value("streamdown_group_rebalances_total").value_or(0), 1);
  EXPECT_GE(page.value("streamdown_group_offset_commits_total").value_or(0), 1);
  EXPECT_GT(page.value("streamdown_broker_requests_total", {{"api", "JoinGroup"}}).value_or(0), 0);
  EXPECT_GT(page.value("streamdown_broker_requests_total", {{"api", "OffsetCommit"}}).value_or(0), 0);
}

TEST_F(GroupConsumers, KilledMemberPartitionsMoveAndResumeFromTheLastCommit) {
  const std::int64_t n = scaled<std::int64_t>(3000, 200000);
  for (int i = 0; i < 3; ++i) add_worker("roundrobin", {"session.ms=3000", "commit.every=7"});
  wait_converged();
  produce_range(broker.bootstrap(), topic, 0, n / 2);
  // Kill w2 once it has processed something; what it processed but did not commit is processed again.
  ASSERT_TRUE(wait_until([&] { return processed(workers[2]).size() >= 10; }, 60s)) << describe(workers);
  kill_worker(workers[2]);
  auto killed_lines = processed(workers[2]);
  std::set<std::int64_t> killed_seqs;
  for (const auto& p : killed_lines) killed_seqs.insert(p.seq);
  // After the session timeout the two survivors hold all six partitions.
  ASSERT_TRUE(wait_until([&] { return assigned(workers[0]) + assigned(workers[1]) == partitions; }, 60s))
      << describe(workers) << broker.diagnostics();
  produce_range(broker.bootstrap(), topic, n / 2, n);
  wait_all_seen(n);
  stop_all();
  expect_everything(n);
  // Duplicates are only messages the killed member processed (after its last commit).
  std::map<std::int64_t, int> count;
  for (const auto& w : workers)
    for (const auto& p : processed(w)) ++count[p.seq];
  std::size_t dups = 0;
  for (const auto& [seq, c] : count)
    if (c > 1) {
      ++dups;
      EXPECT_TRUE(killed_seqs.count(seq)) << "seq " << seq << " processed twice but not by the killed member";
      EXPECT_EQ(c, 2) << "seq " << seq;
    }
  std::cout << "killed member processed " << killed_lines.size() << " messages; reprocessed after the kill: " << dups
            << "\n";
  EXPECT_LE(dups, 7u * 6) << "at most commit.every per partition is reprocessed";
}

TEST_F(GroupConsumers, CooperativeStickyJoinsAndLeavesConverge) {
  const std::int64_t n = scaled<std::int64_t>(3000, 150000);
  add_worker("cooperative-sticky");
  wait_converged();
  EXPECT_EQ(assigned(workers[0]), partitions);
  produce_range(broker.bootstrap(), topic, 0, n / 3);
  add_worker("cooperative-sticky");
  add_worker("cooperative-sticky");
  ASSERT_TRUE(wait_until([&] {
    return assigned(workers[0]) == 2 && assigned(workers[1]) == 2 && assigned(workers[2]) == 2;
  }, 90s)) << describe(workers) << broker.diagnostics();
  produce_range(broker.bootstrap(), topic, n / 3, 2 * n / 3);
  auto e = stop_worker(workers[0]);  // leaves the group; its partitions move to the others
  EXPECT_TRUE(e.clean()) << e.describe();
  ASSERT_TRUE(wait_until([&] { return assigned(workers[1]) == 3 && assigned(workers[2]) == 3; }, 90s))
      << describe(workers) << broker.diagnostics();
  produce_range(broker.bootstrap(), topic, 2 * n / 3, n);
  wait_all_seen(n);
  stop_all();
  expect_everything(n);
  std::cout << "lines " << total_lines() << " for " << n << " messages\n";
  EXPECT_EQ(total_lines(), static_cast<std::size_t>(n)) << "members that leave commit first: no duplicates";
}

TEST_F(GroupConsumers, StaticMemberRestartKeepsItsPartitionsWithoutRebalance) {
  add_worker("range", {"instance.id=static-0", "session.ms=20000"});
  add_worker("range", {"instance.id=static-1", "session.ms=20000"});
  wait_converged();
  const int before0 = assigned(workers[0]);
  auto assignment_changes = [&] {
    auto status = read_file(workers[0].status);
    std::size_t lines = 0;
    for (std::size_t pos = 0; (pos = status.find("ASSIGNED", pos)) != std::string::npos; ++pos) ++lines;
    return lines;
  };
  const std::size_t changes_before = assignment_changes();
  kill_worker(workers[1]);  // no LeaveGroup; a static member is expected back within its session
  auto restarted = start_worker(dir, "w1-again", broker.bootstrap(), group, topic, "range",
                                {"instance.id=static-1", "session.ms=20000"});
  workers.push_back(restarted);
  ASSERT_TRUE(wait_until([&] { return assigned(workers[2]) > 0; }, 30s)) << describe(workers);
  EXPECT_EQ(assigned(workers[2]), partitions - before0) << "the restarted instance gets its old partitions";
  // The other member never saw a rebalance: no new assignment since the group converged.
  EXPECT_EQ(assignment_changes(), changes_before) << read_file(workers[0].status);
  EXPECT_EQ(assigned(workers[0]), before0);
  const std::int64_t n = scaled<std::int64_t>(600, 20000);
  produce_range(broker.bootstrap(), topic, 0, n);
  ASSERT_TRUE(wait_until([&] {
    return static_cast<std::int64_t>(processed(workers[0]).size() + processed(workers[2]).size()) >= n;
  }, 120s)) << describe(workers);
  stop_all();
  EXPECT_EQ(processed(workers[0]).size() + processed(workers[2]).size(), static_cast<std::size_t>(n));
}

/// In-process consumer: consumes until `want` messages or the timeout; commits synchronously at the end.
std::vector<std::pair<std::int32_t, std::int64_t>> consume_and_commit(const std::string& bootstrap,
                                                                      const std::string& group,
                                                                      const std::string& topic, std::int64_t want) {
  auto values = client_defaults(bootstrap);
  values["group.id"] = group;
  values["enable.auto.commit"] = "false";
  values["auto.offset.reset"] = "earliest";
  values["session.timeout.ms"] = "6000";
  auto conf = make_conf(values);
  std::string err;
  std::unique_ptr<RdKafka::KafkaConsumer> c(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!c) throw harness_error("consumer: " + err);
  c->subscribe({topic});
  std::vector<std::pair<std::int32_t, std::int64_t>> got;
  auto deadline = std::chrono::steady_clock::now() + 90s;
  while (static_cast<std::int64_t>(got.size()) < want && std::chrono::steady_clock::now() < deadline) {
    std::unique_ptr<RdKafka::Message> m(c->consume(200));
    if (m->err() == RdKafka::ERR_NO_ERROR) got.emplace_back(m->partition(), m->offset());
  }
  // Commit exactly what was processed: per partition, the last offset + 1.
  std::map<std::int32_t, std::int64_t> next;
  for (auto& [p, o] : got) next[p] = std::max(next[p], o + 1);
  std::vector<RdKafka::TopicPartition*> tps;
  for (auto& [p, o] : next) tps.push_back(RdKafka::TopicPartition::create(topic, p, o));
  if (!tps.empty()) {
    auto rc = c->commitSync(tps);
    RdKafka::TopicPartition::destroy(tps);
    if (rc != RdKafka::ERR_NO_ERROR) throw harness_error("commitSync: " + RdKafka::err2str(rc));
  }
  c->close();
  return got;
}

TEST(GroupOffsets, CommittedOffsetsSurviveARestartAndTheConsumerResumesThere) {
  broker_process broker(group_broker_config());
  broker.start();
  const std::string topic = "resume";
  const int parts = 3;
  create_topic(broker.bootstrap(), topic, parts);
  const std::int64_t n = scaled<std::int64_t>(2000, 100000);
  produce_range(broker.bootstrap(), topic, 0, n);
  auto first = consume_and_commit(broker.bootstrap(), "resumer", topic, n / 2);
  ASSERT_GE(static_cast<std::int64_t>(first.size()), n / 2);
  auto before = committed_offsets(broker.bootstrap(), "resumer", topic, parts);
  std::int64_t committed_total = 0;
  for (auto o : before) committed_total += std::max<std::int64_t>(0, o);
  EXPECT_EQ(committed_total, static_cast<std::int64_t>(first.size()));

  broker.restart();
  auto after = committed_offsets(broker.bootstrap(), "resumer", topic, parts);
  EXPECT_EQ(after, before) << "committed offsets survive the restart";
  auto rest = consume_and_commit(broker.bootstrap(), "resumer", topic, n - committed_total);
  EXPECT_EQ(static_cast<std::int64_t>(rest.size()), n - committed_total);
  std::map<std::int32_t, std::int64_t> first_seen;
  std::set<std::pair<std::int32_t, std::int64_t>> all(first.begin(), first.end());
  for (auto& [p, o] : rest) {
    if (!first_seen.count(p)) first_seen[p] = o;
    EXPECT_TRUE(all.insert({p, o}).second) << "partition " << p << " offset " << o << " consumed twice";
  }
  for (int p = 0; p < parts; ++p)
    if (first_seen.count(p)) {
      EXPECT_EQ(first_seen[p], std::max<std::int64_t>(0, before[p])) << "partition " << p;
    }
  EXPECT_EQ(static_cast<std::int64_t>(all.size()), n);
  auto final_committed = committed_offsets(broker.bootstrap(), "resumer", topic, parts);
  EXPECT_EQ(final_committed, high_watermarks(broker.bootstrap(), topic, parts));
  broker.stop();
}

}  // namespace
}  // namespace sd::itest::groups
