// Many partitions under a small open-file bound, seen from outside: the broker holds far fewer descriptors
// than it has segments (counted in /proc/<pid>/fd), every record produced by librdkafka reads back through
// librdkafka and kcat after a clean restart and after kill -9, an all-topics Metadata lists every partition,
// and the file cache's metrics show the bound at work. Idle connections beside them cost bounded memory.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <thread>

#include "support/broker_process.h"
#include "support/http_client.h"
#include "support/kafka_client.h"
#include "support/process.h"
#include "support/raw_client.h"
#include "support/test_env.h"
#include "support/wire.h"

namespace sd::itest {
namespace {

using namespace std::chrono_literals;

std::size_t open_fds(pid_t pid) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) ++n;
  return n;
}

long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

constexpr int open_files_max = 64;

broker_config bounded() {
  broker_config bc;
  bc.sets = {{"streamdown.log.open.files.max", std::to_string(open_files_max)},
             {"log.segment.bytes", "16384"},
             {"log.flush.offset.checkpoint.interval.ms", "200"}};
  return bc;
}

/// Every message of every partition read back with librdkafka: partition p holds values "p:i" in order.
void expect_all(const std::string& bootstrap, const std::string& topic, int partitions, int per_partition) {
  consume_options o;
  o.expected = static_cast<std::int64_t>(partitions) * per_partition;
  o.timeout = 120s;
  auto got = consume(bootstrap, topic, partitions_upto(partitions), o);
  ASSERT_EQ(got.size(), static_cast<std::size_t>(o.expected));
  std::vector<int> next(static_cast<std::size_t>(partitions), 0);
  for (const auto& m : got) {
    auto& n = next[static_cast<std::size_t>(m.partition)];
    ASSERT_EQ(m.value, std::to_string(m.partition) + ":" + std::to_string(n) + std::string(900, 'x'))
        << "partition " << m.partition;
    EXPECT_EQ(m.offset, n);
    ++n;
  }
}

TEST(ManyPartitions, DescriptorsStayBoundedAndEveryRecordSurvivesRestarts) {
  broker_process broker(bounded());
  broker.start();
  const int partitions = scaled(400, 2000);
  const int per_partition = scaled(40, 60);  // ~1 KiB records in 16 KiB segments: 2-3 segments each
  create_topic(broker.bootstrap(), "wide", partitions);
  std::vector<message_spec> msgs;
  for (int i = 0; i < per_partition; ++i)
    for (int p = 0; p < partitions; ++p)
      msgs.push_back({std::nullopt, std::to_string(p) + ":" + std::to_string(i) + std::string(900, 'x'), p});
  auto sum = produce_and_wait(broker.bootstrap(), "wide", msgs, {{"acks", "all"}, {"linger.ms", "20"}, {"batch.size", "4096"}},
                              180s);
  ASSERT_TRUE(sum.failed.empty()) << sum.first_error();

  std::size_t segments = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(broker.data_dir()))
    if (e.path().extension() == ".log") ++segments;
  ASSERT_GT(segments, static_cast<std::size_t>(2 * partitions));  // far more files than the bound

  // Within a few checkpoint intervals every partition is synced and its descriptors idle.
  std::size_t fds = 0;
  for (int i = 0; i < 50; ++i) {
    fds = open_fds(broker.pid());
    if (fds < open_files_max + 100) break;
    std::this_thread::sleep_for(100ms);
  }
  // The bound, plus sockets, event loops and the process's own files: nowhere near one per segment.
  EXPECT_LT(fds, static_cast<std::size_t>(open_files_max + 100)) << segments << " segments";
  auto page = http_get(broker.http_port(), "/metrics");
  EXPECT_GT(metric_value(page.body, "streamdown_storage_file_cache_evictions_total").value_or(0), 0.0);
  EXPECT_LE(metric_value(page.body, "streamdown_storage_open_files").value_or(1e9), open_files_max + 8.0);
  EXPECT_EQ(metric_value(page.body, "streamdown_storage_open_files_max").value_or(0), open_files_max);

  expect_all(broker.bootstrap(), "wide", partitions, per_partition);
  // kcat reads a partition far from the cache's recent files (it reopens them by path).
  command kc;
  kc.argv = {kcat_binary(), "-C", "-b", broker.bootstrap(), "-t", "wide", "-p", "7", "-o", "beginning", "-e", "-q",
             "-f", "%o\\n"};
  temp_dir work("sd-itest-kcat");
  kc.stdout_path = work.file("kcat.out");
  const auto kc_exit = run_command(kc, 60s);
  EXPECT_TRUE(kc_exit.clean()) << kc_exit.describe();
  const std::string kc_out = read_file(kc.stdout_path);
  EXPECT_EQ(std::count(kc_out.begin(), kc_out.end(), '\n'), per_partition);

  broker.restart();  // clean
  EXPECT_LT(open_fds(broker.pid()), static_cast<std::size_t>(open_files_max + 100));
  EXPECT_EQ(partition_count(broker.bootstrap(), "wide"), partitions);
  auto hw = high_watermarks(broker.bootstrap(), "wide", partitions);
  for (int p = 0; p < partitions; ++p) EXPECT_EQ(hw[static_cast<std::size_t>(p)], per_partition) << p;
  expect_all(broker.bootstrap(), "wide", partitions, per_partition);

  broker.kill9();
  broker.start();
  EXPECT_LT(open_fds(broker.pid()), static_cast<std::size_t>(open_files_max + 100));
  expect_all(broker.bootstrap(), "wide", partitions, per_partition);
  // Producing after the restarts still works everywhere (segments reopen for append).
  std::vector<message_spec> more;
  for (int p = 0; p < partitions; ++p)
    more.push_back({std::nullopt, std::to_string(p) + ":" + std::to_string(per_partition) + std::string(900, 'x'), p});
  sum = produce_and_wait(broker.bootstrap(), "wide", more, {{"acks", "all"}}, 120s);
  ASSERT_TRUE(sum.failed.empty()) << sum.first_error();
  expect_all(broker.bootstrap(), "wide", partitions, per_partition + 1);
}

/// One ApiVersions v0 round trip on `c`; false if the broker did not answer.
bool api_versions(raw_client& c, std::int32_t correlation_id) {
  if (!c.send_all(wire::request_frame(18, 0, correlation_id, "idle", {}))) return false;
  return c.receive_frame(10s).st == raw_client::status::frame;
}

TEST(ManyConnections, IdleConnectionsCostBoundedMemoryAndBusyClientsKeepWorking) {
  broker_process broker;
  broker.start();
  create_topic(broker.bootstrap(), "busy", 4);
  const int n = scaled(2000, 10000);
  std::this_thread::sleep_for(500ms);
  const long before = rss_kib(broker.pid());
  std::vector<std::unique_ptr<raw_client>> idle;  // each sent one ApiVersions, then stays idle
  for (int i = 0; i < n; ++i) {
    idle.push_back(std::make_unique<raw_client>(broker.kafka_port()));
    ASSERT_TRUE(api_versions(*idle.back(), 1)) << "connection " << i;
  }
  std::this_thread::sleep_for(1s);
  const long after = rss_kib(broker.pid());
  const double per_conn_kib = static_cast<double>(after - before) / n;
  RecordProperty("rss_kib_per_idle_connection", std::to_string(per_conn_kib));
  EXPECT_LT(per_conn_kib, 20.0) << before << " -> " << after << " KiB for " << n << " connections";
  // A busy client beside them is served in full.
  std::vector<message_spec> msgs;
  for (int i = 0; i < 2000; ++i) msgs.push_back({std::nullopt, "m" + std::to_string(i), i % 4});
  auto sum = produce_and_wait(broker.bootstrap(), "busy", msgs, {{"acks", "all"}}, 60s);
  ASSERT_TRUE(sum.failed.empty()) << sum.first_error();
  consume_options o;
  o.expected = 2000;
  EXPECT_EQ(consume(broker.bootstrap(), "busy", partitions_upto(4), o).size(), 2000u);
  // The idle ones are still open and answer.
  for (int i : {0, n / 2, n - 1}) EXPECT_TRUE(api_versions(*idle[static_cast<std::size_t>(i)], 2)) << "connection " << i;
}

}  // namespace
}  // namespace sd::itest
