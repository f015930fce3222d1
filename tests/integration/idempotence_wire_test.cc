// Idempotent Produce at the protocol level: hand-built Produce v3 requests whose RecordBatch v2 carries a
// producer id, epoch and base sequence, sent to the real broker, each getting the answer Kafka gives:
// a retry of one of the last five batches succeeds with its ORIGINAL base offset and appends nothing; a gap
// or a new epoch not starting at 0 is OUT_OF_ORDER_SEQUENCE_NUMBER (45); an old epoch is
// INVALID_PRODUCER_EPOCH (47); sequences wrap from INT32_MAX to 0; dedup survives a clean restart and kill -9.
#include <gtest/gtest.h>

#include <limits>

#include "base/record_batch_header.h"
#include "support/broker_process.h"
#include "support/kafka_client.h"
#include "support/raw_client.h"
#include "support/wire.h"

namespace sd::itest {
namespace {

using namespace std::chrono_literals;
constexpr std::int16_t out_of_order = 45;
constexpr std::int16_t invalid_epoch = 47;
constexpr std::int32_t int32_max = std::numeric_limits<std::int32_t>::max();

// An uncompressed batch of `count` records from producer (pid, epoch) starting at sequence seq.
bytes idempotent_batch(std::int64_t pid, std::int16_t epoch, std::int32_t seq, int count, const std::string& tag) {
  std::vector<wire::test_record> recs;
  for (int i = 0; i < count; ++i) recs.push_back({std::nullopt, tag + "-" + std::to_string(i)});
  bytes b = wire::record_batch(recs, 1700000000000);
  store_be(b.data() + batch::field::producer_id, pid);
  store_be(b.data() + batch::field::producer_epoch, epoch);
  store_be(b.data() + batch::field::base_sequence, seq);
  batch::seal_crc(b);
  return b;
}

class Idempotence : public ::testing::Test {
 protected:
  void SetUp() override {
    broker.start();
    create_topic(broker.bootstrap(), topic, 1);
  }
  void TearDown() override {
    if (broker.running()) EXPECT_NO_THROW(broker.stop()) << broker.diagnostics();
  }

  wire::produce_partition_response produce(const bytes& batch, std::int16_t acks = -1) {
    if (!client) client = std::make_unique<raw_client>(broker.kafka_port());
    const std::int32_t corr = ++correlation;
    bytes body = wire::produce_v3_body(topic, 0, acks, 10000, batch);
    bytes frame = wire::request_frame(wire::api::produce, 3, corr, "sd-itest-idem", body);
    if (!client->send_all(frame)) throw harness_error("send failed");
    auto r = client->receive_frame(15s);
    if (r.st != raw_client::status::frame) throw harness_error("no Produce response: " + to_string(r.st));
    auto p = wire::parse_produce_v3(r.payload);
    if (!p) throw harness_error("unparseable Produce response");
    EXPECT_EQ(p->correlation_id, corr);
    return *p;
  }
  // Asserts success at the given base offset.
  void expect_ok(const bytes& batch, std::int64_t base, const char* what) {
    auto p = produce(batch);
    EXPECT_EQ(p.error_code, 0) << what;
    EXPECT_EQ(p.base_offset, base) << what;
  }
  void expect_error(const bytes& batch, std::int16_t code, const char* what) {
    auto p = produce(batch);
    EXPECT_EQ(p.error_code, code) << what;
  }
  std::int64_t end_offset() { return high_watermarks(broker.bootstrap(), topic, 1)[0]; }
  void reconnect() { client.reset(); }

  broker_process broker;
  std::string topic = "idem";
  std::unique_ptr<raw_client> client;
  std::int32_t correlation = 0;
};

TEST_F(Idempotence, DuplicateOfEachOfTheLastFiveGetsItsOriginalOffset) {
  expect_ok(idempotent_batch(-1, -1, -1, 2, "plain"), 0, "a batch without producer id");
  std::vector<bytes> sent;
  for (int i = 0; i < 6; ++i) {
    sent.push_back(idempotent_batch(1000, 0, i * 3, 3, "b" + std::to_string(i)));
    expect_ok(sent.back(), 2 + i * 3, "first send");
  }
  for (int i = 1; i < 6; ++i) expect_ok(sent[static_cast<std::size_t>(i)], 2 + i * 3, "retry");
  EXPECT_EQ(end_offset(), 20) << "retries must not be appended";
  expect_error(sent[0], out_of_order, "a retry older than the last five");
  expect_ok(idempotent_batch(1000, 0, 18, 1, "next"), 20, "the next batch continues");
  // Consumers see every record once.
  auto got = consume(broker.bootstrap(), topic, {0}, {.expected = 21});
  ASSERT_EQ(got.size(), 21u);
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].offset, static_cast<std::int64_t>(i));
  EXPECT_EQ(got[2].value, "b0-0");
  EXPECT_EQ(got[19].value, "b5-2");
}

TEST_F(Idempotence, GapIsOutOfOrderSequence) {
  expect_ok(idempotent_batch(2000, 0, 0, 2, "a"), 0, "first");
  expect_error(idempotent_batch(2000, 0, 5, 1, "gap"), out_of_order, "gap");
  expect_error(idempotent_batch(2000, 0, 1, 1, "overlap"), out_of_order, "overlap");
  expect_ok(idempotent_batch(2000, 0, 2, 1, "b"), 2, "in order after the refusals");
  EXPECT_EQ(end_offset(), 3);
}

TEST_F(Idempotence, OldEpochIsInvalidProducerEpoch) {
  expect_ok(idempotent_batch(3000, 0, 0, 1, "e0"), 0, "epoch 0");
  expect_ok(idempotent_batch(3000, 1, 0, 1, "e1"), 1, "epoch 1 starts at 0");
  expect_error(idempotent_batch(3000, 0, 1, 1, "old"), invalid_epoch, "epoch 0 after epoch 1");
  expect_error(idempotent_batch(3000, 0, 0, 1, "e0"), invalid_epoch, "retry from the fenced epoch");
  EXPECT_EQ(end_offset(), 2);
}

TEST_F(Idempotence, NewEpochMustStartAtZero) {
  expect_ok(idempotent_batch(4000, 0, 0, 3, "a"), 0, "epoch 0");
  expect_error(idempotent_batch(4000, 1, 3, 1, "b"), out_of_order, "epoch 1 at sequence 3");
  expect_ok(idempotent_batch(4000, 1, 0, 1, "c"), 3, "epoch 1 at sequence 0");
}

TEST_F(Idempotence, SequenceWrapsFromInt32MaxToZero) {
  // An unknown producer is accepted at any sequence, so it can start near the end of the space.
  expect_ok(idempotent_batch(5000, 0, int32_max - 1, 2, "end"), 0, "sequences MAX-1, MAX");
  expect_ok(idempotent_batch(5000, 0, 0, 2, "wrapped"), 2, "sequence 0 follows INT32_MAX");
  expect_ok(idempotent_batch(5000, 0, int32_max - 1, 2, "end"), 0, "retry of the batch before the wrap");
  expect_error(idempotent_batch(5000, 0, 3, 1, "gap"), out_of_order, "gap after the wrap");
  expect_ok(idempotent_batch(5000, 0, 2, 1, "next"), 4, "continues");
}

TEST_F(Idempotence, DeduplicatesAcrossCleanRestartAndKill9) {
  std::vector<bytes> sent;
  for (int i = 0; i < 4; ++i) {
    sent.push_back(idempotent_batch(6000, 0, i * 2, 2, "r" + std::to_string(i)));
    expect_ok(sent.back(), i * 2, "first send");
  }
  reconnect();
  broker.restart();  // SIGTERM: snapshot at close
  for (int i = 0; i < 4; ++i) expect_ok(sent[static_cast<std::size_t>(i)], i * 2, "retry after a clean restart");
  expect_error(idempotent_batch(6000, 0, 9, 1, "gap"), out_of_order, "gap after a clean restart");
  sent.push_back(idempotent_batch(6000, 0, 8, 2, "r4"));
  expect_ok(sent.back(), 8, "continues after a clean restart");
  reconnect();
  broker.kill9();  // acks=-1 answered, so the batches are on disk; the state is rebuilt from headers
  broker.start();
  for (int i = 1; i < 5; ++i) expect_ok(sent[static_cast<std::size_t>(i)], i * 2, "retry after kill -9");
  expect_error(idempotent_batch(6000, 0, 11, 1, "gap"), out_of_order, "gap after kill -9");
  expect_ok(idempotent_batch(6000, 0, 10, 1, "r5"), 10, "continues after kill -9");
  EXPECT_EQ(end_offset(), 11);
  EXPECT_NE(broker.stderr_text().find("producer state"), std::string::npos) << "recovery should log the replay";
}

}  // namespace
}  // namespace sd::itest
