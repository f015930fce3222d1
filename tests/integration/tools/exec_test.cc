// `streamdown consume --exec`: commit after processing, retries with backoff, dead-letter topic with headers,
// per-key order across parallel workers, retry topics, and restart after kill -9.
#include <gtest/gtest.h>
#include <signal.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "support/kafka_client.h"
#include "tools/tools_support.h"

namespace sd::itest {
namespace {

using namespace std::chrono_literals;

class tools_exec : public ::testing::Test {
 public:  // the check helpers below use tool() and the log
  void SetUp() override {
    broker_config cfg;
    cfg.sets = {{"group.initial.rebalance.delay.ms", "0"}};
    broker = std::make_unique<broker_process>(cfg);
    try {
      broker->start();
    } catch (const harness_error&) {
      // Before consumer groups land the key is unknown to the broker: start without it.
      broker = std::make_unique<broker_process>();
      broker->start();
    }
    log_path = dir.file("processed.log");
    script = dir.file("handler.sh");
    // Appends "<run> <key> <partition> <offset> <value>" (one short O_APPEND write: atomic); fails for key "bad".
    write_file(script,
               "v=$(cat)\n"
               "echo \"${RUN:-0} ${STREAMDOWN_KEY:-<null>} $STREAMDOWN_PARTITION $STREAMDOWN_OFFSET $v\" >> " +
                   log_path + "\n"
               "[ -n \"$SLOW\" ] && sleep \"$SLOW\"\n"
               "[ \"$STREAMDOWN_KEY\" != bad ]\n");
  }
  void TearDown() override {
    if (broker->running()) {
      EXPECT_NO_THROW(broker->stop()) << broker->diagnostics();
    }
  }
  std::vector<std::string> with_conn(std::vector<std::string> args) {
    args.insert(args.end(), {"-b", broker->bootstrap(), "--timeout", "10s"});
    return args;
  }
  tool_run tool(std::vector<std::string> args, const std::string& in = "", const env_list& env = {}) {
    return run_tool(dir, with_conn(std::move(args)), in, 300s, env);
  }
  struct log_line {
    std::string run, key;
    int partition = 0;
    std::int64_t offset = 0;
    std::string value;
  };
  std::vector<log_line> read_log() {
    std::vector<log_line> out;
    for (const auto& l : split_lines(read_file(log_path))) {
      std::istringstream in(l);
      log_line x;
      in >> x.run >> x.key >> x.partition >> x.offset;
      std::getline(in >> std::ws, x.value);
      out.push_back(x);
    }
    return out;
  }
  bool has_groups() { return broker_has_groups(*broker); }

  std::unique_ptr<broker_process> broker;
  temp_dir dir{"sd-tools-exec"};
  std::string log_path, script;
};

// Produces n records over `keys` keys plus every 10th record with key "bad"; returns the input text.
std::string keyed_input(int n, int keys) {
  std::string in;
  for (int i = 0; i < n; ++i) {
    const std::string key = (i % 10 == 3) ? "bad" : "k" + std::to_string(i % keys);
    in += key + " " + key + "-" + std::to_string(i) + "\n";
  }
  return in;
}

void check_dead_letters_and_order(tools_exec& t, const std::vector<tools_exec::log_line>& lines, int n,
                                  int max_attempts, const std::vector<nlohmann::json>& dlq) {
  std::map<std::string, std::vector<std::string>> values_by_key;
  std::map<std::string, int> attempts_by_value;
  for (const auto& l : lines) {
    if (l.key != "bad") values_by_key[l.key].push_back(l.value);
    ++attempts_by_value[l.value];
  }
  int bad = 0;
  for (int i = 0; i < n; ++i) {
    if (i % 10 == 3) {
      ++bad;
      EXPECT_EQ(attempts_by_value["bad-" + std::to_string(i)], max_attempts) << i;
    }
  }
  // Every good record exactly once, and in produce order per key.
  for (auto& [key, values] : values_by_key) {
    std::vector<std::string> expected;
    for (int i = 0; i < n; ++i)
      if (i % 10 != 3 && "k" + std::to_string(i % 5) == key) expected.push_back(key + "-" + std::to_string(i));
    EXPECT_EQ(values, expected) << "key " << key;
  }
  // Exactly the poison records in the dead-letter topic, in order, with the headers.
  ASSERT_EQ(dlq.size(), static_cast<std::size_t>(bad));
  int j = 0;
  for (int i = 0; i < n; ++i) {
    if (i % 10 != 3) continue;
    const auto& r = dlq[static_cast<std::size_t>(j++)];
    EXPECT_EQ(r["key"], "bad");
    EXPECT_EQ(r["value"], "bad-" + std::to_string(i));
    std::map<std::string, std::string> h;
    for (const auto& pair : r["headers"]) h[pair[0].get<std::string>()] = pair[1].get<std::string>();
    EXPECT_EQ(h["streamdown.source.topic"], "work") << r.dump();
    EXPECT_EQ(h["streamdown.error"], "exit status 1") << r.dump();
    EXPECT_EQ(h["streamdown.attempts"], std::to_string(max_attempts)) << r.dump();
    // The source partition/offset name the original record: find it in the processing log.
    bool matched = false;
    for (const auto& l : lines)
      matched |= l.value == r["value"] && std::to_string(l.partition) == h["streamdown.source.partition"] &&
                 std::to_string(l.offset) == h["streamdown.source.offset"];
    EXPECT_TRUE(matched) << r.dump();
  }
  (void)t;
}

std::vector<nlohmann::json> read_json_topic(tools_exec& t, const std::string& topic) {
  auto r = t.tool({"consume", "-t", topic, "--from-beginning", "--exit-at-end", "--json"});
  EXPECT_TRUE(r.exit.clean()) << r.describe();
  std::vector<nlohmann::json> out;
  for (const auto& line : split_lines(r.out)) out.push_back(nlohmann::json::parse(line));
  return out;
}

TEST_F(tools_exec, poison_key_goes_to_dead_letter_topic_without_group) {
  create_topic(broker->bootstrap(), "work", 3);
  const int n = scaled(100, 2000);
  ASSERT_TRUE(tool({"produce", "-t", "work", "-K", " "}, keyed_input(n, 5)).exit.clean());
  auto run = tool({"consume", "-t", "work", "--from-beginning", "--exit-at-end", "--exec", "sh " + script,
                   "--max-attempts", "3", "--backoff", "10ms:40ms", "--parallel", "4"});
  ASSERT_TRUE(run.exit.clean()) << run.describe();
  auto lines = read_log();
  check_dead_letters_and_order(*this, lines, n, 3, read_json_topic(*this, "work.dlq"));
}

TEST_F(tools_exec, in_flight_bound_limits_concurrent_commands) {
  create_topic(broker->bootstrap(), "work", 2);
  const int n = scaled(60, 600);
  std::string in;
  for (int i = 0; i < n; ++i) in += "k" + std::to_string(i) + " v" + std::to_string(i) + "\n";  // all keys differ
  ASSERT_TRUE(tool({"produce", "-t", "work", "-K", " "}, in).exit.clean());
  const std::string running = dir.file("running");
  const std::string seen = dir.file("concurrency.log");
  write_file(dir.file("slow.sh"), "mkdir -p " + running + "\nd=" + running + "/$STREAMDOWN_PARTITION-$STREAMDOWN_OFFSET\n"
             "mkdir $d\nls " + running + " | wc -l >> " + seen + "\nsleep 0.05\nrmdir $d\n");
  auto run = tool({"consume", "-t", "work", "--from-beginning", "--exit-at-end", "--exec", "sh " + dir.file("slow.sh"),
                   "--parallel", "8", "--max-in-flight", "3"});
  ASSERT_TRUE(run.exit.clean()) << run.describe();
  auto counts = split_lines(read_file(seen));
  ASSERT_EQ(counts.size(), static_cast<std::size_t>(n));  // every record once
  int most = 0;
  for (const auto& c : counts) most = std::max(most, std::stoi(c));
  EXPECT_GE(most, 1);
  EXPECT_LE(most, 3) << "more commands ran at once than --max-in-flight allows";
}

TEST_F(tools_exec, poison_key_with_group_commits_to_the_end) {
  if (!has_groups()) GTEST_SKIP() << "broker does not advertise consumer-group APIs (JoinGroup)";
  create_topic(broker->bootstrap(), "work", 3);
  const int n = scaled(100, 2000);
  ASSERT_TRUE(tool({"produce", "-t", "work", "-K", " "}, keyed_input(n, 5)).exit.clean());
  auto run = tool({"consume", "-t", "work", "-g", "workers", "--from-beginning", "--exit-at-end", "--exec",
                   "sh " + script, "--max-attempts", "4", "--backoff", "5ms:20ms", "--parallel", "3",
                   "--max-in-flight", "16", "--dlq-topic", "work-dead"});
  ASSERT_TRUE(run.exit.clean()) << run.describe();
  check_dead_letters_and_order(*this, read_log(), n, 4, read_json_topic(*this, "work-dead"));
  EXPECT_EQ(committed_offsets(broker->bootstrap(), "workers", "work", 3),
            high_watermarks(broker->bootstrap(), "work", 3));
  // A second run has nothing left to do.
  const auto before = read_log().size();
  auto again = tool({"consume", "-t", "work", "-g", "workers", "--exit-at-end", "--exec", "sh " + script});
  ASSERT_TRUE(again.exit.clean()) << again.describe();
  EXPECT_EQ(read_log().size(), before);
}

TEST_F(tools_exec, retry_topic_delays_then_dead_letters) {
  if (!has_groups()) GTEST_SKIP() << "broker does not advertise consumer-group APIs (JoinGroup)";
  create_topic(broker->bootstrap(), "work", 2);
  ASSERT_TRUE(tool({"produce", "-t", "work", "-K", " "}, "bad bad-0\nk1 ok-1\nbad bad-2\nk1 ok-3\n").exit.clean());
  auto run = tool({"consume", "-t", "work", "-g", "retriers", "--from-beginning", "--exit-at-end", "--exec",
                   "sh " + script, "--max-attempts", "1", "--retry-delays", "1s"});
  ASSERT_TRUE(run.exit.clean()) << run.describe();
  auto lines = read_log();
  std::map<std::string, int> seen;
  for (const auto& l : lines) ++seen[l.value];
  EXPECT_EQ(seen["ok-1"], 1);
  EXPECT_EQ(seen["ok-3"], 1);
  EXPECT_EQ(seen["bad-0"], 2);  // once from work, once from work.retry.1s
  EXPECT_EQ(seen["bad-2"], 2);
  auto retried = read_json_topic(*this, "work.retry.1s");
  EXPECT_EQ(retried.size(), 2u);
  auto dlq = read_json_topic(*this, "work.dlq");
  ASSERT_EQ(dlq.size(), 2u);
  for (const auto& r : dlq) {
    std::map<std::string, std::string> h;
    for (const auto& pair : r["headers"]) h[pair[0].get<std::string>()] = pair[1].get<std::string>();
    EXPECT_EQ(h["streamdown.source.topic"], "work") << r.dump();
    EXPECT_EQ(h["streamdown.attempts"], "2") << r.dump();
  }
  EXPECT_EQ(committed_offsets(broker->bootstrap(), "retriers", "work", 2),
            high_watermarks(broker->bootstrap(), "work", 2));
}

TEST_F(tools_exec, retry_chain_delays_each_stage_on_the_broker_without_blocking_the_partition) {
  if (!has_groups()) GTEST_SKIP() << "broker does not advertise consumer-group APIs (JoinGroup)";
  create_topic(broker->bootstrap(), "chain", 1);
  // "poison" fails on the topic and on its first retry topic, and succeeds on the second; the 20 records
  // behind it (other keys, same partition) succeed at once.
  const std::string chain_log = dir.file("chain.log");
  const std::string chain_script = dir.file("chain.sh");
  write_file(chain_script,
             "v=$(cat)\n"
             "echo \"$(date +%s%3N) $STREAMDOWN_TOPIC $v\" >> " + chain_log + "\n"
             "[ \"$v\" != poison ] || [ \"$STREAMDOWN_TOPIC\" = chain.retry.2s ]\n");
  std::string in = "p poison\n";
  for (int i = 0; i < 20; ++i) in += "k" + std::to_string(i) + " ok-" + std::to_string(i) + "\n";
  ASSERT_TRUE(tool({"produce", "-t", "chain", "-K", " "}, in).exit.clean());
  auto run = tool({"consume", "-t", "chain", "-g", "chainers", "--from-beginning", "--exit-at-end", "--exec",
                   "sh " + chain_script, "--max-attempts", "1", "--retry-delays", "1s", "2s"});
  ASSERT_TRUE(run.exit.clean()) << run.describe();

  std::vector<std::int64_t> poison_at;  // ms, per stage
  std::vector<std::string> poison_topic;
  std::map<std::string, std::int64_t> ok_at;
  for (const auto& l : split_lines(read_file(chain_log))) {
    std::istringstream line(l);
    std::int64_t ms = 0;
    std::string topic, value;
    line >> ms >> topic >> value;
    if (value == "poison") {
      poison_at.push_back(ms);
      poison_topic.push_back(topic);
    } else {
      EXPECT_EQ(topic, "chain");
      EXPECT_TRUE(ok_at.emplace(value, ms).second) << value << " processed twice";
    }
  }
  ASSERT_EQ(poison_at.size(), 3u) << read_file(chain_log);
  EXPECT_EQ(poison_topic, (std::vector<std::string>{"chain", "chain.retry.1s", "chain.retry.2s"}));
  // Each retry comes after its delay (the broker held it: the retry topics carry the delivery delay) ...
  EXPECT_GE(poison_at[1] - poison_at[0], 1000);
  EXPECT_GE(poison_at[2] - poison_at[1], 2000);
  EXPECT_LT(poison_at[2] - poison_at[0], 3000 + 10000) << "retries far later than their delays";
  // ... while everything behind the poison record was processed before its first retry.
  ASSERT_EQ(ok_at.size(), 20u);
  for (const auto& [value, ms] : ok_at) EXPECT_LT(ms, poison_at[1]) << value << " waited for the poison record";
  for (const std::string t : {"chain.retry.1s", "chain.retry.2s"}) {
    auto d = tool({"topic", "describe", t});
    ASSERT_TRUE(d.exit.clean()) << d.describe();
    const std::string want = t.ends_with("1s") ? "1000" : "2000";
    EXPECT_NE(d.out.find("streamdown.delivery.delay.ms"), std::string::npos) << d.out;
    EXPECT_NE(d.out.find(want), std::string::npos) << d.out;
  }
  EXPECT_TRUE(read_json_topic(*this, "chain.dlq").empty());
}

TEST_F(tools_exec, kill_and_restart_loses_nothing_and_repeats_only_uncommitted) {
  if (!has_groups()) GTEST_SKIP() << "broker does not advertise consumer-group APIs (JoinGroup)";
  create_topic(broker->bootstrap(), "work", 2);
  const int n = scaled(200, 3000);
  std::string in;
  for (int i = 0; i < n; ++i) in += "k" + std::to_string(i % 13) + " v" + std::to_string(i) + "\n";
  ASSERT_TRUE(tool({"produce", "-t", "work", "-K", " "}, in).exit.clean());
  auto args = with_conn({"consume", "-t", "work", "-g", "restart", "--from-beginning", "--exec", "sh " + script,
                         "--parallel", "2", "-X", "session.timeout.ms=6000"});
  pid_t pid = start_tool(dir, args, "run1.out", {{"RUN", "1"}, {"SLOW", "0.01"}});
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  while (read_log().size() < static_cast<std::size_t>(n / 4) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  ::kill(pid, SIGKILL);
  auto ended = wait_for_exit(pid, 30s);
  ASSERT_FALSE(ended.timed_out);
  std::this_thread::sleep_for(500ms);  // commits already sent reach the broker before we read them
  const auto committed = committed_offsets(broker->bootstrap(), "restart", "work", 2);
  const auto first = read_log();
  ASSERT_LT(first.size(), static_cast<std::size_t>(n)) << "killed too late to test anything";

  auto second = run_tool(dir, with_conn({"consume", "-t", "work", "-g", "restart", "--from-beginning", "--exit-at-end", "--exec",
                                         "sh " + script, "-X", "session.timeout.ms=6000"}),
                         "", 300s, {{"RUN", "2"}});
  ASSERT_TRUE(second.exit.clean()) << second.describe();
  std::set<std::pair<int, std::int64_t>> run1, run2, all;
  for (const auto& l : read_log()) {
    auto& target = l.run == "1" ? run1 : run2;
    EXPECT_TRUE(target.insert({l.partition, l.offset}).second || l.run == "1")
        << "run 2 processed " << l.partition << "/" << l.offset << " twice";
    all.insert({l.partition, l.offset});
  }
  const auto hw = high_watermarks(broker->bootstrap(), "work", 2);
  EXPECT_EQ(all.size(), static_cast<std::size_t>(hw[0] + hw[1])) << "records lost";
  // Run 2 processed exactly the records at or past the committed offsets.
  std::set<std::pair<int, std::int64_t>> expected2;
  for (int p = 0; p < 2; ++p)
    for (std::int64_t o = std::max<std::int64_t>(committed[p], 0); o < hw[p]; ++o) expected2.insert({p, o});
  EXPECT_EQ(run2, expected2);
  EXPECT_EQ(committed_offsets(broker->bootstrap(), "restart", "work", 2), hw);
}

}  // namespace
}  // namespace sd::itest
