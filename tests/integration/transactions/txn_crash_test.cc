// Exactly-once processing under kill -9: `streamdown consume --exec cat --transactional-output` (librdkafka's
// transactional producer and read_committed group consumer inside) copies an input topic to an output topic
// while the test kills the processor and the broker with SIGKILL in turn, cycle after cycle, restarting
// each. Afterwards the output topic read with read_committed holds every input record exactly once, in
// per-key order; read_uncommitted shows at least as many (the aborted attempts, which the aborted
// transaction lists hide); and the group's committed offsets are the input's end.
// Cycles: 20 by default, 100 with STREAMDOWN_TEST_SCALE=large.
#include <gtest/gtest.h>
#include <signal.h>

#include <map>
#include <random>
#include <thread>

#include "support/broker_process.h"
#include "support/kafka_client.h"
#include "support/process.h"
#include "support/test_env.h"
#include "txn_support.h"

namespace sd::itest {
namespace {

using namespace std::chrono_literals;
constexpr int partitions = 3;
constexpr int keys = 12;

class processor {
 public:
  processor(const std::string& bootstrap_, const std::string& log) : _log(log) { bootstrap = bootstrap_; }
  ~processor() { kill9(); }
  std::string bootstrap;

  void start(bool exit_at_end) {
    command cmd;
    cmd.argv = {streamdown_binary(), "consume", "-t", "crash-in", "-g", "crash-pipe", "--from-beginning",
                "--exec", "cat", "--transactional-output", "crash-out", "--transaction-records", "40",
                "-b", bootstrap, "--timeout", "20s", "-X", "transaction.timeout.ms=10000",
                "-X", "socket.timeout.ms=5000",
                // Static membership: a restarted processor takes its predecessor's place at once.
                "-X", "group.instance.id=crash-pipe-1", "-X", "session.timeout.ms=6000"};
    if (exit_at_end) cmd.argv.push_back("--exit-at-end");
    cmd.stdout_path = _log;
    cmd.stderr_path = _log;
    cmd.append_output = true;
    _pid = spawn(cmd);
  }
  void kill9() {
    if (_pid <= 0) return;
    ::kill(_pid, SIGKILL);
    wait_for_exit(_pid, 10s);
    _pid = -1;
  }
  /// True if it is still running (reaps it otherwise).
  bool alive() {
    if (_pid <= 0) return false;
    auto e = poll_exit(_pid);
    if (e.timed_out) return true;
    _pid = -1;
    return false;
  }
  exit_info wait(std::chrono::milliseconds timeout) {
    auto e = wait_for_exit(_pid, timeout);
    if (!e.timed_out) _pid = -1;
    return e;
  }

 private:
  std::string _log;
  pid_t _pid = -1;
};

TEST(TransactionsCrash, ConsumeTransformProduceIsExactlyOnceAcrossKills) {
  const int cycles = scaled(20, 100);
  const int records = scaled(3000, 20000);
  broker_config bc;
  bc.sets = {{"log.segment.bytes", "65536"},
             {"transaction.abort.timed.out.transaction.cleanup.interval.ms", "500"},
             {"group.initial.rebalance.delay.ms", "0"}};
  broker_process broker(bc);
  broker.start();
  create_topic(broker.bootstrap(), "crash-in", partitions);
  create_topic(broker.bootstrap(), "crash-out", partitions);
  std::vector<message_spec> input;
  for (int i = 0; i < records; ++i) {
    const std::string key = "k" + std::to_string(i % keys);
    input.push_back({key, key + ":" + std::to_string(i), -1});
  }
  auto produced = produce_and_wait(broker.bootstrap(), "crash-in", input, {{"enable.idempotence", "true"}}, 120s);
  ASSERT_TRUE(produced.failed.empty()) << produced.first_error();

  temp_dir dir("sd-txn-crash");
  processor proc(broker.bootstrap(), dir.file("processor.log"));
  std::mt19937 rng(20261207);
  std::uniform_int_distribution<int> pause_ms(0, 250);
  int broker_kills = 0, processor_kills = 0, stalled_cycles = 0;
  auto output_end = [&] {
    std::int64_t sum = 0;
    try {
      for (auto hw : high_watermarks(broker.bootstrap(), "crash-out", partitions, 5s)) sum += hw;
    } catch (const harness_error&) {
    }
    return sum;
  };
  proc.start(false);
  for (int c = 0; c < cycles; ++c) {
    // Kill while the processor is working: wait until the output log grows, then a random moment later.
    const auto before = output_end();
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (output_end() == before && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
    if (std::chrono::steady_clock::now() >= deadline) ++stalled_cycles;
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng)));
    if (c % 2 == 0) {
      proc.kill9();
      ++processor_kills;
      proc.start(false);
    } else {
      broker.kill9();
      ++broker_kills;
      broker.start();
      // A processor that gave up while the broker was down (a fatal error) is started again.
      if (!proc.alive()) proc.start(false);
    }
  }
  proc.kill9();
  // Run to the end without faults (again if it exits with an error, e.g. fenced right after a kill).
  bool finished = false;
  for (int attempt = 0; attempt < 5 && !finished; ++attempt) {
    proc.start(true);
    auto e = proc.wait(240s);
    if (e.timed_out) proc.kill9();
    finished = e.clean();
  }
  ASSERT_TRUE(finished) << read_file(dir.file("processor.log")).substr(0, 4000) << "\n" << broker.diagnostics();

  auto committed = read_all(broker.bootstrap(), "crash-out", partitions, "read_committed", 120s);
  auto uncommitted = read_all(broker.bootstrap(), "crash-out", partitions, "read_uncommitted", 120s);
  std::map<std::string, int> seen;
  std::map<std::string, std::vector<int>> per_key;
  for (const auto& m : committed) {
    ++seen[m.value];
    auto colon = m.value.find(':');
    ASSERT_NE(colon, std::string::npos) << m.value;
    EXPECT_EQ(m.key.value_or(""), m.value.substr(0, colon)) << "output keyed differently from its input";
    per_key[m.value.substr(0, colon)].push_back(std::stoi(m.value.substr(colon + 1)));
  }
  int missing = 0, duplicated = 0;
  for (const auto& in : input) {
    auto it = seen.find(in.value);
    if (it == seen.end()) ++missing;
    else if (it->second > 1) ++duplicated;
  }
  int out_of_order = 0;
  for (const auto& [k, ids] : per_key)
    for (std::size_t i = 1; i < ids.size(); ++i) out_of_order += ids[i] <= ids[i - 1];
  std::printf("cycles %d (processor kills %d, broker kills %d, %d without progress): %d inputs, %zu committed "
              "outputs, %zu read uncommitted\n",
              cycles, processor_kills, broker_kills, stalled_cycles, records, committed.size(), uncommitted.size());
  EXPECT_EQ(missing, 0);
  EXPECT_EQ(duplicated, 0);
  EXPECT_EQ(out_of_order, 0);
  EXPECT_EQ(committed.size(), static_cast<std::size_t>(records));
  EXPECT_GE(uncommitted.size(), committed.size());
  // The kills landed while work was going on (a test whose faults all hit an idle processor proves little).
  EXPECT_LE(stalled_cycles, cycles / 4);
  // The group's offsets cover the whole input.
  auto ends = high_watermarks(broker.bootstrap(), "crash-in", partitions);
  for (int p = 0; p < partitions; ++p) EXPECT_EQ(committed_offset(broker.bootstrap(), "crash-pipe", "crash-in", p), ends[p]);
}

}  // namespace
}  // namespace sd::itest
