// kill -9 the relay again and again while an MQTT 5 device with a persistent session (`mosquitto_pub -V mqttv5
// -c`, QoS 1) publishes into its mqtt-server source and redelivers what was not acknowledged. What must hold:
// every message the device got a PUBACK for is upstream; the only extra copies are messages the relay stored
// but died before acknowledging (QoS 1 is at least once towards the device: at most the device's in-flight
// window per kill); the forwarder sends every spool record once (unique streamdown.spool.seq); the first
// copies arrive in the device's order.

#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "relay_support.h"
#include "support/broker_process.h"
#include "support/kafka_client.h"
#include "support/test_env.h"

namespace sd::itest {
namespace {

constexpr int device_in_flight = 20;  // mosquitto_pub -M and the relay's Receive Maximum

// The message ids mosquitto_pub -d reports as acknowledged. With -l, message id N is line N-1 (first 65535).
std::set<int> acked_lines(const std::string& debug_log) {
  std::ifstream in(debug_log);
  std::set<int> out;
  static const std::regex puback(R"(received PUBACK \(Mid: (\d+))");
  std::string line;
  std::smatch m;
  while (std::getline(in, line))
    if (std::regex_search(line, m, puback)) out.insert(std::stoi(m[1].str()) - 1);
  return out;
}

TEST(RelayMqttCrash, KillNineWhileAnMqtt5DeviceRedeliversLosesNothingAcknowledged) {
  broker_process broker;
  broker.start();
  create_topic(broker.bootstrap(), "mq", 3);
  const std::uint16_t port = free_loopback_port();
  relay_process relay({{"upstream.bootstrap.servers", broker.bootstrap()}, {"source.0.type", "mqtt-server"},
                       {"source.0.name", "devices"}, {"source.0.listen", "127.0.0.1:" + std::to_string(port)},
                       {"source.0.topic", "mq"}, {"source.0.key", "level:2"},
                       // MQTT 5: the Receive Maximum the device is told, so its in-flight window is this bound.
                       {"source.0.max.in.flight", std::to_string(device_in_flight)}});
  relay.start();

  const int n = scaled(30000, 60000);  // below 65535: message ids map to lines one to one
  const std::string lines = relay.dir().path() + "/lines.txt";
  {
    std::ostringstream text;
    for (int i = 0; i < n; ++i) text << "m" << i << "\n";
    write_file(lines, text.str());
  }
  command pub;
  pub.argv = {"/usr/bin/mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(port), "-V", "mqttv5", "-c",
              "-i", "dev-a", "-q", "1", "-M", std::to_string(device_in_flight), "-d", "-t", "dev/a", "-l"};
  pub.stdin_path = lines;
  pub.stdout_path = relay.dir().path() + "/pub.log";
  pub.stderr_path = relay.dir().path() + "/pub.err";
  const pid_t pub_pid = spawn(pub);

  const int cycles = scaled(20, 60);
  std::mt19937 rng(20261205);
  int kills = 0;
  for (int cycle = 0; cycle < cycles; ++cycle) {
    std::this_thread::sleep_for(std::chrono::milliseconds(80 + rng() % 220));
    if (poll_exit(pub_pid).exited) break;  // everything acknowledged already
    relay.kill9();
    ++kills;
    relay.start();
  }
  auto done = wait_for_exit(pub_pid, std::chrono::seconds(120));
  if (done.timed_out) {
    ::kill(pub_pid, SIGKILL);
    (void)wait_for_exit(pub_pid, std::chrono::seconds(10));
  }
  ASSERT_TRUE(done.clean()) << done.describe() << "\n" << tail(read_file(pub.stderr_path));
  EXPECT_GE(kills, std::min(cycles, 5)) << "the device finished before the relay was killed a few times";

  const auto acked = acked_lines(pub.stdout_path);
  ASSERT_EQ(acked.size(), static_cast<std::size_t>(n)) << "mosquitto_pub exited 0, so it holds a PUBACK for every line";
  std::vector<upstream_record> got;
  std::map<std::string, int> count;
  ASSERT_TRUE(eventually([&] {
    got = read_upstream(broker.bootstrap(), "mq");
    count.clear();
    for (const auto& r : got) ++count[r.value.value_or("")];
    return count.size() >= static_cast<std::size_t>(n);
  }, std::chrono::seconds(90))) << count.size() << " distinct of " << n << "\n" << tail(relay.stderr_text());

  for (int i : acked) EXPECT_GE(count["m" + std::to_string(i)], 1) << "acknowledged line " << i << " lost";
  for (const auto& [v, c] : count) EXPECT_TRUE(v.size() > 1 && v[0] == 'm') << "unexpected value " << v;
  const std::size_t extra = got.size() - count.size();
  EXPECT_LE(extra, static_cast<std::size_t>(kills * device_in_flight))
      << "copies beyond what a kill between the spool append and the PUBACK can explain";

  std::set<std::uint64_t> seqs;
  std::sort(got.begin(), got.end(), [](const auto& a, const auto& b) {
    return a.partition != b.partition ? a.partition < b.partition : a.offset < b.offset;
  });
  int last_first_copy = -1;
  std::set<std::string> seen;
  for (const auto& r : got) {
    auto seq = r.header("streamdown.spool.seq");
    ASSERT_TRUE(seq.has_value());
    EXPECT_TRUE(seqs.insert(std::stoull(*seq)).second) << "spool seq " << *seq << " forwarded twice";
    EXPECT_EQ(r.key.value_or(""), "a");
    EXPECT_EQ(r.header("mqtt.topic").value_or(""), "dev/a");
    if (!seen.insert(*r.value).second) continue;
    const int id = std::stoi(r.value->substr(1));
    EXPECT_GT(id, last_first_copy) << "first copies out of the device's order";
    last_first_copy = id;
  }
  std::cout << "kills=" << kills << " lines=" << n << " upstream=" << got.size() << " extra copies=" << extra << "\n";
}

}  // namespace
}  // namespace sd::itest
