// ListOffsets through librdkafka (offsetsForTimes, and earliest/latest via query_watermark_offsets): by
// timestamp the answer is the first *record* with timestamp >= the target, also inside a batch and inside a
// compressed batch, as Kafka answers.
#include <gtest/gtest.h>

#include "support/broker_process.h"
#include "support/kafka_client.h"

namespace sd::itest {
namespace {

using namespace std::chrono_literals;

TEST(ListOffsets, ByTimestampFindsTheRecordInsideABatch) {
  broker_process broker(broker_config{});
  broker.start();
  create_topic(broker.bootstrap(), "times", 1);
  for (const char* codec : {"none", "zstd"}) {
    std::string topic = std::string("times-") + codec;
    create_topic(broker.bootstrap(), topic, 1);
    // Ten records with timestamps 1000, 1010, ..., 1090 in one batch (long linger, one flush).
    auto conf = make_conf(client_defaults(broker.bootstrap()));
    std::string err;
    conf->set("linger.ms", "1000", err);
    conf->set("compression.codec", codec, err);
    std::unique_ptr<RdKafka::Producer> p(RdKafka::Producer::create(conf.get(), err));
    ASSERT_TRUE(p) << err;
    for (int i = 0; i < 10; ++i) {
      std::string v = "v" + std::to_string(i);
      ASSERT_EQ(p->produce(topic, 0, RdKafka::Producer::RK_MSG_COPY, v.data(), v.size(), nullptr, 0, 1000 + 10 * i,
                           nullptr),
                RdKafka::ERR_NO_ERROR);
    }
    ASSERT_EQ(p->flush(30000), RdKafka::ERR_NO_ERROR);

    auto lookup = [&](std::int64_t ts) {
      std::vector<RdKafka::TopicPartition*> tps{RdKafka::TopicPartition::create(topic, 0, ts)};
      EXPECT_EQ(p->offsetsForTimes(tps, 10000), RdKafka::ERR_NO_ERROR);
      EXPECT_EQ(tps[0]->err(), RdKafka::ERR_NO_ERROR);
      auto off = tps[0]->offset();
      RdKafka::TopicPartition::destroy(tps);
      return off;
    };
    EXPECT_EQ(lookup(0), 0) << codec;      // before everything: the first record
    EXPECT_EQ(lookup(1000), 0) << codec;   // exact first
    EXPECT_EQ(lookup(1045), 5) << codec;   // between records 4 (1040) and 5 (1050)
    EXPECT_EQ(lookup(1050), 5) << codec;   // exact, mid-batch
    EXPECT_EQ(lookup(1090), 9) << codec;   // exact last
    EXPECT_EQ(lookup(5000), -1) << codec;  // later than every record: Kafka's "no such offset"

    std::int64_t low = -5, high = -5;
    ASSERT_EQ(p->query_watermark_offsets(topic, 0, &low, &high, 10000), RdKafka::ERR_NO_ERROR);
    EXPECT_EQ(low, 0);
    EXPECT_EQ(high, 10);
  }
  broker.stop();
}

}  // namespace
}  // namespace sd::itest
