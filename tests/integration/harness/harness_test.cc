// The harness itself, checked against a stand-in broker (fake_broker.cc): start-up line parsing, stop/kill9/
// restart on the same ports, failure messages carrying stderr, raw frames over the socket, and run_command.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>
#include <filesystem>

#include "base/record_batch_header.h"
#include "support/broker_process.h"
#include "support/payload.h"
#include "support/raw_client.h"
#include "support/wire.h"

namespace sd::itest {
namespace {

class Harness : public ::testing::Test {
 protected:
  void SetUp() override { ::setenv("STREAMDOWN_BINARY", SD_FAKE_BROKER, 1); }
};

TEST_F(Harness, StartsParsesPortsAndStopsCleanly) {
  broker_process b;
  b.start();
  ASSERT_TRUE(b.running());
  EXPECT_NE(b.kafka_port(), 0);
  EXPECT_NE(b.http_port(), 0);
  EXPECT_NE(b.kafka_port(), b.http_port());
  EXPECT_TRUE(std::filesystem::is_directory(b.data_dir()));
  EXPECT_GT(b.rss_bytes(), 0u);
  EXPECT_EQ(b.bootstrap(), "127.0.0.1:" + std::to_string(b.kafka_port()));
  b.stop();
  EXPECT_FALSE(b.running());
  EXPECT_NE(b.stderr_text().find("fake: clean shutdown"), std::string::npos) << b.diagnostics();
}

TEST_F(Harness, EchoesFramesOverRawClient) {
  broker_process b;
  b.start();
  raw_client c(b.kafka_port());
  bytes body = wire::produce_v3_body("t", 0, 1, 1000, wire::record_batch({{"k", "v"}}, 1));
  bytes frame = wire::request_frame(wire::api::produce, 3, 42, "sd-itest", body);
  ASSERT_TRUE(c.send_all(frame));
  auto r = c.receive_frame(std::chrono::seconds(5));
  ASSERT_EQ(r.st, raw_client::status::frame);
  ASSERT_EQ(r.payload.size() + 4, frame.size());
  EXPECT_TRUE(std::equal(r.payload.begin(), r.payload.end(), frame.begin() + 4));
  // The fake closes on a frame over 1 MiB: the client sees a close, not a hang.
  bytes big(8, 0);
  store_be(big.data(), std::int32_t{2 << 20});
  c.send_all(big);
  EXPECT_TRUE(c.wait_closed(std::chrono::seconds(5)));
  b.stop();
}

TEST_F(Harness, RestartKeepsPortsAndDataDir) {
  broker_process b;
  b.start();
  auto port = b.kafka_port();
  auto dir = b.data_dir();
  b.restart();
  EXPECT_EQ(b.kafka_port(), port);
  EXPECT_EQ(b.data_dir(), dir);
  b.kill9();
  EXPECT_FALSE(b.running());
  b.start();
  EXPECT_EQ(b.kafka_port(), port);
  raw_client c(b.kafka_port());  // really listening again
  b.stop();
}

TEST_F(Harness, EarlyExitReportsStderr) {
  broker_config cfg;
  cfg.env = {{"FAKE_MODE", "exit3"}};
  broker_process b(cfg);
  try {
    b.start();
    FAIL() << "start() should have thrown";
  } catch (const harness_error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("exited with code 3"), std::string::npos) << msg;
    EXPECT_NE(msg.find("fake.key"), std::string::npos) << msg;
  }
  EXPECT_FALSE(b.running());
}

TEST_F(Harness, MissingListeningLineTimesOut) {
  broker_config cfg;
  cfg.env = {{"FAKE_MODE", "silent"}};
  cfg.start_timeout = std::chrono::milliseconds(500);
  broker_process b(cfg);
  EXPECT_THROW(b.start(), harness_error);
  EXPECT_FALSE(b.running());
}

TEST_F(Harness, StopReportsUncleanShutdown) {
  broker_config cfg;
  cfg.env = {{"FAKE_MODE", "ignore_term"}};
  cfg.stop_timeout = std::chrono::milliseconds(500);
  broker_process b(cfg);
  b.start();
  EXPECT_THROW(b.stop(), harness_error);  // ignored SIGTERM: killed after the deadline, reported
  EXPECT_FALSE(b.running());
}

TEST_F(Harness, RunBrokerToExitCapturesOutput) {
  auto r = run_broker_to_exit({"broker"}, {{"FAKE_MODE", "exit3"}}, std::chrono::seconds(10));
  EXPECT_TRUE(r.exit.exited);
  EXPECT_EQ(r.exit.code, 3);
  EXPECT_NE(r.stderr_text.find("refusing to start"), std::string::npos);
}

TEST_F(Harness, RunCommandTimesOutAndKills) {
  command cmd;
  cmd.argv = {"/bin/sleep", "30"};
  exit_info e = run_command(cmd, std::chrono::milliseconds(200));
  EXPECT_TRUE(e.timed_out);
  EXPECT_FALSE(e.clean());
}

TEST(HarnessPayload, DeterministicAndExactSize) {
  for (std::size_t size : {0u, 1u, 5u, 100u, 70000u}) {
    auto v = make_value(7, size);
    EXPECT_EQ(v.size(), size);
    EXPECT_EQ(v, make_value(7, size));
  }
  EXPECT_NE(make_value(7, 1000), make_value(8, 1000));
}

TEST(HarnessWire, RecordBatchIsWellFormed) {
  bytes b = wire::record_batch({{"key", "value"}, {std::nullopt, "v2"}}, 1234);
  auto f = batch::frame(b, 1 << 20);
  EXPECT_EQ(f.status, batch::check::ok);
  EXPECT_EQ(f.size, b.size());
  EXPECT_EQ(f.hdr.records_count, 2);
  EXPECT_EQ(f.hdr.last_offset_delta, 1);
  b.back() ^= 1;
  EXPECT_EQ(batch::frame(b, 1 << 20).status, batch::check::bad_crc);
}

}  // namespace
}  // namespace sd::itest
