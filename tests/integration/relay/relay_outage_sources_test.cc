// An upstream outage under spool.when.full = block for the sources that cannot answer 429: an MQTT device's
// messages wait unacknowledged (the relay stops reading its socket), and the file tail stops without moving
// its checkpoint past what the spool holds. A kill -9 in the middle of the outage loses nothing, and once the
// upstream is back every line of both arrives exactly once: nothing was acknowledged (PUBACK, checkpoint)
// that the spool did not hold, and nothing the spool held was acknowledged twice.

#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "relay_support.h"
#include "support/broker_process.h"
#include "support/http_client.h"
#include "support/kafka_client.h"
#include "support/test_env.h"

namespace sd::itest {
namespace {

using json = nlohmann::json;

constexpr int device_in_flight = 10;
constexpr std::uint64_t spool_max = 256 << 10;
constexpr std::uint64_t spool_segment = 64 << 10;

std::string pad_line(int i) { return "line-" + std::to_string(i) + "-" + std::string(200, 'x'); }

void append_lines(const std::string& path, int from, int to) {
  std::ofstream out(path, std::ios::app);
  for (int i = from; i < to; ++i) out << pad_line(i) << "\n";
}

std::string metrics_of(const relay_process& r) { return http_get(r.http_port(), "/metrics").body; }

double source_metric(const relay_process& r, const std::string& name, const std::string& source, const std::string& type) {
  return metric_value(metrics_of(r), name + "{source=\"" + source + "\",type=\"" + type + "\"}").value_or(-1);
}

json source_status(const relay_process& r, const std::string& name) {
  auto status = json::parse(http_get(r.http_port(), "/v1/relay").body);
  for (const auto& s : status["sources"])
    if (s["name"] == name) return s;
  return json::object();
}

// The tail's offset in the file (from /v1/relay) and in its checkpoint file: both must stay at a line boundary
// that counts exactly the lines the source appended.
struct tail_position {
  std::uint64_t status_offset = 0;
  std::uint64_t checkpoint_offset = 0;
};

tail_position tail_position_of(const relay_process& r) {
  tail_position p;
  auto s = source_status(r, "tail");
  if (s.contains("files") && !s["files"].empty()) p.status_offset = s["files"][0]["offset"].get<std::uint64_t>();
  if (s.contains("checkpoint")) {
    std::ifstream in(s["checkpoint"].get<std::string>());
    std::stringstream text;
    text << in.rdbuf();
    auto cp = json::parse(text.str(), nullptr, false);
    if (!cp.is_discarded() && cp.contains("files") && !cp["files"].empty())
      p.checkpoint_offset = cp["files"][0]["offset"].get<std::uint64_t>();
  }
  return p;
}

std::uint64_t bytes_of_lines(int n) {
  std::uint64_t b = 0;
  for (int i = 0; i < n; ++i) b += pad_line(i).size() + 1;
  return b;
}

std::map<std::string, int> count_values(const std::vector<upstream_record>& rs) {
  std::map<std::string, int> out;
  for (const auto& r : rs) ++out[r.value.value_or("<null>")];
  return out;
}

TEST(RelayOutage, FullSpoolPausesMqttReadsAndHoldsTheFileCheckpointAndAKillLosesNothing) {
  broker_process broker;
  broker.start();
  create_topic(broker.bootstrap(), "mq", 1);
  create_topic(broker.bootstrap(), "files", 1);
  test::temp_dir logs;
  const std::string log_path = logs.path() + "/app.log";
  append_lines(log_path, 0, 0);  // exists (empty) when the relay starts
  const std::uint16_t mqtt_port = free_loopback_port();
  test::temp_dir spool_home;
  env_list sets{{"upstream.bootstrap.servers", broker.bootstrap()},
                {"spool.dir", spool_home.path() + "/spool"},
                {"spool.max.bytes", std::to_string(spool_max)},
                {"spool.segment.bytes", std::to_string(spool_segment)},
                {"source.0.type", "file"}, {"source.0.name", "tail"}, {"source.0.path", log_path},
                {"source.0.topic", "files"},
                {"source.1.type", "mqtt-server"}, {"source.1.name", "devices"},
                {"source.1.listen", "127.0.0.1:" + std::to_string(mqtt_port)}, {"source.1.topic", "mq"},
                {"source.1.max.in.flight", std::to_string(device_in_flight)}};
  relay_process relay(sets);
  relay.start();
  broker.kill9();  // the upstream goes away; the spool takes what fits

  // The file alone is more than twice the spool.
  const int file_lines = scaled(3000, 12000);
  append_lines(log_path, 0, file_lines);
  ASSERT_TRUE(eventually([&] { return source_metric(relay, "streamdown_relay_source_backpressure_total", "tail", "file") >= 1; },
                         std::chrono::seconds(30)))
      << metrics_of(relay) << tail(relay.stderr_text());

  // A device publishes while the spool is full: nothing of it can be acknowledged.
  const int mqtt_lines = scaled(400, 2000);
  const std::string lines = relay.dir().path() + "/mqtt.txt";
  {
    std::ostringstream text;
    for (int i = 0; i < mqtt_lines; ++i) text << "m" << i << "\n";
    write_file(lines, text.str());
  }
  command pub;
  pub.argv = {"/usr/bin/mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(mqtt_port), "-V", "mqttv5", "-c",
              "-i", "dev-a", "-q", "1", "-M", std::to_string(device_in_flight), "-d", "-t", "dev/a", "-l"};
  pub.stdin_path = lines;
  pub.stdout_path = relay.dir().path() + "/pub.log";
  pub.stderr_path = relay.dir().path() + "/pub.err";
  // The device process is waited for exactly once: a reaped pid must never be polled again.
  struct device_process {
    pid_t pid;
    std::optional<exit_info> ended;
    const exit_info* poll() {
      if (!ended) {
        auto e = poll_exit(pid);
        if (!e.timed_out) ended = e;
      }
      return ended ? &*ended : nullptr;
    }
    exit_info wait(std::chrono::milliseconds timeout) {
      if (!ended) {
        auto e = wait_for_exit(pid, timeout);
        if (!e.timed_out) ended = e;
        return e;
      }
      return *ended;
    }
    ~device_process() {
      try {
        if (!poll()) {
          ::kill(pid, SIGKILL);
          (void)wait(std::chrono::seconds(10));
        }
      } catch (...) {
      }
    }
  } device{spawn(pub), std::nullopt};

  ASSERT_TRUE(eventually([&] { return source_metric(relay, "streamdown_relay_source_backpressure_total", "devices", "mqtt-server") >= 1; },
                         std::chrono::seconds(30)))
      << metrics_of(relay) << tail(relay.stderr_text());
  std::this_thread::sleep_for(std::chrono::seconds(1));  // time to read on, if the relay did
  if (const auto* e = device.poll())
    FAIL() << "the device ended while the spool was full (" << e->describe() << ")\n" << tail(read_file(pub.stderr_path));
  {
    const auto in_flight = source_metric(relay, "streamdown_relay_source_in_flight_records", "devices", "mqtt-server");
    EXPECT_GE(in_flight, 1.0);
    EXPECT_LE(in_flight, static_cast<double>(device_in_flight)) << "read beyond the device's window";
    const auto m = metrics_of(relay);
    EXPECT_LE(metric_value(m, "streamdown_relay_spool_bytes").value_or(1e18), static_cast<double>(spool_max + spool_segment));
    EXPECT_EQ(metric_value(m, "streamdown_relay_spool_dropped_records_total").value_or(0), 0.0);
  }

  // The tail stopped: its offset and checkpoint hold still, at the end of the last line the spool took.
  const double appended = source_metric(relay, "streamdown_relay_source_appended_records_total", "tail", "file");
  ASSERT_GT(appended, 0.0);
  ASSERT_LT(appended, static_cast<double>(file_lines)) << "the spool took the whole file: no outage was felt";
  const auto want = bytes_of_lines(static_cast<int>(appended));
  ASSERT_TRUE(eventually([&] { return tail_position_of(relay).checkpoint_offset == want; }, std::chrono::seconds(10)))
      << "checkpoint " << tail_position_of(relay).checkpoint_offset << " vs " << want << " bytes of " << appended
      << " appended lines\n" << source_status(relay, "tail").dump();
  EXPECT_EQ(tail_position_of(relay).status_offset, want);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(tail_position_of(relay).checkpoint_offset, want) << "the checkpoint moved while the spool was full";
  EXPECT_EQ(source_metric(relay, "streamdown_relay_source_appended_records_total", "tail", "file"), appended);
  EXPECT_GT(source_metric(relay, "streamdown_relay_source_lag", "tail", "file"), 0.0) << "bytes behind are shown";

  // kill -9 in the middle of the outage, then the upstream returns.
  relay.kill9();
  relay.start();
  broker.start();

  auto done = device.wait(std::chrono::seconds(120));
  ASSERT_TRUE(done.clean()) << done.describe() << "\n" << tail(read_file(pub.stderr_path)) << tail(relay.stderr_text());

  std::map<std::string, int> files, mq;
  ASSERT_TRUE(eventually([&] {
    try {
      files = count_values(read_upstream(broker.bootstrap(), "files"));
      mq = count_values(read_upstream(broker.bootstrap(), "mq"));
    } catch (const harness_error&) {
      return false;
    }
    return files.size() >= static_cast<std::size_t>(file_lines) && mq.size() >= static_cast<std::size_t>(mqtt_lines);
  }, std::chrono::seconds(120))) << files.size() << " of " << file_lines << " lines, " << mq.size() << " of "
                                 << mqtt_lines << " messages\n" << tail(relay.stderr_text());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // anything duplicated would arrive by now
  files = count_values(read_upstream(broker.bootstrap(), "files"));
  mq = count_values(read_upstream(broker.bootstrap(), "mq"));
  EXPECT_EQ(files.size(), static_cast<std::size_t>(file_lines));
  EXPECT_EQ(mq.size(), static_cast<std::size_t>(mqtt_lines));
  for (int i = 0; i < file_lines; ++i) EXPECT_EQ(files[pad_line(i)], 1) << "line " << i;
  for (int i = 0; i < mqtt_lines; ++i) EXPECT_EQ(mq["m" + std::to_string(i)], 1) << "message " << i;
  EXPECT_EQ(tail_position_of(relay).checkpoint_offset, bytes_of_lines(file_lines));
}

}  // namespace
}  // namespace sd::itest
