// Beyond one machine: the relay forwards to a three-broker cluster with replication factor 3 (librdkafka's mock
// cluster, in this test process, stands in for a Kafka cluster), through partition leader changes, a broker
// going down and a relay kill -9, exactly once.

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <librdkafka/rdkafkacpp.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "relay_support.h"
#include "support/kafka_client.h"
#include "support/test_env.h"

namespace sd::itest {
namespace {

using json = nlohmann::json;

class mock_cluster {
 public:
  mock_cluster() {
    std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    std::string err;
    conf->set("test.mock.num.brokers", "3", err);
    _handle.reset(RdKafka::Producer::create(conf.get(), err));
    if (!_handle) throw harness_error("mock cluster: " + err);
    _mc = rd_kafka_handle_mock_cluster(_handle->c_ptr());
    if (_mc == nullptr) throw harness_error("no mock cluster");
  }
  std::string bootstrap() const { return rd_kafka_mock_cluster_bootstraps(_mc); }
  rd_kafka_mock_cluster_t* get() const { return _mc; }

 private:
  std::unique_ptr<RdKafka::Producer> _handle;
  rd_kafka_mock_cluster_t* _mc = nullptr;
};

int post_batch(std::uint16_t port, int first_id, int n, std::set<std::string>& acked) {
  std::string body;
  for (int i = first_id; i < first_id + n; ++i)
    body += json{{"key", "dev-" + std::to_string(i % 13)}, {"value", "m" + std::to_string(i)}}.dump() + "\n";
  auto r = http_post(port, "/v1/topics/cluster/records", body, "application/x-ndjson");
  if (r.status == 200)
    for (int i = first_id; i < first_id + n; ++i) acked.insert("m" + std::to_string(i));
  return r.status;
}

TEST(RelayCluster, ForwardsExactlyOnceThroughLeaderChangesBrokerDownAndRelayKill) {
  mock_cluster cluster;
  ASSERT_EQ(rd_kafka_mock_topic_create(cluster.get(), "cluster", 3, 3), RD_KAFKA_RESP_ERR_NO_ERROR);
  const auto spool = std::make_unique<test::temp_dir>();
  env_list sets{{"upstream.bootstrap.servers", cluster.bootstrap()}, {"source.0.type", "http"},
                {"spool.dir", spool->path() + "/spool"}};
  std::set<std::string> acked;
  int next = 0;
  const int rounds = scaled(6, 30);
  {
    relay_process relay(sets);
    relay.start();
    for (int round = 0; round < rounds; ++round) {
      ASSERT_EQ(post_batch(relay.http_port(), next, 200, acked), 200);
      next += 200;
      // Move every partition's leader to another broker (ids 1..3).
      for (int p = 0; p < 3; ++p) rd_kafka_mock_partition_set_leader(cluster.get(), "cluster", p, 1 + (round + p + 1) % 3);
      if (round == rounds / 2) rd_kafka_mock_broker_set_down(cluster.get(), 2);
      if (round == rounds / 2 + 1) rd_kafka_mock_broker_set_up(cluster.get(), 2);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    relay.kill9();  // mid-forwarding, perhaps between an acknowledgement and the ledger write
  }
  relay_process relay(sets);
  relay.start();
  for (int round = 0; round < rounds; ++round) {
    ASSERT_EQ(post_batch(relay.http_port(), next, 200, acked), 200);
    next += 200;
  }
  std::vector<upstream_record> got;
  ASSERT_TRUE(eventually([&] {
    try { got = read_upstream(cluster.bootstrap(), "cluster"); } catch (const harness_error&) { return false; }
    return got.size() >= acked.size();
  }, std::chrono::seconds(90))) << got.size() << " of " << acked.size() << "\n" << relay.stderr_text();
  std::map<std::string, int> count;
  for (const auto& r : got) ++count[*r.value];
  for (const auto& v : acked) EXPECT_EQ(count[v], 1) << v;
  EXPECT_EQ(got.size(), acked.size());
  // Order per key survives leader changes: per partition, values of one key ascend.
  std::map<std::string, int> last;
  std::vector<upstream_record> ordered = got;
  std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
    return a.partition != b.partition ? a.partition < b.partition : a.offset < b.offset;
  });
  for (const auto& r : ordered) {
    const int id = std::stoi(r.value->substr(1));
    auto it = last.find(*r.key);
    if (it != last.end()) {
      EXPECT_GT(id, it->second) << "key " << *r.key << " out of order";
    }
    last[*r.key] = id;
  }
}

}  // namespace
}  // namespace sd::itest
