// Delayed delivery (streamdown.delivery.delay.ms): records are not fetched before their delay, arrive in
// order after it (librdkafka's consumer, kcat), ListOffsets latest is the delivery end, a long-polling Fetch
// wakes within 50 ms of the due time, and a restart (kill -9 or clean) keeps records still inside their delay
// hidden.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <chrono>
#include <thread>

#include "protocol/generated/fetch.h"
#include "protocol/record_batch.h"
#include "support/broker_process.h"
#include "support/codec_conn.h"
#include "support/http_client.h"
#include "support/kafka_client.h"
#include "support/process.h"
#include "support/test_env.h"

namespace sd::itest {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

constexpr std::int64_t delay_ms = 2000;

void create_delayed(broker_process& b, const std::string& topic, int partitions = 1, std::int64_t delay = delay_ms) {
  codec_conn c(b.kafka_port());
  auto r = create_topic_v7(c, topic, partitions, {{"streamdown.delivery.delay.ms", std::to_string(delay)}});
  ASSERT_EQ(r.error_code, 0) << r.error_message.value_or("");
}

/// One record k=v whose CreateTime is 1 ms after the epoch (a due time must never come from it).
sd::bytes one_record_batch_from_1970() {
  protocol::record rec;
  rec.key = bytes{'k'};
  rec.value = bytes{'v'};
  rec.timestamp = 1;
  auto batch = protocol::build_batch(std::span(&rec, 1));
  EXPECT_TRUE(batch);
  return batch ? std::move(*batch) : sd::bytes{};
}

/// librdkafka's consumer on partition 0 from the beginning, waiting (up to 30 s) for `n` records.
std::vector<consumed> consume_waiting(broker_process& b, const std::string& topic, std::int64_t n) {
  consume_options o;
  o.expected = n;
  o.stop_at_eof = false;
  o.timeout = 30s;
  return consume(b.bootstrap(), topic, {0}, o);
}

std::vector<std::string> kcat_read_all(broker_process& b, const std::string& topic) {
  temp_dir d("sd-kcat-delay");
  command cmd;
  cmd.argv = {kcat_binary(), "-b", b.bootstrap(), "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%s\\n"};
  cmd.stdout_path = d.file("out");
  auto e = run_command(cmd, 30s);
  EXPECT_TRUE(e.clean()) << e.describe();
  std::vector<std::string> lines;
  std::string text = read_file(cmd.stdout_path), line;
  for (char ch : text) {
    if (ch == '\n') {
      lines.push_back(line);
      line.clear();
    } else {
      line += ch;
    }
  }
  return lines;
}

TEST(DeliveryDelay, NotFetchedBeforeTheDelayThenAllInOrder) {
  ASSERT_FALSE(kcat_binary().empty()) << "kcat not found: run scripts/setup";
  broker_process broker;
  broker.start();
  create_delayed(broker, "later");

  // A librdkafka consumer polls from the beginning while the records are produced.
  std::vector<consumed> got;
  steady::time_point produced_at;
  std::vector<steady::time_point> received_at;
  std::thread consumer([&] {
    got = consume_waiting(broker, "later", 10);
    received_at.push_back(steady::now());
  });
  std::this_thread::sleep_for(500ms);  // the consumer is polling
  const auto send = steady::now();
  std::vector<message_spec> msgs;
  for (int i = 0; i < 10; ++i) msgs.push_back({"k" + std::to_string(i % 3), "v" + std::to_string(i), 0});
  auto sum = produce_and_wait(broker.bootstrap(), "later", msgs, {{"linger.ms", "0"}});
  ASSERT_TRUE(sum.failed.empty()) << sum.first_error();
  produced_at = steady::now();

  // Right after the acknowledgement: nothing visible, and latest is still 0.
  EXPECT_EQ(high_watermarks(broker.bootstrap(), "later", 1)[0], 0);
  EXPECT_TRUE(kcat_read_all(broker, "later").empty());

  consumer.join();
  ASSERT_EQ(got.size(), 10u);
  EXPECT_GE(received_at[0] - send, std::chrono::milliseconds(delay_ms)) << "delivered before the delay";
  EXPECT_LT(received_at[0] - produced_at, std::chrono::milliseconds(delay_ms + 3000));
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(got[i].offset, i);
    EXPECT_EQ(got[i].value, "v" + std::to_string(i));
  }
  // After the delay kcat and ListOffsets see everything, in order.
  auto lines = kcat_read_all(broker, "later");
  ASSERT_EQ(lines.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(lines[i], "v" + std::to_string(i));
  EXPECT_EQ(high_watermarks(broker.bootstrap(), "later", 1)[0], 10);
  auto metrics = http_get(broker.http_port(), "/metrics");
  EXPECT_EQ(metric_value(metrics.body, "streamdown_delivery_records_not_due{topic=\"later\"}"), 0.0);
}

TEST(DeliveryDelay, ALongPollWakesWithin50msOfTheDueTime) {
  broker_process broker;
  broker.start();
  create_delayed(broker, "wake");
  codec_conn producer(broker.kafka_port());
  codec_conn fetcher(broker.kafka_port(), {}, {}, 20s);
  std::vector<std::int64_t> late_ms;
  for (int trial = 0; trial < 5; ++trial) {
    auto batch = one_record_batch_from_1970();
    const auto send = steady::now();
    auto pr = produce_batch(producer, "wake", 0, batch, 1, 9);
    const auto ack = steady::now();
    ASSERT_EQ(pr.error_code, 0);
    // A Fetch that may wait 10 s for one byte, from the new record's offset.
    protocol::fetch_request req;
    req.max_wait_ms = 10000;
    req.min_bytes = 1;
    req.max_bytes = 1 << 20;
    auto& t = req.topics.emplace_back();
    t.topic = "wake";
    auto& fp = t.partitions.emplace_back();
    fp.partition = 0;
    fp.fetch_offset = pr.base_offset;
    fp.partition_max_bytes = 1 << 20;
    auto resp = fetcher.call<protocol::fetch_response>(req, 11);
    const auto answered = steady::now();
    ASSERT_EQ(resp.responses.at(0).partitions.at(0).error_code, 0);
    ASSERT_GT(resp.responses[0].partitions[0].records.size(), 0u) << "the long poll ended without the record";
    EXPECT_GE(answered - send, std::chrono::milliseconds(delay_ms)) << "trial " << trial << ": served early";
    // The record was appended before `ack`, so it was due by ack + delay at the latest.
    late_ms.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(answered - ack).count() - delay_ms);
  }
  std::sort(late_ms.begin(), late_ms.end());
  std::string seen;
  for (auto v : late_ms) seen += std::to_string(v) + " ";
  std::printf("long-poll answer after (acknowledgement + delay), ms, sorted: %s\n", seen.c_str());
  EXPECT_LE(late_ms[late_ms.size() / 2], 50) << "median wake-up later than 50 ms after the due time";
  EXPECT_LE(late_ms.back(), 250) << "a wake-up far later than the due time";
}

TEST(DeliveryDelay, ARestartKeepsRecordsInsideTheirDelayHidden) {
  broker_process broker;
  broker.start();
  create_delayed(broker, "restarted");
  std::vector<message_spec> msgs;
  for (int i = 0; i < 5; ++i) msgs.push_back({"k", "v" + std::to_string(i), 0});
  const auto send = steady::now();
  auto sum = produce_and_wait(broker.bootstrap(), "restarted", msgs, {{"linger.ms", "0"}});
  ASSERT_TRUE(sum.failed.empty()) << sum.first_error();
  broker.kill9();
  broker.start();
  const auto hw = high_watermarks(broker.bootstrap(), "restarted", 1)[0];
  if (steady::now() - send < std::chrono::milliseconds(delay_ms - 200)) {
    EXPECT_EQ(hw, 0) << "records inside their delay became visible at the restart";
  }
  auto got = consume_waiting(broker, "restarted", 5);
  ASSERT_EQ(got.size(), 5u);
  EXPECT_GE(steady::now() - send, std::chrono::milliseconds(delay_ms));
}

TEST(DeliveryDelay, ACleanRestartKeepsTheDueTimesOfRecordsWithOldTimestamps) {
  // A record whose CreateTime is ancient: only the due time saved at the clean shutdown (not its timestamp)
  // keeps it hidden across the restart, and it is served once that time comes.
  constexpr std::int64_t long_delay_ms = 5000;
  broker_process broker;
  broker.start();
  create_delayed(broker, "saved", 1, long_delay_ms);
  codec_conn producer(broker.kafka_port());
  auto batch = one_record_batch_from_1970();
  const auto send = steady::now();
  ASSERT_EQ(produce_batch(producer, "saved", 0, batch, 1, 9).error_code, 0);
  broker.restart();
  const auto hw = high_watermarks(broker.bootstrap(), "saved", 1)[0];
  const auto after_restart = steady::now() - send;
  ASSERT_LT(after_restart, std::chrono::milliseconds(long_delay_ms - 500)) << "restart too slow to tell";
  EXPECT_EQ(hw, 0) << "a record inside its delay became visible at a clean restart";
  EXPECT_FALSE(std::filesystem::exists(broker.data_dir() + "/saved-0/delivery-schedule")) << "file not consumed";
  auto got = consume_waiting(broker, "saved", 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_GE(steady::now() - send, std::chrono::milliseconds(long_delay_ms));
}

}  // namespace
}  // namespace sd::itest
