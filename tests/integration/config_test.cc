// Start-up configuration errors: unknown keys and bad values stop the broker with a message naming the key;
// a second broker on a data directory in use fails clearly (the data-dir lock) and the first keeps serving.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

#include "support/broker_process.h"
#include "support/kafka_client.h"
#include "support/payload.h"

namespace sd::itest {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

broker_run_result run_with_set(const std::string& kv) {
  temp_dir d("sd-config");
  return run_broker_to_exit({"broker", "--data-dir", d.file("data"), "--kafka-addr", "127.0.0.1:0", "--http-addr",
                             "127.0.0.1:0", "--set", kv},
                            {}, std::chrono::seconds(30));
}

void expect_refused(const broker_run_result& r, const std::string& key) {
  std::string out = r.stdout_text + r.stderr_text;
  EXPECT_FALSE(r.exit.timed_out) << "broker kept running with a bad configuration; output:\n" << tail(out);
  EXPECT_FALSE(r.exit.clean()) << "exit 0 with a bad configuration; output:\n" << tail(out);
  EXPECT_TRUE(r.exit.exited) << r.exit.describe() << " (a crash is not a clear message)\n" << tail(out);
  EXPECT_EQ(r.stdout_text.find("listening kafka="), std::string::npos) << "it started listening:\n" << tail(out);
  EXPECT_NE(out.find(key), std::string::npos) << "the message does not name " << key << ":\n" << tail(out);
}

TEST(Config, UnknownSetKeyIsRefused) { expect_refused(run_with_set("no.such.key=1"), "no.such.key"); }

TEST(Config, BadNumberIsRefused) { expect_refused(run_with_set("num.partitions=many"), "num.partitions"); }

TEST(Config, BadBooleanIsRefused) {
  expect_refused(run_with_set("auto.create.topics.enable=perhaps"), "auto.create.topics.enable");
}

TEST(Config, NegativeSizeIsRefused) { expect_refused(run_with_set("message.max.bytes=-5"), "message.max.bytes"); }

TEST(Config, MalformedSetIsRefused) {
  auto r = run_with_set("num.partitions");  // no '='
  EXPECT_FALSE(r.exit.timed_out);
  EXPECT_FALSE(r.exit.clean()) << tail(r.stdout_text + r.stderr_text);
}

TEST(Config, UnknownKeyInConfigFileIsRefused) {
  temp_dir d("sd-config");
  write_file(d.file("broker.toml"), "\"no.such.file.key\" = 7\n");
  auto r = run_broker_to_exit({"broker", "--config", d.file("broker.toml"), "--data-dir", d.file("data"),
                               "--kafka-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"},
                              {}, std::chrono::seconds(30));
  expect_refused(r, "no.such.file.key");
}

TEST(Config, ValidSetsAreAccepted) {
  broker_config cfg;
  cfg.sets = {{"num.partitions", "4"}, {"auto.create.topics.enable", "true"}, {"message.max.bytes", "2000000"}};
  broker_process b(cfg);
  b.start();
  // Auto-creation with num.partitions=4 is observable through Metadata.
  auto s = produce_and_wait(b.bootstrap(), "cfg-topic", {{std::string("k"), "v", -1}});
  EXPECT_TRUE(s.failed.empty()) << s.first_error();
  EXPECT_EQ(partition_count(b.bootstrap(), "cfg-topic"), 4);
  b.stop();
}

TEST(Config, EveryDocumentedKeyIsAccepted) {
  // Every key the issue lists, each with a valid value: the broker starts and serves.
  broker_config cfg;
  cfg.sets = {{"auto.create.topics.enable", "true"},
              {"num.partitions", "2"},
              {"default.replication.factor", "1"},
              {"message.max.bytes", "2097152"},
              {"log.segment.bytes", "1048576"},
              {"log.retention.ms", "604800000"},
              {"log.retention.bytes", "-1"},
              {"group.initial.rebalance.delay.ms", "0"},
              {"socket.request.max.bytes", "52428800"},
              {"streamdown.memory.budget.bytes", "67108864"}};
  broker_process b(cfg);
  b.start();
  // message.max.bytes=2 MiB: a 1.5 MB record is accepted (over the 1048588 default).
  auto s = produce_and_wait(b.bootstrap(), "all-keys", {{std::string("k"), make_value(3, 1'500'000), 0}},
                            {{"acks", "all"}, {"message.max.bytes", "3000000"}});
  EXPECT_TRUE(s.failed.empty()) << s.first_error();
  EXPECT_EQ(partition_count(b.bootstrap(), "all-keys"), 2);
  auto got = consume(b.bootstrap(), "all-keys", {0}, {.expected = 1, .overrides = {{"fetch.message.max.bytes", "4000000"}}});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].value == make_value(3, 1'500'000));
  b.stop();
}

TEST(Config, AutoCreateIsOnByDefault) {
  broker_process b;
  b.start();
  auto s = produce_and_wait(b.bootstrap(), "made-on-first-use", {{std::string("k"), "v", -1}}, {{"acks", "all"}});
  EXPECT_TRUE(s.failed.empty()) << s.first_error();
  EXPECT_GE(partition_count(b.bootstrap(), "made-on-first-use"), 1);
  b.stop();
}

TEST(Config, AutoCreateCanBeDisabled) {
  broker_config cfg;
  cfg.sets = {{"auto.create.topics.enable", "false"}};
  broker_process b(cfg);
  b.start();
  auto s = produce_and_wait(b.bootstrap(), "never-created", {{std::string("k"), "v", -1}},
                            {{"message.timeout.ms", "5000"}}, std::chrono::seconds(30));
  EXPECT_EQ(s.ok.size(), 0u) << "produce to a missing topic succeeded with auto-creation off";
  EXPECT_THROW(partition_count(b.bootstrap(), "never-created"), harness_error);
  create_topic(b.bootstrap(), "made-explicitly", 3);  // explicit creation still works
  EXPECT_EQ(partition_count(b.bootstrap(), "made-explicitly"), 3);
  b.stop();
}

TEST(Config, SecondBrokerOnSameDataDirFails) {
  broker_process first;
  first.start();
  auto before = produce_and_wait(first.bootstrap(), "lock-topic", {{std::string("k"), make_value(1, 100), 0}});
  ASSERT_TRUE(before.failed.empty()) << before.first_error();

  auto r = run_broker_to_exit({"broker", "--data-dir", first.data_dir(), "--kafka-addr", "127.0.0.1:0",
                               "--http-addr", "127.0.0.1:0"},
                              {}, std::chrono::seconds(30));
  std::string out = r.stdout_text + r.stderr_text;
  EXPECT_FALSE(r.exit.timed_out) << "second broker kept running on a locked data dir:\n" << tail(out);
  EXPECT_TRUE(r.exit.exited && r.exit.code != 0) << r.exit.describe() << "\n" << tail(out);
  EXPECT_EQ(r.stdout_text.find("listening kafka="), std::string::npos) << tail(out);
  std::string l = lower(out);
  EXPECT_TRUE(l.find("lock") != std::string::npos || out.find(first.data_dir()) != std::string::npos)
      << "the message names neither the lock nor the data dir:\n" << tail(out);

  // The first broker is untouched: still serving, its data intact.
  ASSERT_TRUE(first.running());
  auto got = consume(first.bootstrap(), "lock-topic", {0}, {.expected = 1});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].value, make_value(1, 100));
  first.stop();
}

}  // namespace
}  // namespace sd::itest
