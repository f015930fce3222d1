// A WebSocket consumer and a kafkajs consumer in one consumer group: they split the partitions, each reads only
// its own, a WebSocket commit lands in the group's offsets, and closing the socket hands its partitions back.

#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

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

struct peer_view {
  std::set<int> assigned;                      // after its last rebalance
  int rebalances = 0;
  std::map<std::string, int> values;           // value -> times consumed
};

peer_view read_peer(const std::string& path) {
  peer_view v;
  std::istringstream in(read_file(path));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("assigned", 0) == 0) {
      ++v.rebalances;
      v.assigned.clear();
      std::istringstream ps(line.size() > 9 ? line.substr(9) : "");
      std::string p;
      while (std::getline(ps, p, ','))
        if (!p.empty()) v.assigned.insert(std::stoi(p));
      continue;
    }
    auto c1 = line.find(','), c2 = line.find(',', c1 + 1);
    if (c1 == std::string::npos || c2 == std::string::npos) continue;
    ++v.values[line.substr(c2 + 1)];
  }
  return v;
}

void produce_values(const broker_process& b, const std::string& topic, int from, int to) {
  json batch = json::array();
  for (int i = from; i < to; ++i) batch.push_back({{"key", "k" + std::to_string(i)}, {"value", "v" + std::to_string(i)}});
  auto r = http_post(b.http_port(), "/v1/topics/" + topic + "/records", batch.dump(), "application/json");
  ASSERT_EQ(r.status, 200) << r.body;
}

json group_state(const broker_process& b, const std::string& group) {
  auto r = http_get(b.http_port(), "/v1/groups/" + group);
  auto j = json::parse(r.body, nullptr, false);
  return j.is_discarded() ? json::object() : j;
}

TEST(WebSocketGroup, SharesPartitionsWithAKafkajsMemberAndHandsThemBackOnClose) {
  std::string node = node_binary();
  ASSERT_FALSE(node.empty()) << "node not found: run scripts/setup";
  ASSERT_TRUE(std::filesystem::exists(js_dir() + "/node_modules/kafkajs/package.json"));
  broker_process broker({.sets = {{"group.initial.rebalance.delay.ms", "0"}}});
  broker.start();
  create_topic(broker.bootstrap(), "shared", 4);

  temp_dir out("sd-ws-group");
  command peer;
  peer.argv = {node, js_dir() + "/ws_group_peer.js", broker.bootstrap(), "shared", "mixed"};
  peer.stdout_path = out.file("peer.out");
  peer.stderr_path = out.file("peer.err");
  const pid_t peer_pid = spawn(peer);
  struct stop_peer {
    pid_t pid;
    ~stop_peer() {
      ::kill(pid, SIGTERM);
      if (wait_for_exit(pid, 10s).timed_out) {
        ::kill(pid, SIGKILL);
        (void)wait_for_exit(pid, 10s);
      }
    }
  } stopper{peer_pid};
  ASSERT_TRUE(eventually([&] { return read_peer(peer.stdout_path).assigned.size() == 4; }, 30s))
      << read_file(peer.stdout_path) << read_file(peer.stderr_path);

  ws_client ws(broker.http_port(), "/v1/ws/consume?topic=shared&group=mixed&session_timeout_ms=6000");
  ASSERT_TRUE(ws.ok()) << ws.refused_status() << " " << ws.refused_body();
  ASSERT_TRUE(ws.send(R"({"credit":100000})"));
  ASSERT_TRUE(eventually([&] {
    auto g = group_state(broker, "mixed");
    return g.value("state", "") == "Stable" && g["members"].size() == 2 && read_peer(peer.stdout_path).assigned.size() == 2;
  }, 30s)) << group_state(broker, "mixed").dump() << "\n" << read_file(peer.stdout_path);
  const auto kafkajs_parts = read_peer(peer.stdout_path).assigned;

  // New records: each member sees exactly the ones of its partitions; together, all of them once.
  const int n = 400;
  produce_values(broker, "shared", 0, n);
  std::map<std::string, int> ws_values;
  std::set<int> ws_parts;
  std::string last_cursor;
  auto drain_ws = [&] {
    while (auto m = ws.receive(200ms)) {
      auto r = json::parse(*m);
      if (!r.contains("value")) continue;
      ++ws_values[r["value"].get<std::string>()];
      ws_parts.insert(r["partition"].get<int>());
      last_cursor = r["cursor"];
    }
  };
  ASSERT_TRUE(eventually([&] {
    drain_ws();
    return ws_values.size() + read_peer(peer.stdout_path).values.size() >= static_cast<std::size_t>(n);
  }, 30s)) << ws_values.size() << " by WebSocket\n" << tail(read_file(peer.stdout_path));
  auto pv = read_peer(peer.stdout_path);
  EXPECT_FALSE(ws_values.empty()) << "the WebSocket member got no partition";
  for (int p : ws_parts) EXPECT_FALSE(kafkajs_parts.contains(p)) << "partition " << p << " read by both members";
  for (int i = 0; i < n; ++i) {
    const std::string v = "v" + std::to_string(i);
    const int total = (ws_values.contains(v) ? ws_values[v] : 0) + (pv.values.contains(v) ? pv.values[v] : 0);
    EXPECT_EQ(total, 1) << v << " consumed " << total << " times";
  }

  // A commit over the socket is the group's committed offset.
  ASSERT_FALSE(last_cursor.empty());
  ASSERT_TRUE(ws.send(json{{"commit", last_cursor}}.dump()));
  auto ack = ws.receive(10s);
  ASSERT_TRUE(ack);
  EXPECT_EQ(json::parse(*ack), json({{"committed", last_cursor}}));
  const int cp = std::stoi(last_cursor.substr(0, last_cursor.find(':')));
  const auto co = std::stoll(last_cursor.substr(last_cursor.find(':') + 1));
  bool found = false;
  const auto state = group_state(broker, "mixed");
  for (const auto& o : state["offsets"])
    if (o["topic"] == "shared" && o["partition"] == cp) {
      EXPECT_EQ(o["committed_offset"], co + 1);
      found = true;
    }
  EXPECT_TRUE(found) << last_cursor << " " << state.dump();

  // Closing the socket leaves the group: kafkajs takes every partition again and reads what follows.
  ws.drop();
  ASSERT_TRUE(eventually([&] { return read_peer(peer.stdout_path).assigned.size() == 4; }, 30s))
      << group_state(broker, "mixed").dump();
  produce_values(broker, "shared", n, n + 100);
  ASSERT_TRUE(eventually([&] {
    auto v = read_peer(peer.stdout_path);
    for (int i = n; i < n + 100; ++i)
      if (!v.values.contains("v" + std::to_string(i))) return false;
    return true;
  }, 30s)) << tail(read_file(peer.stdout_path));
}

}  // namespace
}  // namespace sd::itest
