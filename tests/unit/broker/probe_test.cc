// broker_probe: error codes are counted from every level of a response; latency and request counts agree.
#include "broker/probe.h"

#include <gtest/gtest.h>

#include "broker/kafka_error.h"
#include "protocol/generated/fetch.h"
#include "protocol/generated/produce.h"

namespace sd::broker {
namespace {

constexpr auto produce_key = static_cast<std::size_t>(protocol::api_key::produce);
constexpr auto fetch_key = static_cast<std::size_t>(protocol::api_key::fetch);

TEST(BrokerProbe, CountsEveryPartitionLevelError) {
  broker_probe probe;
  protocol::produce_response r;
  auto& t = r.responses.emplace_back();
  t.partition_responses.resize(3);
  t.partition_responses[0].error_code = code(kafka_error::unknown_topic_or_partition);
  t.partition_responses[1].error_code = 0;
  t.partition_responses[2].error_code = code(kafka_error::unknown_topic_or_partition);
  auto& t2 = r.responses.emplace_back();
  t2.partition_responses.emplace_back().error_code = code(kafka_error::corrupt_message);
  probe.count_errors(r);
  EXPECT_EQ(probe.errors(produce_key, code(kafka_error::unknown_topic_or_partition)), 2u);
  EXPECT_EQ(probe.errors(produce_key, code(kafka_error::corrupt_message)), 1u);
  EXPECT_EQ(probe.errors(produce_key, 0), 0u);  // no error is never counted
  EXPECT_EQ(probe.errors(fetch_key, code(kafka_error::corrupt_message)), 0u);
}

TEST(BrokerProbe, CountsTopLevelAndNestedErrors) {
  broker_probe probe;
  protocol::fetch_response r;
  r.error_code = code(kafka_error::unknown_server_error);
  r.responses.emplace_back().partitions.emplace_back().error_code = code(kafka_error::offset_out_of_range);
  probe.count_errors(r);
  EXPECT_EQ(probe.errors(fetch_key, -1), 1u);
  EXPECT_EQ(probe.errors(fetch_key, code(kafka_error::offset_out_of_range)), 1u);
}

TEST(BrokerProbe, OutOfRangeCodesShareTheLastSlot) {
  EXPECT_EQ(broker_probe::error_slot(-1), 0u);
  EXPECT_EQ(broker_probe::error_slot(0), 1u);
  EXPECT_EQ(broker_probe::error_slot(126), 127u);
  EXPECT_EQ(broker_probe::error_slot(127), broker_probe::error_slots - 1);
  EXPECT_EQ(broker_probe::error_slot(-2), broker_probe::error_slots - 1);
  EXPECT_EQ(broker_probe::error_slot(32767), broker_probe::error_slots - 1);
  broker_probe probe;
  probe.error(produce_key, 500);
  probe.error(1000, 3);  // API key outside the table: ignored, not a crash
  EXPECT_EQ(probe.errors(produce_key, 600), 1u);
}

TEST(BrokerProbe, RequestsAndLatencyCountTogether) {
  broker_probe probe;
  probe.request_done(produce_key, 1'000'000);
  probe.request_done(produce_key, 3'000'000);
  probe.request_done(4096, 1);  // ignored
  EXPECT_EQ(probe.requests(produce_key), 2u);
  EXPECT_EQ(probe.requests(fetch_key), 0u);
}

TEST(BrokerProbe, ErrorLabelsAreKafkaNames) {
  EXPECT_EQ(kafka_error_label(3), "UNKNOWN_TOPIC_OR_PARTITION");
  EXPECT_EQ(kafka_error_label(-1), "UNKNOWN_SERVER_ERROR");
  EXPECT_EQ(kafka_error_label(47), "INVALID_PRODUCER_EPOCH");
  EXPECT_EQ(kafka_error_label(9999), "CODE_9999");
}

}  // namespace
}  // namespace sd::broker
