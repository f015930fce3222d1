// Exactly once across broker restarts: librdkafka with enable.idempotence=true sends N messages to 6
// partitions while the test restarts the broker several times (clean SIGTERM and kill -9, alternating).
// Every delivery report must be a success, and consuming the topic must show every message exactly once,
// in per-partition send order. Retries of batches that reached the log before a restart must be answered
// as duplicates (the producer state survives through snapshots and header replay); a gap or an answer of
// OUT_OF_ORDER would be fatal in librdkafka.
// N is small by default and 1,000,000 with STREAMDOWN_TEST_SCALE=large.
// The same with kafkajs 2.2.4 (js/idempotent.js: idempotent: true, one request in flight), on a smaller
// scale, read back with librdkafka.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <optional>
#include <thread>

#include <filesystem>

#include "support/broker_process.h"
#include "support/kafka_client.h"
#include "support/process.h"

namespace sd::itest {
namespace {

using namespace std::chrono_literals;
constexpr int partitions = 6;

std::string value_of(std::uint64_t i) {
  // "<partition>:<index within partition>:" plus padding that varies in length.
  std::string v = std::to_string(i % partitions) + ":" + std::to_string(i / partitions) + ":";
  v.append(10 + i % 50, static_cast<char>('a' + i % 26));
  return v;
}

TEST(IdempotenceRestart, LibrdkafkaExactlyOnceAcrossRestarts) {
  const std::uint64_t total = scaled<std::uint64_t>(30'000, 1'000'000);
  const int restarts = scaled(4, 6);
  // Small segments, so segment rolls (and the producer-state snapshots written at each roll) happen while
  // the broker is killed: recovery must discard snapshots past the truncated log end and replay headers.
  broker_config bc;
  bc.sets = {{"log.segment.bytes", "32768"}};
  broker_process broker(bc);
  broker.start();
  const std::string topic = "idem-restart";
  create_topic(broker.bootstrap(), topic, partitions);

  conf_map conf = {
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"message.timeout.ms", "300000"},
      {"request.timeout.ms", "15000"},
      {"linger.ms", "2"},
      {"batch.num.messages", "500"},
      {"queue.buffering.max.messages", "20000"},
  };
  tracking_producer producer(broker.bootstrap(), conf);
  std::atomic<std::uint64_t> enqueued{0};
  std::string producer_error;
  std::thread feeder([&] {
    try {
      for (std::uint64_t i = 0; i < total; ++i) {
        producer.produce(topic, static_cast<std::int32_t>(i % partitions), std::nullopt, value_of(i), i, 300s);
        enqueued = i + 1;
        if (i % 256 == 0) producer.poll(0);
      }
      if (!producer.flush(300s)) producer_error = "flush timed out";
    } catch (const std::exception& e) {
      producer_error = e.what();
    }
  });

  // Restart whenever another slice of the messages has been acknowledged.
  for (int r = 1; r <= restarts; ++r) {
    const std::size_t target = total * static_cast<std::size_t>(r) / static_cast<std::size_t>(restarts + 1);
    auto deadline = std::chrono::steady_clock::now() + 240s;
    while (producer.delivered_ok() < target && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
    ASSERT_GE(producer.delivered_ok(), target) << "producer stalled before restart " << r << "\n" << broker.diagnostics();
    if (r % 2 == 1) {
      broker.kill9();
      broker.start();
    } else {
      broker.restart();
    }
  }
  feeder.join();
  ASSERT_EQ(producer_error, "") << broker.diagnostics();

  auto reports = producer.deliveries();
  ASSERT_EQ(reports.size(), total);
  std::size_t failed = 0;
  std::string first_failure;
  for (const auto& d : reports) {
    if (d.err != RdKafka::ERR_NO_ERROR) {
      if (failed++ == 0) first_failure = RdKafka::err2str(d.err) + " for message " + std::to_string(d.id);
    }
  }
  EXPECT_EQ(failed, 0u) << "first: " << first_failure << "\n" << broker.diagnostics();

  auto hw = high_watermarks(broker.bootstrap(), topic, partitions);
  std::int64_t stored = 0;
  for (auto h : hw) stored += h;
  EXPECT_EQ(stored, static_cast<std::int64_t>(total)) << "duplicates or losses in the log";

  consume_options opts;
  opts.expected = static_cast<std::int64_t>(total);
  opts.timeout = 300s;
  opts.overrides = {{"fetch.message.max.bytes", "1048576"}};
  auto got = consume(broker.bootstrap(), topic, partitions_upto(partitions), opts);
  ASSERT_EQ(got.size(), total);
  std::vector<std::uint64_t> next(partitions, 0);
  std::size_t misplaced = 0;
  for (const auto& m : got) {
    ASSERT_GE(m.partition, 0);
    ASSERT_LT(m.partition, partitions);
    auto& n = next[static_cast<std::size_t>(m.partition)];
    const std::uint64_t id = n * partitions + static_cast<std::uint64_t>(m.partition);
    if (m.value != value_of(id)) {
      if (misplaced++ < 5) ADD_FAILURE() << "partition " << m.partition << " offset " << m.offset << ": expected "
                                         << value_of(id).substr(0, 20) << ", got " << m.value.substr(0, 20);
    }
    ++n;
  }
  EXPECT_EQ(misplaced, 0u) << "messages out of send order, duplicated or missing";
  for (int p = 0; p < partitions; ++p) {
    const std::uint64_t want = total / partitions + (static_cast<std::uint64_t>(p) < total % partitions ? 1 : 0);
    EXPECT_EQ(next[static_cast<std::size_t>(p)], want) << "partition " << p;
  }
  broker.stop();
}

// The number in the last "acked N" line of the kafkajs script's output.
std::uint64_t js_acked(const std::string& path) {
  std::string text = read_file(path);
  auto pos = text.rfind("acked ");
  if (pos == std::string::npos) return 0;
  return std::strtoull(text.c_str() + pos + 6, nullptr, 10);
}

TEST(IdempotenceRestart, KafkaJsExactlyOnceAcrossRestarts) {
  std::string node = node_binary();
  ASSERT_FALSE(node.empty()) << "node not found: run scripts/setup";
  ASSERT_TRUE(std::filesystem::exists(js_dir() + "/node_modules/kafkajs/package.json"))
      << "kafkajs is not installed in " << js_dir() << ": run scripts/setup";
  const std::uint64_t total = scaled<std::uint64_t>(3'000, 60'000);
  const int restarts = 2;
  broker_process broker;
  broker.start();
  const std::string topic = "idem-js";
  create_topic(broker.bootstrap(), topic, partitions);

  temp_dir out("sd-kafkajs-idem");
  command cmd;
  cmd.argv = {node, js_dir() + "/idempotent.js", broker.bootstrap()};
  cmd.env = {{"SD_JS_COUNT", std::to_string(total)}, {"SD_JS_TOPIC", topic}, {"SD_JS_TIMEOUT_MS", "400000"}};
  cmd.stdout_path = out.file("stdout");
  cmd.stderr_path = out.file("stderr");
  pid_t pid = spawn(cmd);
  bool restarted_all = true;
  std::optional<exit_info> early_exit;  // poll_exit reaps the child: keep what it saw
  for (int r = 1; r <= restarts; ++r) {
    const std::uint64_t target = total * static_cast<std::uint64_t>(r) / (restarts + 1);
    auto deadline = std::chrono::steady_clock::now() + 180s;
    while (js_acked(cmd.stdout_path) < target && std::chrono::steady_clock::now() < deadline && !early_exit) {
      if (auto x = poll_exit(pid); !x.timed_out) early_exit = x;
      std::this_thread::sleep_for(20ms);
    }
    if (js_acked(cmd.stdout_path) < target) {
      restarted_all = false;
      break;
    }
    if (r % 2 == 1) {
      broker.kill9();
      broker.start();
    } else {
      broker.restart();
    }
  }
  exit_info e = early_exit ? *early_exit : wait_for_exit(pid, 420s);
  if (e.timed_out) {
    ::kill(pid, SIGKILL);
    wait_for_exit(pid, 10s);
  }
  std::string text = read_file(cmd.stdout_path) + read_file(cmd.stderr_path);
  ASSERT_TRUE(restarted_all) << "kafkajs stalled\n" << tail(text) << "\n" << broker.diagnostics();
  ASSERT_TRUE(e.clean()) << e.describe() << "\n" << tail(text) << "\n" << broker.diagnostics();
  ASSERT_EQ(js_acked(cmd.stdout_path), total);

  consume_options opts;
  opts.expected = static_cast<std::int64_t>(total);
  opts.timeout = 120s;
  auto got = consume(broker.bootstrap(), topic, partitions_upto(partitions), opts);
  ASSERT_EQ(got.size(), total) << "duplicates or losses";
  std::vector<std::uint64_t> next(partitions, 0);
  std::size_t misplaced = 0;
  for (const auto& m : got) {
    auto& n = next[static_cast<std::size_t>(m.partition)];
    const std::uint64_t id = n * partitions + static_cast<std::uint64_t>(m.partition);
    const std::string want = std::to_string(m.partition) + ":" + std::to_string(n) + ":" + std::string(id % 40, 'x');
    if (m.value != want && misplaced++ < 5) {
      ADD_FAILURE() << "partition " << m.partition << " offset " << m.offset << ": expected " << want << ", got "
                    << m.value;
    }
    ++n;
  }
  EXPECT_EQ(misplaced, 0u);
  broker.stop();
}

}  // namespace
}  // namespace sd::itest
