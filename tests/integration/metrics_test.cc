// GET /metrics against the real broker: produce and consume with librdkafka, then check the counters
// against what was sent, with the page validated by the strict Prometheus text parser
// (tests/support/prometheus_text.h). Sizes scale with STREAMDOWN_TEST_SCALE.
#include <gtest/gtest.h>

#include <thread>

#include "support/broker_process.h"
#include "support/http_client.h"
#include "support/kafka_client.h"
#include "support/prometheus_text.h"
#include "support/raw_client.h"
#include "support/test_env.h"
#include "support/wire.h"

namespace sd::itest {
namespace {

using namespace std::chrono_literals;
namespace prom = sd::testing::prom;

/// Scrapes /metrics and parses it strictly (a parse error fails the test with the page's line).
prom::exposition scrape(const broker_process& broker) {
  auto reply = http_get(broker.http_port(), "/metrics");
  EXPECT_EQ(reply.status, 200) << broker.diagnostics();
  try {
    return prom::parse(reply.body);
  } catch (const prom::parse_error& e) {
    ADD_FAILURE() << "invalid exposition: " << e.what() << "\n" << reply.body;
    return {};
  }
}

double value_or_zero(const prom::exposition& page, const std::string& name, const prom::label_set& labels) {
  return page.value(name, labels).value_or(0);
}

/// Waits until the broker reports no open Kafka connection; returns the last page.
prom::exposition wait_connections_closed(const broker_process& broker) {
  auto deadline = std::chrono::steady_clock::now() + 20s;
  for (;;) {
    auto page = scrape(broker);
    if (page.value("streamdown_net_connections_open") == 0.0 || std::chrono::steady_clock::now() > deadline)
      return page;
    std::this_thread::sleep_for(50ms);
  }
}

TEST(Metrics, CountersMatchWhatWasProducedAndConsumed) {
  broker_process broker;
  broker.start();
  const std::string topic = "metrics-traffic";
  const int partitions = 2;
  create_topic(broker.bootstrap(), topic, partitions);

  const int n = scaled(300, 5000);
  const std::size_t value_size = 200;
  std::vector<message_spec> messages;
  for (int i = 0; i < n; ++i)
    messages.push_back(
        {"key-" + std::to_string(i), std::string(value_size, static_cast<char>('a' + i % 26)), -1});
  auto produced = produce_and_wait(broker.bootstrap(), topic, messages,
                                   {{"acks", "all"}, {"enable.idempotence", "true"}, {"linger.ms", "5"}});
  ASSERT_EQ(produced.ok.size(), static_cast<std::size_t>(n)) << produced.first_error();

  consume_options opts;
  opts.expected = n;
  auto got = consume(broker.bootstrap(), topic, partitions_upto(partitions), opts);
  ASSERT_EQ(got.size(), static_cast<std::size_t>(n));

  auto page = wait_connections_closed(broker);
  const prom::label_set t{{"topic", topic}};
  EXPECT_EQ(page.value("streamdown_broker_produced_records_total", t), static_cast<double>(n));
  EXPECT_GE(value_or_zero(page, "streamdown_broker_fetched_records_total", t), n);
  EXPECT_GE(value_or_zero(page, "streamdown_broker_produced_bytes_total", t),
            static_cast<double>(n) * value_size);
  EXPECT_GE(value_or_zero(page, "streamdown_broker_fetched_bytes_total", t),
            static_cast<double>(n) * value_size);

  const prom::label_set produce{{"api", "Produce"}};
  auto produce_requests = value_or_zero(page, "streamdown_broker_requests_total", produce);
  EXPECT_GT(produce_requests, 0);
  EXPECT_EQ(page.value("streamdown_broker_request_latency_seconds_count", produce), produce_requests);
  EXPECT_GT(value_or_zero(page, "streamdown_broker_requests_total", {{"api", "Fetch"}}), 0);
  EXPECT_GT(value_or_zero(page, "streamdown_broker_requests_total", {{"api", "Metadata"}}), 0);

  // acks=all waited for fdatasync.
  EXPECT_GT(value_or_zero(page, "streamdown_storage_fsync_duration_seconds_count", {}), 0);
  EXPECT_GT(value_or_zero(page, "streamdown_storage_fsyncs_total", {}), 0);
  EXPECT_GT(value_or_zero(page, "streamdown_storage_flusher_rounds_total", {}), 0);
  ASSERT_TRUE(page.value("streamdown_storage_flusher_gathers_total").has_value());
  EXPECT_LE(*page.value("streamdown_storage_flusher_gathers_total"),
            value_or_zero(page, "streamdown_storage_flusher_rounds_total", {}));
  EXPECT_GT(page.sum("streamdown_storage_log_size_bytes", t), static_cast<double>(n) * value_size);
  EXPECT_GE(page.sum("streamdown_storage_log_segments", t), partitions);
  EXPECT_EQ(page.sum("streamdown_storage_log_end_offset", t), static_cast<double>(n));

  // The idempotent producer left its state on the partitions it wrote to.
  EXPECT_GE(page.sum("streamdown_producer_state_entries", t), 1);

  // Every connection was counted in and out.
  EXPECT_EQ(page.value("streamdown_net_connections_open"), 0.0);
  EXPECT_GT(value_or_zero(page, "streamdown_net_connections_accepted_total", {}), 0);
  EXPECT_EQ(page.value("streamdown_net_connections_accepted_total"),
            page.value("streamdown_net_connections_closed_total"));
  EXPECT_GT(value_or_zero(page, "streamdown_net_received_bytes_total", {}),
            static_cast<double>(n) * value_size);
}

TEST(Metrics, AnErrorIsCountedOncePerApiAndCode) {
  broker_process broker;
  broker.start();
  const std::string topic = "metrics-errors";
  create_topic(broker.bootstrap(), topic, 1);
  const prom::label_set err{{"api", "Produce"}, {"error", "UNKNOWN_TOPIC_OR_PARTITION"}};
  auto before = value_or_zero(scrape(broker), "streamdown_broker_errors_total", err);

  // Partition 7 does not exist: the broker answers UNKNOWN_TOPIC_OR_PARTITION for it.
  raw_client client(broker.kafka_port());
  auto batch = wire::record_batch({{std::string("k"), std::string("v")}}, 1700000000000);
  auto body = wire::produce_v3_body(topic, 7, 1, 5000, batch);
  ASSERT_TRUE(client.send_all(wire::request_frame(0, 3, 42, "metrics-test", body)));
  auto reply = client.receive_frame(10s);
  ASSERT_EQ(reply.st, raw_client::status::frame);
  auto parsed = wire::parse_produce_v3(reply.payload);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->error_code, 3);

  // The connection is still open: the gauge sees it.
  auto page = scrape(broker);
  EXPECT_GE(value_or_zero(page, "streamdown_net_connections_open", {}), 1);
  EXPECT_EQ(value_or_zero(page, "streamdown_broker_errors_total", err), before + 1);
  EXPECT_EQ(value_or_zero(page, "streamdown_broker_errors_total",
                          {{"api", "Produce"}, {"error", "CORRUPT_MESSAGE"}}),
            0);
}

TEST(Metrics, ConnectionsGaugeFallsWhenClientsClose) {
  broker_process broker;
  broker.start();
  {
    raw_client a(broker.kafka_port());
    raw_client b(broker.kafka_port());
    // An ApiVersions round trip on each, so both are accepted before the scrape.
    for (auto* c : {&a, &b}) {
      ASSERT_TRUE(c->send_all(wire::request_frame(18, 0, 1, "metrics-test", {})));
      ASSERT_EQ(c->receive_frame(10s).st, raw_client::status::frame);
    }
    EXPECT_EQ(scrape(broker).value("streamdown_net_connections_open"), 2.0);
  }
  auto page = wait_connections_closed(broker);
  EXPECT_EQ(page.value("streamdown_net_connections_open"), 0.0);
  EXPECT_EQ(page.value("streamdown_net_connections_closed_total"), 2.0);
  EXPECT_EQ(value_or_zero(page, "streamdown_broker_requests_total", {{"api", "ApiVersions"}}), 2);
}

}  // namespace
}  // namespace sd::itest
