// Every relay source end to end into a real streamdown broker upstream: file (with rotation and a kill -9),
// mqtt-server (mosquitto_pub devices, MQTT 3.1.1 and 5), mqtt (subscribed to a real mosquitto broker), kafka
// (a consumer group on the local broker). Content equal, once each, order per key kept.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "relay_support.h"
#include "support/broker_process.h"
#include "support/http_client.h"
#include "support/kafka_client.h"
#include "support/test_env.h"

namespace sd::itest {
namespace {

using json = nlohmann::json;

std::vector<upstream_record> wait_upstream(const std::string& bootstrap, const std::string& topic, std::size_t n,
                                           const relay_process& relay) {
  std::vector<upstream_record> got;
  const bool ok = eventually([&] {
    try { got = read_upstream(bootstrap, topic); } catch (const harness_error&) { return false; }
    return got.size() >= n;
  }, std::chrono::seconds(60));
  EXPECT_TRUE(ok) << got.size() << " of " << n << " in " << topic << "\n" << tail(relay.stderr_text());
  return got;
}

std::multiset<std::string> values_of(const std::vector<upstream_record>& rs) {
  std::multiset<std::string> out;
  for (const auto& r : rs) out.insert(r.value.value_or("<null>"));
  return out;
}

void append_lines(const std::string& path, int from, int to) {
  std::ofstream out(path, std::ios::app);
  for (int i = from; i < to; ++i) out << "line-" << i << "\n";
}

// mosquitto_pub -l: one message per stdin line.
exit_info mosquitto_pub(std::uint16_t port, const std::string& topic, const std::string& lines_file,
                        const std::vector<std::string>& extra) {
  command cmd;
  cmd.argv = {"/usr/bin/mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(port), "-q", "1", "-t", topic, "-l"};
  cmd.argv.insert(cmd.argv.end(), extra.begin(), extra.end());
  cmd.stdin_path = lines_file;
  return run_command(cmd, std::chrono::seconds(60));
}

TEST(RelaySources, FileTailFollowsRotationAndSurvivesKill) {
  broker_process broker;
  broker.start();
  test::temp_dir logs;
  const std::string path = logs.path() + "/app.log";
  append_lines(path, 0, 100);
  env_list sets{{"upstream.bootstrap.servers", broker.bootstrap()}, {"source.0.type", "file"},
                {"source.0.path", logs.path() + "/*.log"}, {"source.0.topic", "files"}};
  test::temp_dir spool_home;
  sets.emplace_back("spool.dir", spool_home.path() + "/spool");
  {
    relay_process relay(sets);
    relay.start();
    append_lines(path, 100, 200);
    wait_upstream(broker.bootstrap(), "files", 200, relay);
    std::filesystem::rename(path, logs.path() + "/app.log.1");  // rotated away: no longer matches the glob
    append_lines(logs.path() + "/app.log.1", 200, 220);           // late writes to the old file still count
    append_lines(path, 220, 300);                                 // the new file at the path
    wait_upstream(broker.bootstrap(), "files", 300, relay);
    relay.kill9();
  }
  append_lines(path, 300, 350);
  relay_process relay(sets);
  relay.start();
  auto got = wait_upstream(broker.bootstrap(), "files", 350, relay);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // anything duplicated would arrive by now
  got = read_upstream(broker.bootstrap(), "files");
  auto values = values_of(got);
  for (int i = 0; i < 350; ++i) EXPECT_EQ(values.count("line-" + std::to_string(i)), 1u) << i;
  EXPECT_EQ(got.size(), 350u);
}

TEST(RelaySources, MqttServerTakesQos1FromDevicesWithMapping) {
  broker_process broker;
  broker.start();
  relay_process relay({{"upstream.bootstrap.servers", broker.bootstrap()}, {"source.0.type", "mqtt-server"},
                       {"source.0.name", "devices"}, {"source.0.listen", "127.0.0.1:0"}, {"source.0.topic", "mqtt-other"},
                       {"source.0.mapping.0.match", "sensors/+/temp"}, {"source.0.mapping.0.topic", "telemetry"},
                       {"source.0.mapping.0.key", "level:2"}});
  relay.start();
  const auto port = relay.source_port("devices");
  ASSERT_NE(port, 0);
  const int n = scaled(200, 5000);
  const std::string lines = relay.dir().path() + "/msgs.txt";
  std::string text;
  for (int i = 0; i < n; ++i) text += "t=" + std::to_string(i) + "\n";
  write_file(lines, text);
  auto v311 = mosquitto_pub(port, "sensors/dev1/temp", lines, {"-V", "mqttv311", "-i", "dev1"});
  ASSERT_TRUE(v311.clean()) << v311.describe();
  auto v5 = mosquitto_pub(port, "sensors/dev2/temp", lines, {"-V", "mqttv5", "-i", "dev2", "-D", "PUBLISH", "user-property", "unit", "C"});
  ASSERT_TRUE(v5.clean()) << v5.describe();
  auto other = mosquitto_pub(port, "misc/x", lines, {"-V", "mqttv311"});
  ASSERT_TRUE(other.clean());

  auto got = wait_upstream(broker.bootstrap(), "telemetry", 2 * static_cast<std::size_t>(n), relay);
  ASSERT_EQ(got.size(), 2u * static_cast<std::size_t>(n));
  std::map<std::string, std::vector<std::string>> per_key;
  std::sort(got.begin(), got.end(), [](const auto& a, const auto& b) {
    return a.partition != b.partition ? a.partition < b.partition : a.offset < b.offset;
  });
  for (const auto& r : got) {
    ASSERT_TRUE(r.key.has_value());
    per_key[*r.key].push_back(*r.value);
    EXPECT_EQ(r.header("mqtt.topic"), "sensors/" + *r.key + "/temp");
    if (*r.key == "dev2") {
      EXPECT_EQ(r.header("unit"), "C");
    }
  }
  std::vector<std::string> expected;
  for (int i = 0; i < n; ++i) expected.push_back("t=" + std::to_string(i));
  EXPECT_EQ(per_key["dev1"], expected);
  EXPECT_EQ(per_key["dev2"], expected);
  EXPECT_EQ(wait_upstream(broker.bootstrap(), "mqtt-other", static_cast<std::size_t>(n), relay).size(),
            static_cast<std::size_t>(n));
}

TEST(RelaySources, MqttClientSubscribesToMosquittoWithQos1) {
  broker_process broker;
  broker.start();
  const auto mport = free_loopback_port();
  test::temp_dir mdir;
  command mosq;
  mosq.argv = {"/usr/sbin/mosquitto", "-p", std::to_string(mport)};
  mosq.stderr_path = mdir.path() + "/mosquitto.log";
  const pid_t mosquitto = spawn(mosq);
  struct reaper {
    pid_t pid;
    ~reaper() {
      ::kill(pid, SIGTERM);
      (void)wait_for_exit(pid, std::chrono::seconds(10));
    }
  } reap{mosquitto};
  ASSERT_TRUE(eventually([&] {
    int fd = connect_loopback(mport);
    if (fd >= 0) ::close(fd);
    return fd >= 0;
  }, std::chrono::seconds(10)));

  relay_process relay({{"upstream.bootstrap.servers", broker.bootstrap()}, {"source.0.type", "mqtt"},
                       {"source.0.name", "sub"}, {"source.0.broker", "127.0.0.1:" + std::to_string(mport)},
                       {"source.0.topics", "plant/#"}, {"source.0.topic", "plant"}, {"source.0.mqtt.version", "5"}});
  relay.start();
  ASSERT_TRUE(eventually([&] {
    auto m = http_get(relay.http_port(), "/metrics").body;
    return metric_value(m, R"(streamdown_relay_source_connections{source="sub",type="mqtt"})") == 1.0;
  }, std::chrono::seconds(20))) << relay.stderr_text();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // SUBACK
  const int n = scaled(200, 5000);
  const std::string lines = relay.dir().path() + "/msgs.txt";
  std::string text;
  for (int i = 0; i < n; ++i) text += "p" + std::to_string(i) + "\n";
  write_file(lines, text);
  auto pub = mosquitto_pub(mport, "plant/line1", lines, {});
  ASSERT_TRUE(pub.clean()) << pub.describe();
  auto got = wait_upstream(broker.bootstrap(), "plant", static_cast<std::size_t>(n), relay);
  auto values = values_of(got);
  for (int i = 0; i < n; ++i) EXPECT_EQ(values.count("p" + std::to_string(i)), 1u) << i;
}

TEST(RelaySources, KafkaSourceCommitsOnlyWhatIsSpooled) {
  broker_process broker;
  broker.start();
  create_topic(broker.bootstrap(), "in", 3);
  const int n = scaled(500, 20000);
  std::vector<message_spec> msgs;
  for (int i = 0; i < n; ++i) msgs.push_back({"k" + std::to_string(i % 9), "e" + std::to_string(i)});
  auto produced = produce_and_wait(broker.bootstrap(), "in", msgs);
  ASSERT_EQ(produced.ok.size(), msgs.size()) << produced.first_error();
  test::temp_dir spool_home;
  env_list sets{{"upstream.bootstrap.servers", broker.bootstrap()}, {"source.0.type", "kafka"},
                {"source.0.bootstrap.servers", broker.bootstrap()}, {"source.0.topics", "in"},
                {"source.0.group.id", "relay-in"}, {"source.0.topic", "out"},
                {"spool.dir", spool_home.path() + "/spool"}};
  {
    relay_process relay(sets);
    relay.start();
    wait_upstream(broker.bootstrap(), "out", static_cast<std::size_t>(n), relay);
    relay.stop();
  }
  relay_process relay(sets);  // the group's committed offsets say everything was taken: nothing again
  relay.start();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  auto got = read_upstream(broker.bootstrap(), "out");
  auto values = values_of(got);
  for (int i = 0; i < n; ++i) EXPECT_EQ(values.count("e" + std::to_string(i)), 1u) << i;
  EXPECT_EQ(got.size(), static_cast<std::size_t>(n));
  for (const auto& r : got) EXPECT_TRUE(r.header("streamdown.source.offset").has_value());
}

}  // namespace
}  // namespace sd::itest
