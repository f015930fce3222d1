// Fetch record data leaves the log files by sendfile or through a staging buffer
// (streamdown.fetch.send.mode). A librdkafka consumer must read every record byte for byte either way, and
// /metrics must show the method the mode chose (auto copies to loopback clients, which these are).
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "support/broker_process.h"
#include "support/http_client.h"
#include "support/kafka_client.h"
#include "support/prometheus_text.h"
#include "support/test_env.h"

namespace sd::itest {
namespace {

namespace prom = sd::testing::prom;

struct mode_case {
  std::string mode;
  std::string expected_method;  // the one that must carry the data; the other must stay 0
};

void PrintTo(const mode_case& c, std::ostream* os) { *os << c.mode; }

class FetchSendMode : public ::testing::TestWithParam<mode_case> {};

TEST_P(FetchSendMode, ConsumerReadsEveryRecordByteForByte) {
  broker_config cfg;
  cfg.sets = {{"streamdown.fetch.send.mode", GetParam().mode}};
  broker_process broker(cfg);
  broker.start();
  const std::string topic = "send-" + GetParam().mode;
  const int partitions = 3;
  create_topic(broker.bootstrap(), topic, partitions);

  // Values from 1 byte to 300 KB, random bytes, so batches and fetch responses cross the staging buffer's
  // 1 MiB in many places.
  const int n = scaled(400, 3000);
  std::mt19937 rng(11);
  std::map<std::string, std::string> value_of;
  std::vector<message_spec> messages;
  std::uint64_t value_bytes = 0;
  for (int i = 0; i < n; ++i) {
    std::size_t size = i % 50 == 0 ? 300000 : 1 + rng() % 4000;
    std::string v(size, '\0');
    for (auto& c : v) c = static_cast<char>(rng());
    std::string key = "k" + std::to_string(i);
    value_of[key] = v;
    value_bytes += size;
    messages.push_back({key, std::move(v), -1});
  }
  auto produced = produce_and_wait(broker.bootstrap(), topic, messages, {{"linger.ms", "20"}, {"acks", "all"}});
  ASSERT_EQ(produced.ok.size(), static_cast<std::size_t>(n)) << produced.first_error();

  consume_options opts;
  opts.expected = n;
  auto got = consume(broker.bootstrap(), topic, partitions_upto(partitions), opts);
  ASSERT_EQ(got.size(), static_cast<std::size_t>(n)) << broker.diagnostics();
  std::map<std::int32_t, std::int64_t> next_offset;
  for (const auto& c : got) {
    ASSERT_TRUE(c.key.has_value());
    EXPECT_EQ(c.offset, next_offset[c.partition]++) << "partition " << c.partition;
    auto it = value_of.find(*c.key);
    ASSERT_NE(it, value_of.end()) << *c.key;
    ASSERT_TRUE(it->second == c.value) << "value of " << *c.key << " differs (" << c.value.size() << " bytes read, "
                                       << it->second.size() << " produced)";
    value_of.erase(it);  // read once
  }
  EXPECT_TRUE(value_of.empty());

  auto reply = http_get(broker.http_port(), "/metrics");
  ASSERT_EQ(reply.status, 200);
  auto page = prom::parse(reply.body);
  const std::string other = GetParam().expected_method == "copy" ? "sendfile" : "copy";
  EXPECT_GE(page.value("streamdown_net_file_sent_bytes_total", {{"method", GetParam().expected_method}}).value_or(0),
            static_cast<double>(value_bytes));
  EXPECT_EQ(page.value("streamdown_net_file_sent_bytes_total", {{"method", other}}).value_or(-1), 0.0);
}

INSTANTIATE_TEST_SUITE_P(Modes, FetchSendMode,
                         ::testing::Values(mode_case{"sendfile", "sendfile"}, mode_case{"copy", "copy"},
                                           mode_case{"auto", "copy"}),
                         [](const auto& test_info) { return test_info.param.mode; });

TEST(FetchSendModeConfig, AnUnknownModeStopsStartUpNamingTheKey) {
  broker_config cfg;
  cfg.sets = {{"streamdown.fetch.send.mode", "zerocopy"}};
  broker_process broker(cfg);
  EXPECT_THROW(broker.start(), harness_error);
  EXPECT_NE(broker.stderr_text().find("streamdown.fetch.send.mode"), std::string::npos) << broker.diagnostics();
}

}  // namespace
}  // namespace sd::itest
