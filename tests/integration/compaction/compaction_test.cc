// Log compaction seen from real clients: random keyed writes with tombstones to a compacted topic, the
// cleaner running between rounds, every read (librdkafka's consumer, kcat) checked against the model; in the
// end one record per live key. Keyless records are refused with Kafka's error and nothing is lost; configs
// are validated; the cleaner's metrics move.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <random>
#include <thread>

#include "compaction_support.h"
#include "protocol/record_batch.h"
#include "support/codec_conn.h"
#include "support/http_client.h"
#include "support/kafka_client.h"
#include "support/process.h"
#include "support/test_env.h"

namespace sd::itest {
namespace {

using namespace std::chrono_literals;

broker_config fast_cleaner() {
  broker_config bc;
  bc.sets = {{"log.cleaner.backoff.ms", "100"}};
  return bc;
}

/// Waits until the cleaner installed more passes than `before` (bounded).
bool wait_for_runs(const broker_process& b, double before, std::chrono::milliseconds limit = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (scrape(b, "streamdown_log_cleaner_runs_total").value_or(0) > before) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

std::vector<read_record> kcat_read(const broker_process& b, const std::string& topic) {
  temp_dir d("sd-kcat-compact");
  command cmd;
  // key, value (-Z: NULL for null), offset; tab separated.
  cmd.argv = {kcat_binary(), "-b", b.bootstrap(), "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-Z",
              "-f", "%k\\t%s\\t%o\\n"};
  cmd.stdout_path = d.file("out");
  auto e = run_command(cmd, 60s);
  EXPECT_TRUE(e.clean()) << e.describe();
  std::vector<read_record> out;
  std::string text = read_file(cmd.stdout_path);
  std::size_t at = 0;
  while (at < text.size()) {
    auto nl = text.find('\n', at);
    std::string line = text.substr(at, nl - at);
    at = nl == std::string::npos ? text.size() : nl + 1;
    auto t1 = line.find('\t'), t2 = line.rfind('\t');
    if (t1 == std::string::npos || t2 == t1) continue;
    read_record r{std::stoll(line.substr(t2 + 1)), line.substr(0, t1), line.substr(t1 + 1, t2 - t1 - 1)};
    if (*r.value == "NULL") r.value.reset();
    out.push_back(std::move(r));
  }
  return out;
}

TEST(Compaction, RandomKeyedWritesWithTombstonesReadBackAsTheModel) {
  ASSERT_FALSE(kcat_binary().empty()) << "kcat not found: run scripts/setup";
  broker_process broker(fast_cleaner());
  broker.start();
  create_compacted(broker, "state", {{"segment.ms", "1500"}});
  std::mt19937 rng(7);
  model_map model;
  const int rounds = scaled(8, 30);
  const int keys = scaled(60, 400);
  for (int round = 0; round < rounds; ++round) {
    std::vector<std::pair<std::string, std::optional<std::string>>> recs;
    for (int i = 0; i < 150; ++i) {
      std::string k = "device-" + std::to_string(rng() % keys);
      std::optional<std::string> v;
      if (rng() % 8 != 0) v = "r" + std::to_string(round) + "-" + std::to_string(i) + "-" + std::string(rng() % 60, 'z');
      recs.emplace_back(k, v);
    }
    const double runs = scrape(broker, "streamdown_log_cleaner_runs_total").value_or(0);
    ASSERT_EQ(produce_keyed(broker.bootstrap(), "state", recs, model), recs.size());
    ASSERT_TRUE(wait_for_runs(broker, runs)) << "the cleaner did not run\n" << broker.diagnostics();
    const auto ckpt = cleaner_checkpoint(broker, "state");
    EXPECT_GT(ckpt, 0);
    auto err = check_model(read_partition0(broker.bootstrap(), "state"), model, ckpt);
    ASSERT_EQ(err, "") << "round " << round << " (librdkafka)";
    err = check_model(kcat_read(broker, "state"), model, ckpt);
    ASSERT_EQ(err, "") << "round " << round << " (kcat)";
  }
  // Let the active segment age past segment.ms, roll it with one more record, and clean everything before it;
  // twice, because a tombstone goes only in a pass after the one that first cleaned it (delete.retention.ms=0
  // counts from that pass): then each live key is there exactly once and no tombstone is left.
  model_map roll_model;
  for (int roll = 0; roll < 2; ++roll) {
    std::this_thread::sleep_for(1600ms);
    const double runs = scrape(broker, "streamdown_log_cleaner_runs_total").value_or(0);
    ASSERT_EQ(produce_keyed(broker.bootstrap(), "state", {{"~roll", "x" + std::to_string(roll)}}, roll_model), 1u);
    ASSERT_TRUE(wait_for_runs(broker, runs)) << "roll " << roll;
  }
  const auto end = high_watermarks(broker.bootstrap(), "state", 1)[0];
  auto recs = read_partition0(broker.bootstrap(), "state");
  ASSERT_EQ(check_model(recs, model, end, "~roll"), "");
  std::size_t live = 0;
  for (const auto& [k, v] : model) live += v ? 1 : 0;
  std::size_t values = 0;
  for (const auto& r : recs) {
    if (*r.key == "~roll") continue;  // the last one sits in the active segment, the one before it stays too
    EXPECT_TRUE(r.value.has_value()) << "tombstone of " << *r.key << " at " << r.offset << " kept";
    ++values;
  }
  EXPECT_EQ(values, live);
  // Removed ranges are gaps: a consumer starting inside one gets the next record.
  ASSERT_GE(recs.size(), 2u);
  EXPECT_LT(recs.size(), static_cast<std::size_t>(end));
  EXPECT_GT(scrape(broker, "streamdown_log_cleaner_records_removed_total").value_or(0), 0);
  EXPECT_GT(scrape(broker, "streamdown_log_cleaner_written_bytes_total").value_or(0), 0);
  EXPECT_TRUE(scrape(broker, "streamdown_log_cleaner_dirty_ratio{topic=\"state\",partition=\"0\"}").has_value());
  // A restart (clean) reads the same.
  broker.restart();
  EXPECT_EQ(check_model(read_partition0(broker.bootstrap(), "state"), model, end, "~roll"), "");
}

TEST(Compaction, KeylessRecordsAreRefusedAndNothingIsLost) {
  broker_process broker(fast_cleaner());
  broker.start();
  create_compacted(broker, "keyed");
  model_map model;
  ASSERT_EQ(produce_keyed(broker.bootstrap(), "keyed", {{"a", std::string("1")}}, model), 1u);
  // librdkafka: the delivery report carries the refusal.
  auto sum = produce_and_wait(broker.bootstrap(), "keyed", {{std::nullopt, "no key", 0}}, {{"retries", "0"}});
  ASSERT_EQ(sum.failed.size(), 1u);
  // librdkafka 2.0 speaks Produce v7: Kafka answers CORRUPT_MESSAGE there, INVALID_RECORD from v8.
  EXPECT_TRUE(sum.failed[0].err == RdKafka::ERR_INVALID_MSG || sum.failed[0].err == RdKafka::ERR_INVALID_RECORD)
      << RdKafka::err2str(sum.failed[0].err);
  // Wire level, old and new versions: CORRUPT_MESSAGE before v8, INVALID_RECORD with the record's index after.
  codec_conn c(broker.kafka_port());
  std::vector<protocol::record> rs(2);
  rs[0].key = bytes{'k'};
  rs[0].value = bytes{'v'};
  rs[1].value = bytes{'v'};  // no key
  auto batch = protocol::build_batch(rs);
  ASSERT_TRUE(batch);
  auto v7 = produce_batch(c, "keyed", 0, *batch, 1, 7);
  EXPECT_EQ(v7.error_code, 2);
  auto v9 = produce_batch(c, "keyed", 0, *batch, 1, 9);
  EXPECT_EQ(v9.error_code, 87);
  ASSERT_EQ(v9.record_errors.size(), 1u);
  EXPECT_EQ(v9.record_errors[0].batch_index, 1);
  // HTTP produce: the keyless record fails with invalid_record, its keyed neighbour is written.
  auto http = http_exchange(broker.http_port(), "POST", "/v1/topics/keyed/records",
                            R"([{"key":"b","value":"2"},{"value":"no key"}])");
  ASSERT_EQ(http.status, 200) << http.body;
  const auto results = nlohmann::json::parse(http.body)["results"];
  ASSERT_EQ(results.size(), 2u) << http.body;
  EXPECT_TRUE(results[0].contains("offset")) << http.body;
  EXPECT_EQ(results[1].value("error_code", ""), "invalid_record") << http.body;
  EXPECT_FALSE(results[1].contains("offset")) << http.body;
  model["b"] = "2";
  // Nothing of the refused records was written; the keyed records are intact.
  EXPECT_EQ(high_watermarks(broker.bootstrap(), "keyed", 1)[0], 2);
  EXPECT_EQ(check_model(read_partition0(broker.bootstrap(), "keyed"), model, 0), "");
}

TEST(Compaction, CleanupPolicyIsValidated) {
  broker_process broker;
  broker.start();
  codec_conn c(broker.kafka_port());
  EXPECT_EQ(create_topic_v7(c, "bad-policy", 1, {{"cleanup.policy", "shred"}}).error_code, 40);  // INVALID_CONFIG
  EXPECT_EQ(create_topic_v7(c, "twice", 1, {{"cleanup.policy", "compact,compact"}}).error_code, 40);
  EXPECT_EQ(create_topic_v7(c, "both", 1, {{"cleanup.policy", "compact,delete"}}).error_code, 0);
  EXPECT_EQ(create_topic_v7(c, "ratio", 1, {{"min.cleanable.dirty.ratio", "1.5"}}).error_code, 40);
  EXPECT_EQ(create_topic_v7(c, "delay", 1, {{"streamdown.delivery.delay.ms", "-1"}}).error_code, 40);
}

}  // namespace
}  // namespace sd::itest
