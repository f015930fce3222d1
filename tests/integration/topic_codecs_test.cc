// compression.type and message.timestamp.type as Kafka honours them (issue 21): a topic created with each
// codec stores every batch in that codec whatever the producer sent (checked in the Fetch answer's batch
// headers), and librdkafka and kcat read every record back in order; the broker's recompression keeps
// idempotence right (a retried batch is still a duplicate, a sequence gap still refused); LogAppendTime
// topics answer the append time to Produce and consumers see it as the records' timestamp.
#include <gtest/gtest.h>
#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <map>

#include "protocol/generated/all_messages.h"
#include "protocol/record_batch.h"
#include "support/broker_process.h"
#include "support/codec_conn.h"
#include "support/kafka_client.h"

namespace sd::itest {
namespace {

using namespace std::chrono_literals;
namespace p = sd::protocol;

constexpr std::int16_t out_of_order_sequence = 45;

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class TopicCodecs : public ::testing::Test {
 protected:
  void SetUp() override {
    broker.start();
    conn = std::make_unique<codec_conn>(broker.kafka_port());
  }
  void TearDown() override {
    conn.reset();
    if (broker.running()) {
      EXPECT_NO_THROW(broker.stop());
    }
  }

  void create(const std::string& name, const std::map<std::string, std::string>& configs) {
    auto r = create_topic_v7(*conn, name, 1, configs);
    ASSERT_EQ(r.error_code, 0) << name << ": " << r.error_message.value_or("");
  }

  /// Every batch header of partition 0 from offset 0 (Fetch v11, repeated until the high watermark).
  std::vector<batch::header> stored_batches(const std::string& topic) {
    std::vector<batch::header> out;
    std::int64_t next = 0;
    for (int round = 0; round < 100; ++round) {
      auto r = fetch_partition(*conn, topic, {}, 0, next, 4 << 20, 11);
      const auto& part = r.responses.at(0).partitions.at(0);
      EXPECT_EQ(part.error_code, 0);
      auto batches = p::read_batches(part.records.data);
      EXPECT_TRUE(batches) << topic;
      if (!batches || batches->empty()) break;
      for (const auto& b : *batches) {
        out.push_back(b.header);
        next = b.header.base_offset + b.header.last_offset_delta + 1;
      }
      if (next >= part.high_watermark) break;
    }
    return out;
  }

  broker_process broker;
  std::unique_ptr<codec_conn> conn;
};

std::vector<message_spec> numbered(int n, const std::string& prefix) {
  std::vector<message_spec> out;
  for (int i = 0; i < n; ++i)
    out.push_back({"k" + std::to_string(i % 7), prefix + "-" + std::to_string(i) + std::string(50, 'x'), 0});
  return out;
}

TEST_F(TopicCodecs, EveryCodecIsStoredAsTheTopicSaysAndReadsBackWithEveryClient) {
  ASSERT_FALSE(kcat_binary().empty()) << "kcat not found: run scripts/setup";
  // topic codec -> the codec the producer uses (always a different one)
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"uncompressed", "gzip"}, {"gzip", "none"}, {"snappy", "lz4"}, {"lz4", "zstd"}, {"zstd", "snappy"}};
  const std::map<std::string, batch::compression> codec_of = {{"uncompressed", batch::compression::none},
                                                               {"gzip", batch::compression::gzip},
                                                               {"snappy", batch::compression::snappy},
                                                               {"lz4", batch::compression::lz4},
                                                               {"zstd", batch::compression::zstd}};
  const int n = scaled(300, 5000);
  for (const auto& [topic_codec, producer_codec] : cases) {
    SCOPED_TRACE("topic " + topic_codec + ", producer " + producer_codec);
    const std::string topic = "codec-" + topic_codec;
    create(topic, {{"compression.type", topic_codec}});
    const auto msgs = numbered(n, topic_codec);
    auto sent = produce_and_wait(broker.bootstrap(), topic, msgs,
                                 {{"compression.codec", producer_codec},
                                  {"enable.idempotence", "true"},
                                  {"linger.ms", "5"},
                                  {"batch.num.messages", "64"}});
    ASSERT_EQ(sent.ok.size(), msgs.size()) << sent.first_error();

    auto headers = stored_batches(topic);
    ASSERT_FALSE(headers.empty());
    std::int64_t records = 0;
    for (const auto& h : headers) {
      EXPECT_EQ(h.codec(), codec_of.at(topic_codec)) << "batch at " << h.base_offset;
      EXPECT_GE(h.producer_id, 0) << "the idempotent producer's id is kept";
      records += h.last_offset_delta + 1;
    }
    EXPECT_EQ(records, n);

    auto got = consume(broker.bootstrap(), topic, {0}, {.expected = n, .timeout = 60s});
    ASSERT_EQ(got.size(), msgs.size());
    for (int i = 0; i < n; ++i) {
      EXPECT_EQ(got[i].offset, i);
      EXPECT_EQ(got[i].value, msgs[i].value);
      EXPECT_EQ(got[i].key.value_or(""), *msgs[i].key);
    }

    temp_dir work("sd-codecs");
    command cmd;
    cmd.argv = {kcat_binary(), "-b", broker.bootstrap(), "-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-q"};
    cmd.stdout_path = work.file("out");
    cmd.stderr_path = work.file("err");
    auto e = run_command(cmd, 60s);
    ASSERT_TRUE(e.clean()) << e.describe() << "\n" << tail(read_file(cmd.stderr_path));
    const auto text = read_file(cmd.stdout_path);
    std::size_t lines = 0, pos = 0;
    for (std::size_t nl; (nl = text.find('\n', pos)) != std::string::npos; pos = nl + 1) {
      ASSERT_LT(lines, msgs.size());
      EXPECT_EQ(text.substr(pos, nl - pos), msgs[lines].value);
      ++lines;
    }
    EXPECT_EQ(lines, msgs.size()) << "kcat";
  }
}

TEST_F(TopicCodecs, RecompressionKeepsIdempotence) {
  create("idem-zstd", {{"compression.type", "zstd"}});
  auto pid = conn->call<p::init_producer_id_response>(p::init_producer_id_request{}, 4);
  ASSERT_EQ(pid.error_code, 0);
  auto send = [&](std::int32_t seq, int count) {
    std::vector<p::record> recs;
    for (int i = 0; i < count; ++i) {
      p::record r;
      std::string v = "seq" + std::to_string(seq + i);
      r.value = sd::bytes(v.begin(), v.end());
      r.timestamp = wall_ms();
      recs.push_back(std::move(r));
    }
    p::batch_options o;
    o.producer_id = pid.producer_id;
    o.producer_epoch = pid.producer_epoch;
    o.base_sequence = seq;
    auto batch = p::build_batch(recs, o);  // uncompressed: the broker rebuilds it in zstd
    EXPECT_TRUE(batch);
    return produce_batch(*conn, "idem-zstd", 0, *batch, -1, 9);
  };
  auto first = send(0, 5);
  ASSERT_EQ(first.error_code, 0);
  EXPECT_EQ(first.base_offset, 0);
  auto retry = send(0, 5);
  EXPECT_EQ(retry.error_code, 0) << "a retried batch is a duplicate";
  EXPECT_EQ(retry.base_offset, 0) << "answered with its original offset";
  auto next = send(5, 3);
  EXPECT_EQ(next.error_code, 0);
  EXPECT_EQ(next.base_offset, 5);
  EXPECT_EQ(send(20, 1).error_code, out_of_order_sequence);
  auto headers = stored_batches("idem-zstd");
  ASSERT_EQ(headers.size(), 2u) << "the duplicate appended nothing";
  EXPECT_EQ(headers[0].codec(), batch::compression::zstd);
  EXPECT_EQ(headers[0].base_sequence, 0);
  EXPECT_EQ(headers[1].base_sequence, 5);
  EXPECT_EQ(headers[1].producer_id, pid.producer_id);
}

TEST_F(TopicCodecs, LogAppendTimeStampsBatchesAndConsumersSeeIt) {
  create("appended", {{"message.timestamp.type", "LogAppendTime"}, {"message.timestamp.difference.max.ms", "1000"}});
  create("created", {});
  const std::int64_t before = wall_ms();
  // An old producer timestamp: kept on the CreateTime topic; replaced on the LogAppendTime topic (where the
  // difference bound does not apply, as Kafka's).
  auto conf = make_conf(client_defaults(broker.bootstrap()));
  std::string err;
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), err));
  ASSERT_TRUE(producer) << err;
  for (const char* topic : {"appended", "created"}) {
    for (int i = 0; i < 10; ++i) {
      std::string v = std::string(topic) + std::to_string(i);
      auto e = producer->produce(topic, 0, RdKafka::Producer::RK_MSG_COPY, v.data(), v.size(), nullptr, 0,
                                 /*timestamp=*/1000000 + i, nullptr);
      ASSERT_EQ(e, RdKafka::ERR_NO_ERROR);
    }
  }
  ASSERT_EQ(producer->flush(30000), RdKafka::ERR_NO_ERROR);
  const std::int64_t after = wall_ms();

  auto read = [&](const std::string& topic) {
    std::vector<std::pair<RdKafka::MessageTimestamp::MessageTimestampType, std::int64_t>> out;
    auto cconf = make_conf(client_defaults(broker.bootstrap()));
    std::unique_ptr<RdKafka::Consumer> c(RdKafka::Consumer::create(cconf.get(), err));
    EXPECT_TRUE(c) << err;
    std::unique_ptr<RdKafka::Topic> t(RdKafka::Topic::create(c.get(), topic, nullptr, err));
    EXPECT_EQ(c->start(t.get(), 0, RdKafka::Topic::OFFSET_BEGINNING), RdKafka::ERR_NO_ERROR);
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (out.size() < 10 && std::chrono::steady_clock::now() < deadline) {
      std::unique_ptr<RdKafka::Message> m(c->consume(t.get(), 0, 500));
      if (m->err() == RdKafka::ERR_NO_ERROR) out.emplace_back(m->timestamp().type, m->timestamp().timestamp);
    }
    c->stop(t.get(), 0);
    return out;
  };
  auto appended = read("appended");
  ASSERT_EQ(appended.size(), 10u);
  for (const auto& [type, ts] : appended) {
    EXPECT_EQ(type, RdKafka::MessageTimestamp::MSG_TIMESTAMP_LOG_APPEND_TIME);
    EXPECT_GE(ts, before);
    EXPECT_LE(ts, after);
  }
  auto created = read("created");
  ASSERT_EQ(created.size(), 10u);
  for (std::size_t i = 0; i < created.size(); ++i) {
    EXPECT_EQ(created[i].first, RdKafka::MessageTimestamp::MSG_TIMESTAMP_CREATE_TIME);
    EXPECT_EQ(created[i].second, 1000000 + static_cast<std::int64_t>(i));
  }

  // Produce answers the append time (v2+), and ListOffsets by time finds the records by it.
  std::vector<p::record> recs(1);
  recs[0].value = sd::bytes{'z'};
  recs[0].timestamp = 5;
  auto batch = p::build_batch(recs);
  ASSERT_TRUE(batch);
  const std::int64_t sent_at = wall_ms();
  auto pr = produce_batch(*conn, "appended", 0, *batch, 1, 11);
  ASSERT_EQ(pr.error_code, 0);
  EXPECT_GE(pr.log_append_time_ms, sent_at - 1000);
  EXPECT_LE(pr.log_append_time_ms, wall_ms() + 1000);
  p::list_offsets_request lo;
  lo.replica_id = -1;
  auto& lt = lo.topics.emplace_back();
  lt.name = "appended";
  auto& lp = lt.partitions.emplace_back();
  lp.partition_index = 0;
  lp.timestamp = pr.log_append_time_ms;
  auto found = conn->call<p::list_offsets_response>(lo, 8).topics.at(0).partitions.at(0);
  EXPECT_EQ(found.error_code, 0);
  EXPECT_LE(found.offset, 10) << "the record stamped at that time (or an earlier one stamped the same ms)";
  EXPECT_GE(found.offset, 0);
}

}  // namespace
}  // namespace sd::itest
