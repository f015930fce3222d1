// kill -9 during compaction: cycle after cycle, keyed records (with tombstones) go to a compacted topic, then
// the broker is restarted with the cleaner set to die at one step of a segment swap (after the commit, after
// the checkpoint, after removing the old segments, after installing the new one; see storage/cleaning.h), or
// killed with SIGKILL at a random moment while its writes are slowed by the fault-injecting file layer, so
// the cleaner is mid-pass. After each crash the broker restarts and the topic must read back as the model:
// nothing lost, nothing doubled below the cleaner checkpoint, no .swap or .tmp file left, offsets in order.
// Cycles: 20 by default, 60 with STREAMDOWN_TEST_SCALE=large.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "compaction_support.h"
#include "support/kafka_client.h"
#include "support/test_env.h"

namespace sd::itest {
namespace {

using namespace std::chrono_literals;

/// True once the process has exited (a zombie not yet reaped counts), without reaping it: broker_process
/// reaps its own child.
bool exited(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return true;
  auto paren = stat.rfind(')');
  return paren == std::string::npos || paren + 2 >= stat.size() || stat[paren + 2] == 'Z' || stat[paren + 2] == 'X';
}

TEST(CompactionCrash, KillDuringCompactionLosesAndDoublesNothing) {
  const int cycles = scaled(20, 60);
  broker_config bc;
  // A small offset map (about 170 keys) makes the cleaner take several passes, so it has more steps to die at.
  bc.sets = {{"log.cleaner.backoff.ms", "100"}, {"log.cleaner.dedupe.buffer.size", "4096"}};
  broker_process broker(bc);
  broker.start();
  create_compacted(broker, "crashy", {{"segment.bytes", "2048"}});
  const std::vector<std::string> steps = {"committed", "checkpointed", "removed", "installed", ""};
  std::mt19937 rng(99);
  model_map model;
  int died_in_cleaner = 0;
  for (int cycle = 0; cycle < cycles; ++cycle) {
    std::vector<std::pair<std::string, std::optional<std::string>>> recs;
    for (int i = 0; i < 120; ++i) {
      std::string k = "k" + std::to_string(rng() % 300);
      std::optional<std::string> v;
      if (rng() % 7 != 0) v = "c" + std::to_string(cycle) + "-" + std::to_string(i);
      recs.emplace_back(k, v);
    }
    ASSERT_EQ(produce_keyed(broker.bootstrap(), "crashy", recs, model), recs.size())
        << "cycle " << cycle << "\n" << broker.diagnostics();

    // Restart into the crash.
    const std::string& step = steps[static_cast<std::size_t>(cycle) % steps.size()];
    broker.kill9();
    if (!step.empty()) {
      broker.set_env({{"STREAMDOWN_FAULT_CLEANER_KILL_AT", step}});
      broker.start();
      const auto deadline = std::chrono::steady_clock::now() + 10s;
      while (std::chrono::steady_clock::now() < deadline && !exited(broker.pid())) std::this_thread::sleep_for(20ms);
      if (exited(broker.pid())) ++died_in_cleaner;
      broker.kill9();  // reaps it if it died, kills it if the step never came
    } else {
      broker.set_env({{"STREAMDOWN_FAULT_WRITE_BPS", "200000"}});
      broker.start();
      std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 400));
      broker.kill9();
    }
    broker.set_env({});
    broker.start();

    for (const auto& e : std::filesystem::directory_iterator(broker.data_dir() + "/crashy-0")) {
      const auto name = e.path().filename().string();
      ASSERT_FALSE(name.ends_with(".swap") || name.ends_with(".tmp")) << name << " left after cycle " << cycle;
    }
    const auto ckpt = cleaner_checkpoint(broker, "crashy");
    auto err = check_model(read_partition0(broker.bootstrap(), "crashy"), model, ckpt);
    ASSERT_EQ(err, "") << "cycle " << cycle << " (step '" << step << "')\n" << broker.diagnostics();
  }
  EXPECT_GE(died_in_cleaner, cycles / 2) << "the cleaner rarely reached the step it was to die at";
}

}  // namespace
}  // namespace sd::itest
