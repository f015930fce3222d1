// Transactions with librdkafka's own transactional producer and read_committed consumer against the real
// broker: commit, abort, fencing by a second producer with the same transactional id, the coordinator's
// abort at transaction.timeout.ms, and send_offsets_to_transaction (offsets visible only on commit).
#include <gtest/gtest.h>

#include <librdkafka/rdkafkacpp.h>

#include <map>
#include <set>
#include <thread>

#include "support/broker_process.h"
#include "support/kafka_client.h"
#include "txn_support.h"

namespace sd::itest {
namespace {

using namespace std::chrono_literals;

TEST(TransactionsLibrdkafka, CommittedRecordsAreVisibleAndAbortedOnesAreNot) {
  broker_process broker;
  broker.start();
  const std::string topic = "txn-basic";
  create_topic(broker.bootstrap(), topic, 3);
  txn_producer p(broker.bootstrap(), "basic-1");
  p.begin();
  for (int i = 0; i < 90; ++i) p.produce(topic, i % 3, "k" + std::to_string(i % 7), "commit1-" + std::to_string(i));
  p.commit();
  p.begin();
  for (int i = 0; i < 60; ++i) p.produce(topic, i % 3, "k" + std::to_string(i % 7), "abort-" + std::to_string(i));
  p.flush();  // on the log before the abort (abort_transaction purges what is still queued)
  p.abort();
  p.begin();
  for (int i = 0; i < 30; ++i) p.produce(topic, i % 3, "k" + std::to_string(i % 7), "commit2-" + std::to_string(i));
  p.commit();

  // read_committed: exactly the committed records, in produce order per partition.
  auto committed = read_all(broker.bootstrap(), topic, 3, "read_committed");
  ASSERT_EQ(committed.size(), 120u) << broker.diagnostics();
  std::map<std::int32_t, std::vector<std::string>> per_partition;
  for (auto& c : committed) {
    EXPECT_EQ(c.value.rfind("abort-", 0), std::string::npos) << c.value;
    per_partition[c.partition].push_back(c.value);
  }
  for (int part = 0; part < 3; ++part) {
    std::vector<std::string> expected;
    for (int i = part; i < 90; i += 3) expected.push_back("commit1-" + std::to_string(i));
    for (int i = part; i < 30; i += 3) expected.push_back("commit2-" + std::to_string(i));
    EXPECT_EQ(per_partition[part], expected) << "partition " << part;
  }
  // read_uncommitted: the aborted attempt too (data records only: markers are not delivered).
  auto all = read_all(broker.bootstrap(), topic, 3, "read_uncommitted");
  EXPECT_EQ(all.size(), 180u);
  // Each transaction wrote one marker per partition: the log end counts them.
  auto hw = high_watermarks(broker.bootstrap(), topic, 3);
  EXPECT_EQ(hw[0] + hw[1] + hw[2], 180 + 3 * 3);
}

TEST(TransactionsLibrdkafka, ReadCommittedConsumerWaitsForTheOutcome) {
  broker_process broker;
  broker.start();
  const std::string topic = "txn-lso";
  create_topic(broker.bootstrap(), topic, 1);
  // A plain record, then an open transaction, then another plain record behind it.
  ASSERT_TRUE(produce_and_wait(broker.bootstrap(), topic, {{std::nullopt, "before", 0}}).failed.empty());
  txn_producer p(broker.bootstrap(), "lso-1");
  p.begin();
  p.produce(topic, 0, "k", "in-txn");
  p.flush();
  ASSERT_TRUE(produce_and_wait(broker.bootstrap(), topic, {{std::nullopt, "after", 0}}).failed.empty());
  // The last stable offset stops at the open transaction: only "before" is readable.
  auto early = read_all(broker.bootstrap(), topic, 1, "read_committed", 3s);
  ASSERT_EQ(early.size(), 1u);
  EXPECT_EQ(early[0].value, "before");
  EXPECT_EQ(read_all(broker.bootstrap(), topic, 1, "read_uncommitted").size(), 3u);
  p.commit();
  auto late = read_all(broker.bootstrap(), topic, 1, "read_committed");
  ASSERT_EQ(late.size(), 3u);
  EXPECT_EQ(late[1].value, "in-txn");
  EXPECT_EQ(late[2].value, "after");
}

TEST(TransactionsLibrdkafka, SecondProducerWithTheSameIdFencesTheFirst) {
  broker_process broker;
  broker.start();
  const std::string topic = "txn-fence";
  create_topic(broker.bootstrap(), topic, 2);
  txn_producer first(broker.bootstrap(), "fence-1");
  first.begin();
  for (int i = 0; i < 20; ++i) first.produce(topic, i % 2, std::nullopt, "zombie-" + std::to_string(i));
  first.flush();

  // The new instance's init_transactions aborts the open transaction and bumps the epoch.
  txn_producer second(broker.bootstrap(), "fence-1");
  second.begin();
  for (int i = 0; i < 10; ++i) second.produce(topic, i % 2, std::nullopt, "live-" + std::to_string(i));
  second.commit();

  // The zombie can neither write nor commit any more.
  auto err = first.try_commit();
  EXPECT_TRUE(err.fatal || err.code != RdKafka::ERR_NO_ERROR) << "the fenced producer committed";
  EXPECT_TRUE(err.code == RdKafka::ERR__FENCED || err.code == RdKafka::ERR_PRODUCER_FENCED ||
              err.code == RdKafka::ERR_INVALID_PRODUCER_EPOCH)
      << RdKafka::err2str(err.code) << ": " << err.message;

  auto committed = read_all(broker.bootstrap(), topic, 2, "read_committed");
  ASSERT_EQ(committed.size(), 10u);
  for (auto& c : committed) EXPECT_EQ(c.value.rfind("live-", 0), 0u) << c.value;
  EXPECT_EQ(read_all(broker.bootstrap(), topic, 2, "read_uncommitted").size(), 30u);
}

TEST(TransactionsLibrdkafka, CoordinatorAbortsATransactionPastItsTimeout) {
  broker_config bc;
  bc.sets = {{"transaction.abort.timed.out.transaction.cleanup.interval.ms", "200"}};
  broker_process broker(bc);
  broker.start();
  const std::string topic = "txn-timeout";
  create_topic(broker.bootstrap(), topic, 1);
  {
    txn_producer slow(broker.bootstrap(), "timeout-1", {{"transaction.timeout.ms", "2000"}, {"socket.timeout.ms", "1900"}});
    slow.begin();
    for (int i = 0; i < 5; ++i) slow.produce(topic, 0, std::nullopt, "late-" + std::to_string(i));
    slow.flush();
    // Past the timeout the coordinator aborts it: read_committed consumers are no longer held back.
    auto deadline = std::chrono::steady_clock::now() + 15s;
    std::vector<consumed> seen;
    while (std::chrono::steady_clock::now() < deadline) {
      ASSERT_TRUE(produce_and_wait(broker.bootstrap(), topic, {{std::nullopt, "plain", 0}}).failed.empty());
      seen = read_all(broker.bootstrap(), topic, 1, "read_committed", 2s);
      if (!seen.empty()) break;
      std::this_thread::sleep_for(300ms);
    }
    ASSERT_FALSE(seen.empty()) << "the timed-out transaction still holds the last stable offset\n"
                               << broker.diagnostics();
    for (auto& c : seen) EXPECT_EQ(c.value, "plain");
    auto err = slow.try_commit();
    EXPECT_NE(err.code, RdKafka::ERR_NO_ERROR) << "a transaction aborted by its timeout was committed";
  }
  // The id is usable again by a new producer.
  txn_producer next(broker.bootstrap(), "timeout-1");
  next.begin();
  next.produce(topic, 0, std::nullopt, "next");
  next.commit();
  auto all = read_all(broker.bootstrap(), topic, 1, "read_committed");
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.back().value, "next");
  for (auto& c : all) EXPECT_EQ(c.value.rfind("late-", 0), std::string::npos);
}

TEST(TransactionsLibrdkafka, OffsetsSentToATransactionCommitWithItOnly) {
  broker_process broker;
  broker.start();
  const std::string in = "txn-in", out = "txn-out", group = "txn-group";
  create_topic(broker.bootstrap(), in, 1);
  create_topic(broker.bootstrap(), out, 1);
  std::vector<message_spec> input;
  for (int i = 0; i < 40; ++i) input.push_back({std::nullopt, "v" + std::to_string(i), 0});
  ASSERT_TRUE(produce_and_wait(broker.bootstrap(), in, input).failed.empty());

  txn_producer p(broker.bootstrap(), "offsets-1");
  auto consumer = group_consumer(broker.bootstrap(), group, in);
  // First transaction: 10 records processed and committed with their offsets.
  auto batch = poll_records(*consumer, 10, 20s);
  ASSERT_EQ(batch.size(), 10u);
  p.begin();
  for (auto& m : batch) p.produce(out, 0, std::nullopt, "out-" + m.value);
  p.send_offsets(*consumer, in, 0, batch.back().offset + 1);
  p.commit();
  EXPECT_EQ(committed_offset(broker.bootstrap(), group, in, 0), 10);

  // Second transaction: 10 more, aborted: neither the output nor the offsets stay.
  batch = poll_records(*consumer, 10, 20s);
  ASSERT_EQ(batch.size(), 10u);
  p.begin();
  for (auto& m : batch) p.produce(out, 0, std::nullopt, "out-" + m.value);
  p.send_offsets(*consumer, in, 0, batch.back().offset + 1);
  p.abort();
  EXPECT_EQ(committed_offset(broker.bootstrap(), group, in, 0), 10);
  consumer->close();

  auto outputs = read_all(broker.bootstrap(), out, 1, "read_committed");
  ASSERT_EQ(outputs.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(outputs[static_cast<std::size_t>(i)].value, "out-v" + std::to_string(i));
}

}  // namespace
}  // namespace sd::itest
