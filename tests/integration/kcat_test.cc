// kcat (librdkafka's command-line client) against the real broker: -L lists the broker and topics; 100k lines
// produced with -P come back with -C -e -o beginning, in order on one partition, as a multiset across several.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "support/broker_process.h"
#include "support/kafka_client.h"

namespace sd::itest {
namespace {

using namespace std::chrono_literals;

struct kcat_result {
  exit_info exit;
  std::string out;
  std::string err;
};

class Kcat : public ::testing::Test {
 protected:
  void SetUp() override {
    if (kcat_binary().empty()) {
      GTEST_FAIL() << "kcat not found: run scripts/setup";
    }
    broker.start();
  }
  void TearDown() override {
    if (broker.running()) {
      EXPECT_NO_THROW(broker.stop());
    }
  }

  kcat_result kcat(std::vector<std::string> args, const std::string& stdin_path = "",
                   std::chrono::milliseconds timeout = 120s) {
    command cmd;
    cmd.argv = {kcat_binary(), "-b", broker.bootstrap(), "-X", "socket.timeout.ms=10000", "-X", "log_level=4"};
    cmd.argv.insert(cmd.argv.end(), args.begin(), args.end());
    cmd.stdin_path = stdin_path;
    cmd.stdout_path = work.file("kcat.out");
    cmd.stderr_path = work.file("kcat.err");
    kcat_result r;
    r.exit = run_command(cmd, timeout);
    r.out = read_file(cmd.stdout_path);
    r.err = read_file(cmd.stderr_path);
    return r;
  }

  static std::vector<std::string> lines(const std::string& s) {
    std::vector<std::string> v;
    std::istringstream in(s);
    for (std::string l; std::getline(in, l);) v.push_back(l);
    return v;
  }

  // n lines "line-<i>-<filler>", written to a file for kcat's stdin.
  std::vector<std::string> write_lines(const std::string& name, int n) {
    std::vector<std::string> v;
    std::string text;
    for (int i = 0; i < n; ++i) {
      std::string l = "line-" + std::to_string(i) + "-" + std::string(static_cast<std::size_t>(i % 50), 'x');
      text += l + "\n";
      v.push_back(std::move(l));
    }
    write_file(work.file(name), text);
    return v;
  }

  broker_process broker;
  temp_dir work{"sd-kcat"};
};

TEST_F(Kcat, MetadataListsBrokerAndTopics) {
  create_topic(broker.bootstrap(), "listed-a", 3);
  create_topic(broker.bootstrap(), "listed-b", 1);
  auto r = kcat({"-L"});
  ASSERT_TRUE(r.exit.clean()) << r.exit.describe() << "\n" << r.err;
  EXPECT_NE(r.out.find("1 brokers:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("at 127.0.0.1:" + std::to_string(broker.kafka_port())), std::string::npos)
      << "the advertised address is not the one we dialled:\n" << r.out;
  EXPECT_NE(r.out.find("topic \"listed-a\" with 3 partitions"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("topic \"listed-b\" with 1 partitions"), std::string::npos) << r.out;

  auto one = kcat({"-L", "-t", "listed-a"});
  ASSERT_TRUE(one.exit.clean()) << one.err;
  EXPECT_NE(one.out.find("topic \"listed-a\""), std::string::npos);
  EXPECT_EQ(one.out.find("listed-b"), std::string::npos) << "asked for one topic, got others:\n" << one.out;
}

TEST(KcatFlags, NodeIdAndAdvertisedAddressReachMetadata) {
  // --node-id and --advertised-addr are what clients see in Metadata (kcat -L prints the broker list it got
  // from the bootstrap connection, reachable or not).
  ASSERT_FALSE(kcat_binary().empty()) << "kcat not found: run scripts/setup";
  broker_config cfg;
  cfg.extra_args = {"--node-id", "7", "--advertised-addr", "sd-advertised.invalid:19092"};
  broker_process broker(cfg);
  broker.start();
  temp_dir work("sd-kcat");
  command cmd;
  cmd.argv = {kcat_binary(), "-b", broker.bootstrap(), "-L", "-m", "10"};
  cmd.stdout_path = work.file("out");
  cmd.stderr_path = work.file("err");
  exit_info e = run_command(cmd, 60s);
  std::string out = read_file(cmd.stdout_path);
  EXPECT_TRUE(e.clean()) << e.describe() << "\n" << read_file(cmd.stderr_path);
  EXPECT_NE(out.find("broker 7 at sd-advertised.invalid:19092"), std::string::npos) << out;
  broker.stop();
}

TEST_F(Kcat, Produce100kLinesAndConsumeInOrder) {
  // The issue asks for 100k: it is fast, so both scales keep it (large adds more).
  const int n = scaled(100'000, 1'000'000);
  create_topic(broker.bootstrap(), "lines", 1);
  auto sent = write_lines("in.txt", n);
  auto p = kcat({"-P", "-t", "lines", "-p", "0", "-X", "acks=all"}, work.file("in.txt"), 300s);
  ASSERT_TRUE(p.exit.clean()) << "kcat -P: " << p.exit.describe() << "\n" << tail(p.err);

  auto c = kcat({"-C", "-t", "lines", "-e", "-o", "beginning", "-q"}, "", 300s);
  ASSERT_TRUE(c.exit.clean()) << "kcat -C: " << c.exit.describe() << "\n" << tail(c.err);
  auto got = lines(c.out);
  ASSERT_EQ(got.size(), sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) {
    ASSERT_EQ(got[i], sent[i]) << "first difference at line " << i;
  }
  EXPECT_EQ(high_watermarks(broker.bootstrap(), "lines", 1)[0], n);
}

TEST_F(Kcat, KeyedLinesOverPartitionsComeBackComplete) {
  const int n = scaled(20'000, 200'000);
  create_topic(broker.bootstrap(), "keyed", 3);
  std::string text;
  std::vector<std::string> sent;
  for (int i = 0; i < n; ++i) {
    std::string k = "k" + std::to_string(i % 97);
    std::string v = "v" + std::to_string(i);
    text += k + ":" + v + "\n";
    sent.push_back(k + ":" + v);
  }
  write_file(work.file("keyed.txt"), text);
  auto p = kcat({"-P", "-t", "keyed", "-K", ":", "-z", "snappy"}, work.file("keyed.txt"), 300s);
  ASSERT_TRUE(p.exit.clean()) << p.exit.describe() << "\n" << tail(p.err);

  // Key:value:partition, to check that one key stays in one partition.
  auto c = kcat({"-C", "-t", "keyed", "-e", "-o", "beginning", "-q", "-f", "%k:%s:%p\\n"}, "", 300s);
  ASSERT_TRUE(c.exit.clean()) << c.exit.describe() << "\n" << tail(c.err);
  std::vector<std::string> got;
  std::map<std::string, std::string> key_partition;
  std::map<std::string, long> last_seq;
  for (const auto& l : lines(c.out)) {
    auto last = l.rfind(':');
    ASSERT_NE(last, std::string::npos) << l;
    std::string kv = l.substr(0, last), part = l.substr(last + 1);
    std::string key = kv.substr(0, kv.find(':'));
    auto [it, fresh] = key_partition.emplace(key, part);
    EXPECT_EQ(it->second, part) << "key " << key << " in two partitions";
    long seq = std::stol(kv.substr(kv.find(':') + 2));
    auto ls = last_seq.find(key);
    if (ls != last_seq.end()) {
      EXPECT_GT(seq, ls->second) << "key " << key << " out of order";
    }
    last_seq[key] = seq;
    got.push_back(kv);
  }
  std::sort(got.begin(), got.end());
  std::sort(sent.begin(), sent.end());
  EXPECT_EQ(got, sent);
}

}  // namespace
}  // namespace sd::itest
