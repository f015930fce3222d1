// Protocol behaviour real clients depend on, checked with hand-made frames: responses come back in request
// order on a pipelined connection, an acks=0 Produce gets no response (and the next request is still
// answered), and Produce to a partition that does not exist gets UNKNOWN_TOPIC_OR_PARTITION.
#include <gtest/gtest.h>

#include "support/broker_process.h"
#include "support/kafka_client.h"
#include "support/payload.h"
#include "support/raw_client.h"
#include "support/wire.h"

#include <thread>

namespace sd::itest {
namespace {

using namespace std::chrono_literals;

class RawProtocol : public ::testing::Test {
 protected:
  void SetUp() override {
    broker.start();
    create_topic(broker.bootstrap(), topic, 2);
  }
  void TearDown() override {
    if (broker.running()) {
      EXPECT_NO_THROW(broker.stop());
    }
  }
  bytes produce(std::int16_t acks, std::int32_t partition, std::int32_t correlation_id) {
    bytes batch = wire::record_batch({{"a", make_value(1, 10)}, {"b", make_value(2, 20)}}, 1700000000000);
    bytes body = wire::produce_v3_body(topic, partition, acks, 10000, batch);
    return wire::request_frame(wire::api::produce, 3, correlation_id, "sd-itest", body);
  }
  const std::string topic = "raw";
  broker_process broker;
};

TEST_F(RawProtocol, PipelinedRequestsAreAnsweredInOrder) {
  raw_client c(broker.kafka_port());
  bytes all;
  const int n = 30;
  for (int i = 1; i <= n; ++i) {
    bytes f;
    switch (i % 3) {
      case 0: f = wire::request_frame(wire::api::api_versions, 0, i, "sd-itest", {}); break;
      case 1: {
        wire::writer body;
        body.i32(-1);  // Metadata v1: null topics = all topics
        f = wire::request_frame(wire::api::metadata, 1, i, "sd-itest", body.data());
        break;
      }
      default: f = produce(1, 0, i); break;
    }
    all.insert(all.end(), f.begin(), f.end());
  }
  ASSERT_TRUE(c.send_all(all));  // one write: the broker sees them back to back
  for (int i = 1; i <= n; ++i) {
    auto r = c.receive_frame(15s);
    ASSERT_EQ(r.st, raw_client::status::frame) << "response " << i << ": " << to_string(r.st);
    ASSERT_GE(r.payload.size(), 4u);
    EXPECT_EQ(load_be<std::int32_t>(r.payload.data()), i) << "responses out of order";
    if (i % 3 == 2) {
      auto p = wire::parse_produce_v3(r.payload);
      ASSERT_TRUE(p.has_value());
      EXPECT_EQ(p->error_code, 0);
      EXPECT_EQ(p->base_offset, 2 * (i / 3)) << "offsets follow request order";
    }
  }
}

TEST_F(RawProtocol, AcksZeroProduceHasNoResponse) {
  raw_client c(broker.kafka_port());
  ASSERT_TRUE(c.send_all(produce(0, 1, 500)));
  ASSERT_TRUE(c.send_all(wire::request_frame(wire::api::api_versions, 0, 501, "sd-itest", {})));
  auto r = c.receive_frame(15s);
  ASSERT_EQ(r.st, raw_client::status::frame) << to_string(r.st);
  EXPECT_EQ(load_be<std::int32_t>(r.payload.data()), 501) << "an acks=0 Produce was answered";
  // The acks=0 records were still written.
  std::int64_t high = 0;
  for (int i = 0; i < 50 && high < 2; ++i) {
    high = high_watermarks(broker.bootstrap(), topic, 2)[1];
    if (high < 2) std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(high, 2);
}

TEST_F(RawProtocol, ProduceToMissingPartitionIsUnknownTopicOrPartition) {
  raw_client c(broker.kafka_port());
  ASSERT_TRUE(c.send_all(produce(1, 99, 600)));
  auto r = c.receive_frame(15s);
  ASSERT_EQ(r.st, raw_client::status::frame) << to_string(r.st);
  auto p = wire::parse_produce_v3(r.payload);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->correlation_id, 600);
  EXPECT_EQ(p->partition, 99);
  EXPECT_EQ(p->error_code, 3);  // UNKNOWN_TOPIC_OR_PARTITION
  EXPECT_EQ(high_watermarks(broker.bootstrap(), topic, 2), (std::vector<std::int64_t>{0, 0}));
}

}  // namespace
}  // namespace sd::itest
