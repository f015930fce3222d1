// Idempotent Produce at the protocol level: hand-built Produce v3 requests whose RecordBatch v2 carries a
// producer id, epoch and base sequence, sent to the real broker, each getting the answer Kafka gives:
// a retry of one of the last five batches succeeds with its ORIGINAL base offset and appends nothing; a gap
// or a new epoch not starting at 0 is OUT_OF_ORDER_SEQUENCE_NUMBER (45); an old epoch is
// INVALID_PRODUCER_EPOCH (47); sequences wrap from INT32_MAX to 0; dedup survives a clean restart and kill -9.
#include <gtest/gtest.h>

#include <limits>
#include <set>

#include "base/byte_reader.h"
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

struct described_producer {
  std::int64_t producer_id = -1;
  std::int32_t epoch = -1;
  std::int32_t last_sequence = -1;
  std::int64_t last_timestamp = -1;
};
struct described_partition {
  std::int16_t error_code = -1;
  std::vector<described_producer> producers;
};

// DescribeProducers v0 (flexible: request header v2, response header v1) for one topic and partition,
// encoded and parsed here from the schema, independent of the broker's codec.
bytes describe_producers_frame(std::int32_t corr, const std::string& topic, std::int32_t partition) {
  wire::writer body;
  body.uvarint(2).compact_string(topic).uvarint(2).i32(partition).uvarint(0);  // one topic, one partition
  body.uvarint(0);
  return wire::request_frame_v2(61, 0, corr, "sd-itest-idem", body.data());
}
std::optional<described_partition> parse_describe_producers(byte_span frame, std::int32_t corr) {
  byte_reader r(frame);
  if (r.read_i32() != corr) return std::nullopt;
  r.skip(r.read_uvarint());  // header tagged fields (count 0 expected, each would need more parsing)
  r.read_i32();              // throttle
  if (r.read_uvarint() != 2) return std::nullopt;
  r.skip(r.read_uvarint() - 1);  // topic name
  if (r.read_uvarint() != 2) return std::nullopt;
  described_partition out;
  r.read_i32();  // partition index
  out.error_code = r.read_i16();
  auto msg = r.read_uvarint();
  if (msg > 0) r.skip(msg - 1);
  auto n = r.read_uvarint();
  if (!r.ok() || n == 0) return std::nullopt;
  for (std::uint32_t i = 0; i + 1 < n; ++i) {
    described_producer d;
    d.producer_id = r.read_i64();
    d.epoch = r.read_i32();
    d.last_sequence = r.read_i32();
    d.last_timestamp = r.read_i64();
    r.read_i32();  // coordinator epoch
    r.read_i64();  // txn start offset
    if (r.read_uvarint() != 0) return std::nullopt;
    out.producers.push_back(d);
  }
  if (r.read_uvarint() != 0 || r.read_uvarint() != 0 || r.read_uvarint() != 0 || !r.ok() || !r.at_end()) {
    return std::nullopt;
  }
  return out;
}

class Idempotence : public ::testing::Test {
 protected:
  void SetUp() override {
    broker.start();
    create_topic(broker.bootstrap(), topic, 1);
  }
  void TearDown() override {
    if (broker.running()) {
      EXPECT_NO_THROW(broker.stop()) << broker.diagnostics();
    }
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

// A pipelining client: 60 Produce requests of one idempotent producer sent back to back on one connection
// before any answer is read, acks=-1 (the connection reads on without waiting for each append) mixed with
// acks=1 (which waits). Every batch must be appended in request order (a reordering would be refused as
// OUT_OF_ORDER_SEQUENCE_NUMBER) and answered in request order, at consecutive offsets.
TEST_F(Idempotence, PipelinedRequestsAreAppendedAndAnsweredInRequestOrder) {
  client = std::make_unique<raw_client>(broker.kafka_port());
  constexpr int n = 60;
  bytes all;
  for (int i = 0; i < n; ++i) {
    const std::int16_t acks = i % 7 == 3 ? 1 : -1;
    bytes body = wire::produce_v3_body(topic, 0, acks, 10000, idempotent_batch(8000, 0, i * 2, 2, "p" + std::to_string(i)));
    bytes frame = wire::request_frame(wire::api::produce, 3, 100 + i, "sd-itest-idem", body);
    all.insert(all.end(), frame.begin(), frame.end());
  }
  ASSERT_TRUE(client->send_all(all));
  for (int i = 0; i < n; ++i) {
    auto r = client->receive_frame(15s);
    ASSERT_EQ(r.st, raw_client::status::frame) << "answer " << i << ": " << to_string(r.st);
    auto p = wire::parse_produce_v3(r.payload);
    ASSERT_TRUE(p.has_value()) << "answer " << i;
    EXPECT_EQ(p->correlation_id, 100 + i) << "answers in request order";
    EXPECT_EQ(p->error_code, 0) << "request " << i;
    EXPECT_EQ(p->base_offset, 2 * i) << "request " << i << " appended in request order";
  }
  EXPECT_EQ(end_offset(), 2 * n);
}

TEST_F(Idempotence, DescribeProducersListsTheRememberedProducers) {
  expect_ok(idempotent_batch(7000, 2, 0, 3, "a"), 0, "producer 7000");
  expect_ok(idempotent_batch(7001, 0, 10, 1, "b"), 3, "producer 7001");
  expect_ok(idempotent_batch(-1, -1, -1, 1, "plain"), 4, "no producer id");
  raw_client c(broker.kafka_port());
  ASSERT_TRUE(c.send_all(describe_producers_frame(77, topic, 0)));
  auto r = c.receive_frame(15s);
  ASSERT_EQ(r.st, raw_client::status::frame) << to_string(r.st);
  auto d = parse_describe_producers(r.payload, 77);
  ASSERT_TRUE(d.has_value()) << "unparseable DescribeProducers v0 response";
  EXPECT_EQ(d->error_code, 0);
  ASSERT_EQ(d->producers.size(), 2u);
  EXPECT_EQ(d->producers[0].producer_id, 7000);
  EXPECT_EQ(d->producers[0].epoch, 2);
  EXPECT_EQ(d->producers[0].last_sequence, 2);
  EXPECT_EQ(d->producers[0].last_timestamp, 1700000000000);
  EXPECT_EQ(d->producers[1].producer_id, 7001);
  EXPECT_EQ(d->producers[1].last_sequence, 10);
  // An unknown partition answers its error, not a disconnect.
  ASSERT_TRUE(c.send_all(describe_producers_frame(78, topic, 9)));
  auto r2 = c.receive_frame(15s);
  ASSERT_EQ(r2.st, raw_client::status::frame);
  auto d2 = parse_describe_producers(r2.payload, 78);
  ASSERT_TRUE(d2.has_value());
  EXPECT_EQ(d2->error_code, 3);
  EXPECT_TRUE(d2->producers.empty());
}

// Regression (found by the chaos run, tests/chaos): once a partition's log had a sticky I/O failure (a failed
// fdatasync), the batches a client pipelined behind the failed one were checked for sequence first and
// answered OUT_OF_ORDER_SEQUENCE_NUMBER; librdkafka took that, right after a KAFKA_STORAGE_ERROR, as a
// desynchronisation and failed the producer or bumped its epoch and re-sent the batch: a duplicate. Now every
// batch to a failed log is KAFKA_STORAGE_ERROR, and after a restart the same batches are appended once.
//
// Produces in-sequence batches (acks=all) to a fresh broker started with `fault` until one is refused with
// KAFKA_STORAGE_ERROR; then that batch again and the next two a pipelining client had in flight must all be
// KAFKA_STORAGE_ERROR (never 45); after kill -9 and a clean start every batch is accepted and every record is
// in the log exactly once.
void storage_error_then_pipelined_batches(const env_list& fault, const std::string& topic) {
  constexpr std::int16_t storage_error = 56;
  broker_config cfg;
  cfg.env = fault;
  broker_process b(cfg);
  b.start();
  create_topic(b.bootstrap(), topic, 1);
  raw_client client(b.kafka_port());
  std::int32_t corr = 0;
  auto produce = [&](raw_client& c, const bytes& batch) {
    const std::int32_t id = ++corr;
    bytes body = wire::produce_v3_body(topic, 0, -1, 10000, batch);
    if (!c.send_all(wire::request_frame(wire::api::produce, 3, id, "sd-itest-idem", body)))
      throw harness_error("send failed");
    auto r = c.receive_frame(15s);
    if (r.st != raw_client::status::frame) throw harness_error("no Produce response: " + to_string(r.st));
    auto p = wire::parse_produce_v3(r.payload);
    if (!p) throw harness_error("unparseable Produce response");
    return *p;
  };
  std::vector<bytes> sent;
  std::int16_t first_error = 0;
  for (int i = 0; i < 5000 && first_error == 0; ++i) {
    sent.push_back(idempotent_batch(4000, 0, i * 2, 2, "r" + std::to_string(i)));
    first_error = produce(client, sent.back()).error_code;
  }
  ASSERT_EQ(first_error, storage_error) << "the fault never hit";
  const auto acked = sent.size() - 1;  // every batch before the failed one was acknowledged
  EXPECT_EQ(produce(client, sent.back()).error_code, storage_error);
  for (int i = 0; i < 2; ++i) {
    sent.push_back(idempotent_batch(4000, 0, static_cast<std::int32_t>(sent.size()) * 2, 2, "pipelined" + std::to_string(i)));
    EXPECT_EQ(produce(client, sent.back()).error_code, storage_error) << "pipelined batch " << i << ": not OUT_OF_ORDER";
  }
  b.set_env({});
  b.kill9();
  b.start();
  raw_client again(b.kafka_port());
  for (std::size_t i = acked; i < sent.size(); ++i) EXPECT_EQ(produce(again, sent[i]).error_code, 0) << "batch " << i;
  auto got = consume(b.bootstrap(), topic, {0}, {.expected = static_cast<std::int64_t>(sent.size() * 2)});
  ASSERT_EQ(got.size(), sent.size() * 2);
  std::set<std::string> values;
  for (const auto& r : got) EXPECT_TRUE(values.insert(r.value).second) << "twice: " << r.value;
  b.stop();
}

// A failed fdatasync makes the log refuse every append (sticky): the first pipelined batch passed its sequence
// check and was refused by the log, so the second no longer continued the remembered sequence.
TEST(IdempotenceUnderFaults, FailedLogAnswersStorageErrorBeforeAnySequenceCheck) {
  storage_error_then_pipelined_batches({{"STREAMDOWN_FAULT_FSYNC_EIO_AFTER", "60"}}, "idem-eio");
}

// A full disk is not sticky (writes succeed again once there is space): the refused batch was not recorded, so
// the next pipelined one fails the sequence check; within 30 s of a failed append that is a storage error too.
TEST(IdempotenceUnderFaults, FullDiskAnswersStorageErrorToPipelinedBatches) {
  storage_error_then_pipelined_batches({{"STREAMDOWN_FAULT_NO_SPACE_AFTER", "60000"}}, "idem-enospc");
}

}  // namespace
}  // namespace sd::itest
