// The recovery point seen from outside: after kill -9, the restarted broker loads the segments below each
// partition's recovery point instead of scanning them (its start-up line says how much it walked and
// checked) and serves everything; a byte corrupted below the point is reported on read (KAFKA_STORAGE_ERROR)
// and its batch is never served, while the rest of the partition reads.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "protocol/generated/fetch.h"
#include "support/broker_process.h"
#include "support/codec_conn.h"
#include "support/http_client.h"
#include "support/kafka_client.h"
#include "support/test_env.h"

namespace sd::itest {
namespace {

using namespace std::chrono_literals;

broker_config small_segments() {
  broker_config bc;
  bc.sets = {{"log.segment.bytes", "1048576"}, {"log.flush.offset.checkpoint.interval.ms", "200"}};
  return bc;
}

struct startup_line {
  long walked = -1, trusted = -1, checked = -1;
};

/// The numbers of the last "data directory ... ready" line the broker wrote.
startup_line last_startup(const broker_process& b) {
  static const std::regex re(
      R"(\((\w+) shutdown; (\d+) segment\(s\): (\d+) walked, (\d+) trusted below a recovery point; (\d+) byte\(s\) CRC-checked)");
  startup_line out;
  const std::string text = b.stderr_text();
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it) {
    out.walked = std::stol((*it)[3]);
    out.trusted = std::stol((*it)[4]);
    out.checked = std::stol((*it)[5]);
  }
  return out;
}

/// Waits (up to 20 s) until <partition dir>/recovery-point says `end` (bytes 8-15, big-endian); false if not.
bool wait_for_recovery_point(const std::string& partition_dir, std::int64_t end) {
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(partition_dir + "/recovery-point", std::ios::binary);
    unsigned char b[16];
    if (in.read(reinterpret_cast<char*>(b), 16)) {
      std::int64_t v = 0;
      for (int i = 8; i < 16; ++i) v = (v << 8) | b[i];
      if (v == end) return true;
    }
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

std::vector<message_spec> values(int n, std::size_t size) {
  std::vector<message_spec> msgs;
  for (int i = 0; i < n; ++i) msgs.push_back({std::nullopt, std::to_string(i) + std::string(size, 'v'), 0});
  return msgs;
}

TEST(RecoveryPoint, AfterKill9OnlyTheTailIsScannedAndEverythingIsServed) {
  broker_process broker(small_segments());
  broker.start();
  create_topic(broker.bootstrap(), "rp", 1);
  const int n = scaled(16000, 64000);  // 1 KiB values: 16 MiB, 16 segments
  auto sum = produce_and_wait(broker.bootstrap(), "rp", values(n, 1000), {{"acks", "1"}, {"linger.ms", "5"}});
  ASSERT_TRUE(sum.failed.empty()) << sum.first_error();
  ASSERT_TRUE(wait_for_recovery_point(broker.data_dir() + "/rp-0", n)) << broker.diagnostics();
  broker.kill9();
  broker.start();
  const auto s = last_startup(broker);
  ASSERT_GE(s.trusted, 0) << "no start-up line\n" << broker.diagnostics();
  EXPECT_GE(s.trusted, scaled(12, 55)) << "segments below the point were scanned";
  EXPECT_LE(s.walked, 6);  // the point's segment (plus internal logs)
  EXPECT_LT(s.checked, 1 << 20) << "more than the tail was CRC-checked";
  consume_options o;
  o.expected = n;
  auto got = consume(broker.bootstrap(), "rp", {0}, o);
  ASSERT_EQ(got.size(), static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) ASSERT_EQ(got[i].offset, i);
}

TEST(RecoveryPoint, CorruptionBelowThePointIsReportedAndNeverServed) {
  broker_process broker(small_segments());
  broker.start();
  create_topic(broker.bootstrap(), "rpc", 1);
  const int n = 3000;  // 3 MiB: segments 0, ~1000, ~2000
  auto sum = produce_and_wait(broker.bootstrap(), "rpc", values(n, 1000), {{"acks", "1"}, {"linger.ms", "0"}});
  ASSERT_TRUE(sum.failed.empty()) << sum.first_error();
  ASSERT_TRUE(wait_for_recovery_point(broker.data_dir() + "/rpc-0", n)) << broker.diagnostics();
  broker.kill9();
  std::int64_t after_first = 0;  // the offset after the first batch (librdkafka packs several records a batch)
  {
    // Flip a byte inside the first batch's CRC-covered bytes (its records).
    std::fstream f(broker.data_dir() + "/rpc-0/00000000000000000000.log", std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(f);
    unsigned char delta[4];
    f.seekg(23);  // LastOffsetDelta
    f.read(reinterpret_cast<char*>(delta), 4);
    after_first = ((std::int64_t{delta[0]} << 24) | (delta[1] << 16) | (delta[2] << 8) | delta[3]) + 1;
    f.seekg(200);
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x20);
    f.seekp(200);
    f.write(&c, 1);
  }
  broker.start();
  EXPECT_GE(last_startup(broker).trusted, 1) << broker.diagnostics();
  codec_conn conn(broker.kafka_port());
  auto at_zero = fetch_partition(conn, "rpc", {}, 0, 0, 1 << 20, 12);
  const auto& p0 = at_zero.responses.at(0).partitions.at(0);
  EXPECT_EQ(p0.error_code, 56) << "KAFKA_STORAGE_ERROR expected for the corrupt batch\n" << broker.diagnostics();
  EXPECT_EQ(p0.records.size(), 0u) << "corrupt bytes were served";
  // The next batch and everything after it reads.
  ASSERT_GT(after_first, 0);
  ASSERT_LT(after_first, n);
  auto next = fetch_partition(conn, "rpc", {}, 0, after_first, 1 << 20, 12);
  const auto& p1 = next.responses.at(0).partitions.at(0);
  EXPECT_EQ(p1.error_code, 0) << "fetch at " << after_first << "\n" << broker.diagnostics();
  EXPECT_GT(p1.records.size(), 0u);
  EXPECT_EQ(p1.high_watermark, n);
  consume_options o;
  o.expected = n - after_first;
  o.start_offset = after_first;
  auto got = consume(broker.bootstrap(), "rpc", {0}, o);
  EXPECT_EQ(got.size(), static_cast<std::size_t>(n - after_first));
  // The broker says so.
  auto page = http_get(broker.http_port(), "/metrics");
  EXPECT_GE(metric_value(page.body, "streamdown_storage_read_corrupt_batches_total").value_or(0), 1.0);
}

}  // namespace
}  // namespace sd::itest
