// Hand-made bad input over raw sockets. For each: the offending connection gets a clear error or is closed
// (never a hang), the broker keeps serving a bystander connection and new clients, and data written before is
// intact. Frames are built from the schemas (support/wire.h), not with the broker's codec.
#include <gtest/gtest.h>

#include <memory>
#include <random>

#include "support/broker_process.h"
#include "support/kafka_client.h"
#include "support/payload.h"
#include "support/raw_client.h"
#include "support/wire.h"

namespace sd::itest {
namespace {

using namespace std::chrono_literals;
constexpr auto reply_wait = 15s;

class BadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    broker.start();
    create_topic(broker.bootstrap(), topic, 1);
    std::vector<message_spec> msgs;
    for (int i = 0; i < victim_count; ++i) msgs.push_back({"key-" + std::to_string(i), make_value(i, 10 + i * 37), 0});
    auto s = produce_and_wait(broker.bootstrap(), topic, msgs, {{"acks", "all"}});
    ASSERT_TRUE(s.failed.empty()) << s.first_error();
    ASSERT_EQ(s.ok.size(), msgs.size());
    bystander = std::make_unique<raw_client>(broker.kafka_port());
    ASSERT_NO_FATAL_FAILURE(expect_api_versions_ok(*bystander, 1));
  }

  void TearDown() override {
    if (!broker.running()) return;
    EXPECT_NO_THROW(broker.stop()) << broker.diagnostics();
  }

  // ApiVersions v0 on c answers error 0 and the API ranges the contract promises.
  static void expect_api_versions_ok(raw_client& c, std::int32_t correlation_id) {
    ASSERT_TRUE(c.send_all(wire::request_frame(wire::api::api_versions, 0, correlation_id, "sd-itest", {})));
    auto r = c.receive_frame(reply_wait);
    ASSERT_EQ(r.st, raw_client::status::frame) << to_string(r.st);
    auto v = wire::parse_api_versions_v0(r.payload);
    ASSERT_TRUE(v.has_value()) << "unparseable ApiVersions v0 response";
    EXPECT_EQ(v->correlation_id, correlation_id);
    EXPECT_EQ(v->error_code, 0);
    auto expect_covers = [&](std::int16_t key, std::int16_t lo, std::int16_t hi) {
      auto a = v->find(key);
      ASSERT_TRUE(a.has_value()) << "api " << key << " not advertised";
      EXPECT_LE(a->min, lo) << "api " << key;
      EXPECT_GE(a->max, hi) << "api " << key;
    };
    expect_covers(wire::api::produce, 3, 7);
    expect_covers(wire::api::fetch, 4, 11);
    expect_covers(wire::api::metadata, 0, 6);
    expect_covers(wire::api::api_versions, 0, 3);
  }

  // The broker is alive, the bystander connection and a new one are served, the data is intact.
  void expect_still_serving() {
    ASSERT_TRUE(broker.running());
    ASSERT_NO_FATAL_FAILURE(expect_api_versions_ok(*bystander, 7001));
    raw_client fresh(broker.kafka_port());
    ASSERT_NO_FATAL_FAILURE(expect_api_versions_ok(fresh, 7002));
    auto got = consume(broker.bootstrap(), topic, {0}, {.expected = victim_count});
    ASSERT_EQ(got.size(), static_cast<std::size_t>(victim_count)) << broker.diagnostics();
    for (int i = 0; i < victim_count; ++i) {
      EXPECT_EQ(got[i].offset, i);
      EXPECT_EQ(got[i].key, "key-" + std::to_string(i));
      EXPECT_EQ(got[i].value, make_value(i, 10 + i * 37)) << "offset " << i;
    }
    EXPECT_EQ(high_watermarks(broker.bootstrap(), topic, 1)[0], victim_count) << "something was appended";
  }

  // The offending connection answered with a frame (correlation id checked) or was closed; not a hang.
  static void expect_error_or_close(raw_client& c, std::int32_t correlation_id) {
    auto r = c.receive_frame(reply_wait);
    ASSERT_NE(r.st, raw_client::status::timeout) << "no answer and no close";
    if (r.st == raw_client::status::frame) {
      ASSERT_GE(r.payload.size(), 4u);
      EXPECT_EQ(load_be<std::int32_t>(r.payload.data()), correlation_id);
    }
  }

  bytes produce_frame(byte_span records, std::int32_t correlation_id) {
    bytes body = wire::produce_v3_body(topic, 0, -1, 10000, records);
    return wire::request_frame(wire::api::produce, 3, correlation_id, "sd-itest", body);
  }

  static std::vector<wire::test_record> three_records() {
    return {{"rk-0", make_value(100, 50)}, {std::nullopt, make_value(101, 1)}, {"rk-2", make_value(102, 3000)}};
  }

  static constexpr int victim_count = 20;
  const std::string topic = "victim";
  broker_process broker;
  std::unique_ptr<raw_client> bystander;
};

TEST_F(BadInput, ApiVersionsBaselineOverRawSocket) {
  raw_client c(broker.kafka_port());
  expect_api_versions_ok(c, 99);
  expect_still_serving();
}

TEST_F(BadInput, HttpRequestOnKafkaPortIsClosed) {
  raw_client c(broker.kafka_port());
  // "GET " read as a frame size is ~1.2 GB, far over socket.request.max.bytes: the broker must close.
  std::string http = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  c.send_all(as_bytes(http));
  EXPECT_TRUE(c.wait_closed(reply_wait)) << "connection left open after garbage";
  expect_still_serving();
}

TEST_F(BadInput, RandomGarbageFramesGetErrorOrClose) {
  std::mt19937 rng(1234);  // fixed seed: the same bytes every run
  for (int round = 0; round < 5; ++round) {
    raw_client c(broker.kafka_port());
    bytes frame(4 + 64);
    for (auto& b : frame) b = static_cast<std::uint8_t>(rng());
    store_be(frame.data(), std::int32_t{64});
    c.send_all(frame);
    // Whatever the header decodes to, the answer is a frame or a close, within the deadline.
    auto r = c.receive_frame(reply_wait);
    EXPECT_NE(r.st, raw_client::status::timeout) << "round " << round << ": no answer and no close";
  }
  expect_still_serving();
}

TEST_F(BadInput, FrameClaiming2GiBIsClosed) {
  raw_client c(broker.kafka_port());
  bytes frame(4 + 16, 0xAB);
  store_be(frame.data(), std::int32_t{0x7FFFFFFF});
  c.send_all(frame);
  EXPECT_TRUE(c.wait_closed(reply_wait)) << "connection left open after a 2 GiB size";
  expect_still_serving();
}

TEST_F(BadInput, NegativeFrameSizeIsClosed) {
  raw_client c(broker.kafka_port());
  bytes frame(4 + 16, 0);
  store_be(frame.data(), std::int32_t{-1});
  c.send_all(frame);
  EXPECT_TRUE(c.wait_closed(reply_wait)) << "connection left open after a negative size";
  expect_still_serving();
}

TEST_F(BadInput, FrameOverSocketRequestMaxIsClosedWithoutReadingIt) {
  raw_client c(broker.kafka_port());
  bytes frame(4 + 1024, 0);
  store_be(frame.data(), std::int32_t{104857600 + 1});  // one byte over the default socket.request.max.bytes
  c.send_all(frame);
  EXPECT_TRUE(c.wait_closed(reply_wait));
  expect_still_serving();
}

TEST_F(BadInput, UnknownApiKeyGetsErrorOrClose) {
  raw_client c(broker.kafka_port());
  ASSERT_TRUE(c.send_all(wire::request_frame(12345, 0, 555, "sd-itest", {})));
  expect_error_or_close(c, 555);
  expect_still_serving();
}

TEST_F(BadInput, TruncatedHeaderGetsClose) {
  raw_client c(broker.kafka_port());
  bytes frame = {0, 0, 0, 3, 0, 18, 0};  // a 3-byte request: not even a whole header
  c.send_all(frame);
  EXPECT_TRUE(c.wait_closed(reply_wait));
  expect_still_serving();
}

TEST_F(BadInput, TruncatedRecordBatchInProduceIsRejected) {
  bytes batch = wire::record_batch(three_records(), 1700000000000);
  batch.resize(batch.size() - 10);  // BatchLength now claims 10 bytes more than the Records field holds
  raw_client c(broker.kafka_port());
  ASSERT_TRUE(c.send_all(produce_frame(batch, 77)));
  auto r = c.receive_frame(reply_wait);
  ASSERT_NE(r.st, raw_client::status::timeout) << "no answer and no close";
  if (r.st == raw_client::status::frame) {
    auto p = wire::parse_produce_v3(r.payload);
    ASSERT_TRUE(p.has_value()) << "unparseable Produce v3 response";
    EXPECT_EQ(p->correlation_id, 77);
    EXPECT_NE(p->error_code, 0) << "a truncated batch was accepted";
  }
  expect_still_serving();
}

TEST_F(BadInput, BatchHeaderCutShortInProduceIsRejected) {
  bytes batch = wire::record_batch(three_records(), 1700000000000);
  batch.resize(30);  // inside the 61-byte header
  raw_client c(broker.kafka_port());
  ASSERT_TRUE(c.send_all(produce_frame(batch, 78)));
  auto r = c.receive_frame(reply_wait);
  ASSERT_NE(r.st, raw_client::status::timeout) << "no answer and no close";
  if (r.st == raw_client::status::frame) {
    auto p = wire::parse_produce_v3(r.payload);
    ASSERT_TRUE(p.has_value());
    EXPECT_NE(p->error_code, 0) << "a cut-short batch header was accepted";
  }
  expect_still_serving();
}

TEST_F(BadInput, WrongCrcIsCorruptMessage) {
  bytes batch = wire::record_batch(three_records(), 1700000000000);
  batch[batch.size() - 5] ^= 0x01;  // a value byte: the stored CRC no longer matches
  raw_client c(broker.kafka_port());
  ASSERT_TRUE(c.send_all(produce_frame(batch, 79)));
  auto r = c.receive_frame(reply_wait);
  ASSERT_EQ(r.st, raw_client::status::frame) << to_string(r.st) << ": expected a Produce response";
  auto p = wire::parse_produce_v3(r.payload);
  ASSERT_TRUE(p.has_value()) << "unparseable Produce v3 response";
  EXPECT_EQ(p->correlation_id, 79);
  EXPECT_EQ(p->topic, topic);
  EXPECT_EQ(p->partition, 0);
  EXPECT_EQ(p->error_code, wire::error::corrupt_message);
  // The same connection still works: a correct batch is accepted after the bad one...
  bytes good = wire::record_batch(three_records(), 1700000000000);
  ASSERT_TRUE(c.send_all(produce_frame(good, 80)));
  auto r2 = c.receive_frame(reply_wait);
  ASSERT_EQ(r2.st, raw_client::status::frame) << to_string(r2.st);
  auto p2 = wire::parse_produce_v3(r2.payload);
  ASSERT_TRUE(p2.has_value());
  EXPECT_EQ(p2->correlation_id, 80);
  EXPECT_EQ(p2->error_code, 0);
  EXPECT_EQ(p2->base_offset, victim_count);
  // ...and librdkafka reads back exactly what the hand-made batch carried.
  auto got = consume(broker.bootstrap(), topic, {0}, {.expected = 3, .start_offset = victim_count});
  ASSERT_EQ(got.size(), 3u);
  auto recs = three_records();
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(got[i].offset, victim_count + static_cast<std::int64_t>(i));
    EXPECT_EQ(got[i].key, recs[i].key);
    EXPECT_EQ(got[i].value, *recs[i].value);
  }
}

TEST_F(BadInput, UnknownApiVersionsVersionGetsError35WithRanges) {
  raw_client c(broker.kafka_port());
  // What a newer client sends first: ApiVersions at a version we do not know, flexible header and body.
  wire::writer body;
  body.compact_string("sd-itest").compact_string("9.9").uvarint(0);
  ASSERT_TRUE(c.send_all(wire::request_frame_v2(wire::api::api_versions, 99, 4242, "sd-itest", body.data())));
  auto r = c.receive_frame(reply_wait);
  ASSERT_EQ(r.st, raw_client::status::frame) << to_string(r.st) << ": expected error 35, not a disconnect";
  auto v = wire::parse_api_versions_v0(r.payload);
  ASSERT_TRUE(v.has_value()) << "the answer must be a v0 ApiVersions response";
  EXPECT_EQ(v->correlation_id, 4242);
  EXPECT_EQ(v->error_code, wire::error::unsupported_version);
  auto av = v->find(wire::api::api_versions);
  ASSERT_TRUE(av.has_value()) << "the ranges must be included so the client can retry";
  EXPECT_EQ(av->min, 0);
  EXPECT_GE(av->max, 3);
  // The client retries on the same connection, as librdkafka does.
  expect_api_versions_ok(c, 4243);
  expect_still_serving();
}

TEST_F(BadInput, ManyBadConnectionsInARow) {
  // Mixed bad input back to back, then the usual checks: no leak of state between connections.
  for (int i = 0; i < 20; ++i) {
    raw_client c(broker.kafka_port());
    bytes frame(4 + 8, 0xFF);
    store_be(frame.data(), std::int32_t{i % 2 == 0 ? 0x7FFFFFFF : 8});
    c.send_all(frame);
    auto r = c.receive_frame(reply_wait);
    EXPECT_NE(r.st, raw_client::status::timeout) << "connection " << i;
  }
  expect_still_serving();
}

}  // namespace
}  // namespace sd::itest
