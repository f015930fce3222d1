// librdkafka (C++ API) against the real broker: 6 partitions, keyed messages from 1 byte to 900 KB, every
// compression codec crossed with acks 0/1/all, a clean broker restart half-way; a group-less consumer then
// reads everything back and checks count, per-key order, content, offsets and delivery-report offsets.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <thread>

#include "support/broker_process.h"
#include "support/kafka_client.h"
#include "support/payload.h"

namespace sd::itest {
namespace {

using namespace std::chrono_literals;

const std::vector<std::string> codecs = {"none", "gzip", "snappy", "lz4", "zstd"};
const std::vector<std::string> acks_values = {"0", "1", "all"};
const std::vector<std::size_t> sizes = {1, 7, 100, 1000, 4096, 16384, 65536, 200'000, 500'000, 900 * 1024};

struct expected_msg {
  std::uint64_t id;
  std::size_t size;
};

struct combo {
  std::string codec, acks;
  std::unique_ptr<tracking_producer> producer;
  int next = 0;  // messages produced so far
};

// Waits until the partitions' high watermarks add up to total (acks=0 messages have no report to wait on).
std::int64_t wait_for_total(const std::string& bootstrap, const std::string& topic, int partitions, std::int64_t total,
                            std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::int64_t sum = 0;
  do {
    sum = 0;
    for (auto h : high_watermarks(bootstrap, topic, partitions)) sum += h;
    if (sum >= total) break;
    std::this_thread::sleep_for(200ms);
  } while (std::chrono::steady_clock::now() < deadline);
  return sum;
}

TEST(Librdkafka, CodecsAcksSizesAcrossCleanRestart) {
  const std::string topic = "matrix";
  const int partitions = 6;
  const int keys_per_combo = 3;
  const int per_phase = scaled(static_cast<int>(sizes.size()), 10 * static_cast<int>(sizes.size()));

  broker_process broker;
  broker.start();
  create_topic(broker.bootstrap(), topic, partitions);

  std::vector<combo> combos;
  for (const auto& c : codecs) {
    for (const auto& a : acks_values) {
      combo k{c, a, nullptr, 0};
      k.producer = std::make_unique<tracking_producer>(
          broker.bootstrap(), conf_map{{"compression.codec", c}, {"acks", a}, {"message.timeout.ms", "120000"}});
      combos.push_back(std::move(k));
    }
  }

  std::map<std::string, std::vector<expected_msg>> per_key;
  std::map<std::uint64_t, std::string> key_of;
  std::int64_t total = 0;
  auto run_phase = [&](int phase) {
    for (std::size_t ci = 0; ci < combos.size(); ++ci) {
      auto& k = combos[ci];
      for (int m = 0; m < per_phase; ++m, ++k.next) {
        std::uint64_t id = ci * 1'000'000 + static_cast<std::uint64_t>(k.next);
        std::string key = k.codec + "/acks=" + k.acks + "/k" + std::to_string(k.next % keys_per_combo);
        std::size_t size = sizes[static_cast<std::size_t>(k.next + phase) % sizes.size()];
        k.producer->produce(topic, -1, key, make_value(id, size), id);
        k.producer->poll(0);
        per_key[key].push_back({id, size});
        key_of[id] = key;
        ++total;
      }
    }
    for (auto& k : combos) {
      ASSERT_TRUE(k.producer->flush(120s)) << k.codec << " acks=" << k.acks << ": reports missing\n"
                                           << broker.diagnostics();
    }
    for (auto& k : combos) {
      for (const auto& d : k.producer->deliveries()) {
        ASSERT_EQ(d.err, RdKafka::ERR_NO_ERROR)
            << k.codec << " acks=" << k.acks << " id " << d.id << ": " << RdKafka::err2str(d.err);
      }
    }
    ASSERT_EQ(wait_for_total(broker.bootstrap(), topic, partitions, total, 30s), total)
        << "phase " << phase << ": the log does not hold every produced message";
  };

  ASSERT_NO_FATAL_FAILURE(run_phase(0));
  broker.restart();  // clean: SIGTERM, exit 0, same data dir and port; producers reconnect
  ASSERT_EQ(wait_for_total(broker.bootstrap(), topic, partitions, total, 30s), total) << "lost in restart";
  ASSERT_NO_FATAL_FAILURE(run_phase(1));

  auto got = consume(broker.bootstrap(), topic, partitions_upto(partitions),
                     {.expected = total, .timeout = 180s, .overrides = {{"fetch.message.max.bytes", "2000000"}}});
  ASSERT_EQ(static_cast<std::int64_t>(got.size()), total) << broker.diagnostics();

  // Offsets within each partition are 0, 1, 2, ... in the order read.
  std::map<std::int32_t, std::int64_t> next_offset;
  std::map<std::string, std::int32_t> partition_of_key;
  std::map<std::string, std::size_t> next_of_key;
  std::map<std::uint64_t, std::pair<std::int32_t, std::int64_t>> read_at;  // id -> (partition, offset)
  for (const auto& c : got) {
    ASSERT_EQ(c.offset, next_offset[c.partition]++) << "partition " << c.partition << " has a gap or duplicate";
    ASSERT_TRUE(c.key.has_value());
    auto [it, fresh] = partition_of_key.emplace(*c.key, c.partition);
    EXPECT_EQ(it->second, c.partition) << "key " << *c.key << " in two partitions";
    auto& exp = per_key[*c.key];
    std::size_t& i = next_of_key[*c.key];
    ASSERT_LT(i, exp.size()) << "more messages than produced for key " << *c.key;
    const auto& e = exp[i++];
    ASSERT_EQ(c.value.size(), e.size) << "key " << *c.key << " message " << i - 1 << " (id " << e.id << ")";
    ASSERT_TRUE(c.value == make_value(e.id, e.size)) << "content differs: key " << *c.key << " id " << e.id;
    read_at[e.id] = {c.partition, c.offset};
  }
  for (const auto& [key, exp] : per_key) EXPECT_EQ(next_of_key[key], exp.size()) << "key " << key;

  // acks=1/all delivery reports name the partition and offset where the message really is.
  for (auto& k : combos) {
    if (k.acks == "0") continue;
    for (const auto& d : k.producer->deliveries()) {
      auto at = read_at.find(d.id);
      ASSERT_NE(at, read_at.end());
      EXPECT_EQ(at->second.first, d.partition) << "id " << d.id;
      EXPECT_EQ(at->second.second, d.offset) << "id " << d.id;
    }
  }
  combos.clear();
  broker.stop();
}

TEST(Librdkafka, OversizedMessageIsRejectedNotStored) {
  // A record over the broker's message.max.bytes gets an error report (not a hang), and later ones still work.
  broker_config cfg;
  cfg.sets = {{"message.max.bytes", "100000"}};
  broker_process broker(cfg);
  broker.start();
  create_topic(broker.bootstrap(), "big", 1);
  auto s = produce_and_wait(broker.bootstrap(), "big", {{std::string("k"), make_value(1, 300'000), 0}},
                            {{"acks", "all"}, {"message.timeout.ms", "20000"}, {"message.send.max.retries", "0"}},
                            60s);
  ASSERT_EQ(s.failed.size(), 1u) << "a 300 KB message was accepted with message.max.bytes=100000";
  auto ok = produce_and_wait(broker.bootstrap(), "big", {{std::string("k"), make_value(2, 1000), 0}}, {{"acks", "all"}});
  ASSERT_TRUE(ok.failed.empty()) << ok.first_error();
  auto got = consume(broker.bootstrap(), "big", {0}, {.expected = 1});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].value, make_value(2, 1000));
  broker.stop();
}

}  // namespace
}  // namespace sd::itest
