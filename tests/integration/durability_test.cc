// Acknowledged means stored: `kill -9` during an acks=all produce, and SIGTERM (clean shutdown, exit 0) during
// acks=all and acks=1 produces; after each restart every acknowledged record is read back, byte for byte.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include "support/broker_process.h"
#include "support/kafka_client.h"
#include "support/payload.h"

namespace sd::itest {
namespace {

using namespace std::chrono_literals;

std::size_t size_of(std::uint64_t id) { return 100 + id % 2000; }

// Produces id base, base+1, ... as fast as the broker takes them, on its own thread, until stopped.
class background_producer {
 public:
  background_producer(const std::string& bootstrap, const std::string& topic, std::uint64_t base, conf_map conf)
      : _topic(topic), _base(base), _producer(bootstrap, conf) {
    _thread = std::thread([this] { run(); });
  }
  ~background_producer() { finish(0ms); }

  /// Stops producing, waits up to flush_timeout for outstanding reports, joins the thread.
  void finish(std::chrono::milliseconds flush_timeout) {
    _stop = true;
    if (_thread.joinable()) _thread.join();
    if (flush_timeout.count() > 0) _producer.flush(flush_timeout);
  }
  std::size_t acked() const { return _producer.delivered_ok(); }
  std::set<std::uint64_t> acked_ids() const {
    std::set<std::uint64_t> s;
    for (const auto& d : _producer.deliveries()) {
      if (d.err == RdKafka::ERR_NO_ERROR) s.insert(d.id);
    }
    return s;
  }
  std::size_t failed() const { return _producer.deliveries().size() - acked(); }
  std::string error() const {
    std::lock_guard lk(_mu);
    return _error;
  }
  int outstanding() const { return _producer.outstanding(); }

 private:
  void run() {
    try {
      for (std::uint64_t i = _base; !_stop; ++i) {
        _producer.produce(_topic, -1, "k" + std::to_string(i % 16), make_value(i, size_of(i)), i, 120s);
        _producer.poll(0);
        // Keep a bounded backlog so a dead broker does not turn into a huge local queue.
        while (!_stop && _producer.outstanding() > 2000) _producer.poll(10);
      }
    } catch (const std::exception& e) {
      std::lock_guard lk(_mu);
      _error = e.what();
    }
  }

  std::string _topic;
  std::uint64_t _base;
  tracking_producer _producer;
  std::atomic<bool> _stop{false};
  mutable std::mutex _mu;
  std::string _error;
  std::thread _thread;
};

bool wait_acked(const background_producer& p, std::size_t n, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (p.acked() < n) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

// Reads the whole topic and checks that every id in acked is there with exactly its content.
void expect_all_present(const broker_process& broker, const std::string& topic, int partitions,
                        const std::set<std::uint64_t>& acked) {
  auto got = consume(broker.bootstrap(), topic, partitions_upto(partitions), {.timeout = 180s});
  std::set<std::uint64_t> present;
  std::size_t duplicates = 0;
  for (const auto& c : got) {
    std::uint64_t id = std::stoull(c.value.substr(0, c.value.find('|')));
    ASSERT_TRUE(c.value == make_value(id, size_of(id))) << "corrupt record at " << c.partition << "/" << c.offset;
    if (!present.insert(id).second) ++duplicates;
  }
  std::size_t missing = 0;
  std::uint64_t first_missing = 0;
  for (auto id : acked) {
    if (!present.count(id)) {
      if (missing++ == 0) first_missing = id;
    }
  }
  EXPECT_EQ(missing, 0u) << missing << " acknowledged records missing (first id " << first_missing << ") of "
                         << acked.size() << "; read " << got.size() << "\n" << broker.diagnostics();
  std::cout << "[durability] acked " << acked.size() << ", read " << got.size() << ", duplicates (retries) "
            << duplicates << "\n";
}

TEST(Durability, Kill9DuringAcksAllProduceLosesNothingAcknowledged) {
  const std::string topic = "durable";
  const int partitions = 3;
  const int kills = scaled(4, 12);
  const std::size_t per_round = scaled<std::size_t>(3000, 30000);

  broker_process broker;
  broker.start();
  create_topic(broker.bootstrap(), topic, partitions);
  background_producer p(broker.bootstrap(), topic, 0,
                        {{"acks", "all"}, {"message.timeout.ms", "60000"}, {"linger.ms", "2"}});
  for (int k = 0; k < kills; ++k) {
    ASSERT_TRUE(wait_acked(p, per_round * static_cast<std::size_t>(k + 1), 120s))
        << "round " << k << ": producer stalled at " << p.acked() << " acks; " << p.error() << "\n"
        << broker.diagnostics();
    broker.kill9();
    broker.start();  // recovery on the same data dir and port
  }
  ASSERT_TRUE(wait_acked(p, per_round * static_cast<std::size_t>(kills + 1), 120s))
      << "no progress after the last restart: " << p.error();
  p.finish(90s);
  EXPECT_EQ(p.error(), "");
  EXPECT_EQ(p.outstanding(), 0);
  expect_all_present(broker, topic, partitions, p.acked_ids());
  broker.stop();
}

TEST(Durability, Kill9RightAfterAcksKeepsThem) {
  // Small synchronous rounds: produce, get every ack, kill -9 at once (no time for a lazy flush), restart.
  const std::string topic = "sync-acks";
  broker_process broker;
  broker.start();
  create_topic(broker.bootstrap(), topic, 1);
  std::set<std::uint64_t> acked;
  for (int round = 0; round < scaled(3, 10); ++round) {
    std::vector<message_spec> msgs;
    for (int i = 0; i < 200; ++i) {
      std::uint64_t id = static_cast<std::uint64_t>(round * 1000 + i);
      msgs.push_back({std::nullopt, make_value(id, size_of(id)), 0});
    }
    auto s = produce_and_wait(broker.bootstrap(), topic, msgs, {{"acks", "all"}});
    ASSERT_TRUE(s.failed.empty()) << s.first_error();
    for (const auto& d : s.ok) acked.insert(static_cast<std::uint64_t>(round * 1000) + d.id);
    broker.kill9();
    broker.start();
  }
  expect_all_present(broker, topic, 1, acked);
  broker.stop();
}

TEST(CleanShutdown, SigtermDuringProduceExitsZeroAndKeepsAcked) {
  const std::string topic = "graceful";
  const int partitions = 4;
  const std::size_t per_round = scaled<std::size_t>(3000, 30000);
  const int rounds = scaled(2, 5);

  broker_process broker;
  broker.start();
  create_topic(broker.bootstrap(), topic, partitions);
  background_producer all(broker.bootstrap(), topic, 0, {{"acks", "all"}, {"message.timeout.ms", "60000"}});
  background_producer one(broker.bootstrap(), topic, 1'000'000'000, {{"acks", "1"}, {"message.timeout.ms", "60000"}});
  for (int r = 0; r < rounds; ++r) {
    std::size_t want = per_round * static_cast<std::size_t>(r + 1);
    ASSERT_TRUE(wait_acked(all, want, 120s) && wait_acked(one, want, 120s))
        << "round " << r << ": producers stalled; " << all.error() << one.error() << "\n" << broker.diagnostics();
    exit_info e = broker.signal_and_wait(SIGTERM);
    ASSERT_TRUE(e.clean()) << "SIGTERM with producers running: " << e.describe() << "\n" << broker.diagnostics();
    broker.start();
  }
  ASSERT_TRUE(wait_acked(all, per_round * static_cast<std::size_t>(rounds + 1), 120s));
  all.finish(90s);
  one.finish(90s);
  EXPECT_EQ(all.error() + one.error(), "");
  std::set<std::uint64_t> acked = all.acked_ids();
  auto more = one.acked_ids();
  acked.insert(more.begin(), more.end());
  expect_all_present(broker, topic, partitions, acked);
  exit_info last = broker.signal_and_wait(SIGINT);
  EXPECT_TRUE(last.clean()) << "SIGINT: " << last.describe() << "\n" << broker.diagnostics();
}

}  // namespace
}  // namespace sd::itest
