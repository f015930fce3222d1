// Transactions at the wire level, with the project's codec (librdkafka 2.0.2 has no DescribeTransactions or
// ListTransactions, and a client never sends the bad requests checked here): Kafka's error codes for fenced
// epochs, unknown ids, wrong states, unknown partitions, foreign generations and transactional batches a
// transaction did not announce; the aborted-transaction list and last stable offset in Fetch; and that the
// broker keeps serving correctly after each refusal.
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "protocol/generated/all_messages.h"
#include "protocol/record_batch.h"
#include "support/broker_process.h"
#include "support/codec_conn.h"
#include "support/kafka_client.h"
#include "txn_support.h"

namespace sd::itest {
namespace {

namespace p = sd::protocol;

constexpr std::int16_t invalid_producer_epoch = 47, invalid_txn_state = 48, invalid_producer_id_mapping = 49,
                       invalid_transaction_timeout = 50, unknown_topic_or_partition = 3,
                       operation_not_attempted = 55, producer_fenced = 90, illegal_generation = 22,
                       unstable_offset_commit = 88, transactional_id_not_found = 105;

struct txn_client {
  codec_conn* c;
  std::string id;
  std::int64_t pid = -1;
  std::int16_t epoch = -1;

  std::int16_t init(std::int32_t timeout_ms = 60000) {
    p::init_producer_id_request r;
    r.transactional_id = id;
    r.transaction_timeout_ms = timeout_ms;
    r.producer_id = -1;
    r.producer_epoch = -1;
    auto a = c->call<p::init_producer_id_response>(r, 4);
    if (a.error_code == 0) {
      pid = a.producer_id;
      epoch = a.producer_epoch;
    }
    return a.error_code;
  }
  std::vector<std::int16_t> add_partitions(const std::vector<std::pair<std::string, std::int32_t>>& tps,
                                           std::int16_t version = 3, std::int16_t use_epoch = -2,
                                           std::int64_t use_pid = -2) {
    p::add_partitions_to_txn_request r;
    r.v3_and_below_transactional_id = id;
    r.v3_and_below_producer_id = use_pid == -2 ? pid : use_pid;
    r.v3_and_below_producer_epoch = use_epoch == -2 ? epoch : use_epoch;
    for (auto& [t, part] : tps) {
      if (r.v3_and_below_topics.empty() || r.v3_and_below_topics.back().name != t)
        r.v3_and_below_topics.emplace_back().name = t;
      r.v3_and_below_topics.back().partitions.push_back(part);
    }
    auto a = c->call<p::add_partitions_to_txn_response>(r, version);
    std::vector<std::int16_t> out;
    for (auto& t : a.results_by_topic_v3_and_below)
      for (auto& pr : t.results_by_partition) out.push_back(pr.partition_error_code);
    return out;
  }
  std::int16_t add_offsets(const std::string& group) {
    p::add_offsets_to_txn_request r;
    r.transactional_id = id;
    r.producer_id = pid;
    r.producer_epoch = epoch;
    r.group_id = group;
    return c->call<p::add_offsets_to_txn_response>(r, 3).error_code;
  }
  std::int16_t end(bool commit, std::int16_t version = 3) {
    p::end_txn_request r;
    r.transactional_id = id;
    r.producer_id = pid;
    r.producer_epoch = epoch;
    r.committed = commit;
    return c->call<p::end_txn_response>(r, version).error_code;
  }
  std::int16_t txn_commit_offset(const std::string& group, const std::string& topic, std::int64_t offset,
                                 std::int32_t generation = -1, const std::string& member = "") {
    p::txn_offset_commit_request r;
    r.transactional_id = id;
    r.group_id = group;
    r.producer_id = pid;
    r.producer_epoch = epoch;
    r.generation_id = generation;
    r.member_id = member;
    auto& t = r.topics.emplace_back();
    t.name = topic;
    auto& part = t.partitions.emplace_back();
    part.partition_index = 0;
    part.committed_offset = offset;
    auto a = c->call<p::txn_offset_commit_response>(r, 3);
    return a.topics.at(0).partitions.at(0).error_code;
  }
  /// Produces one transactional batch of n records (sequence `seq`) to partition 0; the partition's answer.
  std::pair<std::int16_t, std::int64_t> produce(const std::string& topic, int n, std::int32_t seq,
                                                std::int16_t use_epoch = -2, bool with_id = true) {
    p::batch_options o;
    o.producer_id = pid;
    o.producer_epoch = use_epoch == -2 ? epoch : use_epoch;
    o.base_sequence = seq;
    o.transactional = true;
    p::batch_builder b(o);
    for (int i = 0; i < n; ++i) {
      p::record rec;
      std::string v = id + "-" + std::to_string(seq + i);
      rec.value = sd::bytes(v.begin(), v.end());
      rec.timestamp = 1000;
      b.add(rec);
    }
    auto batch = b.build();
    if (!batch) throw harness_error("cannot build a batch");
    p::produce_request r;
    if (with_id) r.transactional_id = id;
    r.acks = -1;
    r.timeout_ms = 10000;
    auto& td = r.topic_data.emplace_back();
    td.name = topic;
    auto& pd = td.partition_data.emplace_back();
    pd.index = 0;
    pd.records.data = sd::mutable_byte_span(batch->data(), batch->size());
    auto a = c->call<p::produce_response>(r, 9);
    auto& pr = a.responses.at(0).partition_responses.at(0);
    return {pr.error_code, pr.base_offset};
  }
};

p::fetch_response::fetchable_topic_response::partition_data fetch_committed(codec_conn& c, const std::string& topic,
                                                                             std::int8_t isolation) {
  p::fetch_request r;
  r.replica_id = -1;
  r.max_wait_ms = 0;
  r.min_bytes = 0;
  r.max_bytes = 1 << 20;
  r.isolation_level = isolation;
  r.session_id = 0;
  r.session_epoch = -1;
  auto& t = r.topics.emplace_back();
  t.topic = topic;
  auto& fp = t.partitions.emplace_back();
  fp.partition = 0;
  fp.fetch_offset = 0;
  fp.partition_max_bytes = 1 << 20;
  auto a = c.call<p::fetch_response>(r, 11);
  return a.responses.at(0).partitions.at(0);
}

TEST(TransactionsWire, ErrorCodesForBadRequestsAndNothingIsCorrupted) {
  broker_process broker;
  broker.start();
  create_topic(broker.bootstrap(), "wire-txn", 1);
  codec_conn c(broker.kafka_port());
  txn_client t{&c, "wire-1"};

  // EndTxn before InitProducerId: the id is unknown.
  t.pid = 1234;
  t.epoch = 0;
  EXPECT_EQ(t.end(true), invalid_producer_id_mapping);
  // Timeouts outside 1..transaction.max.timeout.ms.
  EXPECT_EQ(t.init(0), invalid_transaction_timeout);
  EXPECT_EQ(t.init(900001), invalid_transaction_timeout);
  ASSERT_EQ(t.init(), 0);
  const auto first_epoch = t.epoch;
  ASSERT_EQ(t.init(), 0);  // a new instance: the epoch is bumped
  EXPECT_EQ(t.epoch, first_epoch + 1);

  // Fenced epochs: INVALID_PRODUCER_EPOCH before v2, PRODUCER_FENCED from v2; another producer id: 49.
  EXPECT_EQ(t.add_partitions({{"wire-txn", 0}}, 1, first_epoch), (std::vector<std::int16_t>{invalid_producer_epoch}));
  EXPECT_EQ(t.add_partitions({{"wire-txn", 0}}, 3, first_epoch), (std::vector<std::int16_t>{producer_fenced}));
  EXPECT_EQ(t.add_partitions({{"wire-txn", 0}}, 3, t.epoch, t.pid + 1000),
            (std::vector<std::int16_t>{invalid_producer_id_mapping}));
  // Unknown partitions: the request adds nothing.
  EXPECT_EQ(t.add_partitions({{"no-such-topic", 0}, {"wire-txn", 0}, {"wire-txn", 7}}),
            (std::vector<std::int16_t>{unknown_topic_or_partition, operation_not_attempted, unknown_topic_or_partition}));
  // EndTxn with no transaction begun.
  EXPECT_EQ(t.end(true), invalid_txn_state);

  // A transactional batch for a partition the transaction did not add.
  EXPECT_EQ(t.produce("wire-txn", 3, 0).first, invalid_txn_state);
  EXPECT_EQ(t.add_partitions({{"wire-txn", 0}}), (std::vector<std::int16_t>{0}));
  auto appended = t.produce("wire-txn", 3, 0);
  ASSERT_EQ(appended.first, 0);
  EXPECT_EQ(appended.second, 0);
  // An older epoch of the same producer is refused by the partition too.
  EXPECT_EQ(t.produce("wire-txn", 1, 0, first_epoch).first, invalid_producer_epoch);
  // Transactional batches in a request without a transactional id: TRANSACTIONAL_ID_AUTHORIZATION_FAILED.
  EXPECT_EQ(t.produce("wire-txn", 1, 3, -2, false).first, 53);

  // Open: the last stable offset stays at the transaction's first offset.
  auto open = fetch_committed(c, "wire-txn", 1);
  EXPECT_EQ(open.high_watermark, 3);
  EXPECT_EQ(open.last_stable_offset, 0);
  EXPECT_EQ(open.records.data.size(), 0u);

  // DescribeTransactions / ListTransactions.
  p::describe_transactions_request dr;
  dr.transactional_ids = {"wire-1", "nobody"};
  auto d = c.call<p::describe_transactions_response>(dr, 0);
  ASSERT_EQ(d.transaction_states.size(), 2u);
  EXPECT_EQ(d.transaction_states[0].error_code, 0);
  EXPECT_EQ(d.transaction_states[0].transaction_state, "Ongoing");
  EXPECT_EQ(d.transaction_states[0].producer_id, t.pid);
  ASSERT_EQ(d.transaction_states[0].topics.size(), 1u);
  EXPECT_EQ(d.transaction_states[0].topics[0].topic, "wire-txn");
  EXPECT_EQ(d.transaction_states[1].error_code, transactional_id_not_found);
  p::list_transactions_request lr;
  lr.state_filters = {"Ongoing", "Bogus"};
  auto l = c.call<p::list_transactions_response>(lr, 1);
  ASSERT_EQ(l.transaction_states.size(), 1u);
  EXPECT_EQ(l.transaction_states[0].transactional_id, "wire-1");
  EXPECT_EQ(l.unknown_state_filters, std::vector<std::string>{"Bogus"});

  // TxnOffsetCommit: the group must be in the transaction; a generation the group does not have: 22.
  EXPECT_EQ(t.txn_commit_offset("wire-group", "wire-txn", 2), invalid_txn_state);
  ASSERT_EQ(t.add_offsets("wire-group"), 0);
  EXPECT_EQ(t.txn_commit_offset("wire-group", "wire-txn", 2, 5, "someone"), illegal_generation);
  ASSERT_EQ(t.txn_commit_offset("wire-group", "wire-txn", 2), 0);
  // Pending: OffsetFetch with require_stable says so; without it the offset is not there yet.
  p::offset_fetch_request ofr;
  ofr.group_id = "wire-group";
  ofr.require_stable = true;
  auto& ot = ofr.topics.emplace();
  ot.emplace_back().name = "wire-txn";
  ot.back().partition_indexes = {0};
  auto of = c.call<p::offset_fetch_response>(ofr, 7);
  EXPECT_EQ(of.topics.at(0).partitions.at(0).error_code, unstable_offset_commit);
  ofr.require_stable = false;
  of = c.call<p::offset_fetch_response>(ofr, 7);
  EXPECT_EQ(of.topics.at(0).partitions.at(0).committed_offset, -1);

  // Abort: the records are listed as aborted, the offset vanishes, the LSO moves past the marker.
  ASSERT_EQ(t.end(false), 0);
  EXPECT_EQ(t.end(false), 0);                  // a retry of a finished abort
  EXPECT_EQ(t.end(true), invalid_txn_state);  // the other verb
  auto aborted = fetch_committed(c, "wire-txn", 1);
  EXPECT_EQ(aborted.high_watermark, 4);  // 3 records + the marker
  EXPECT_EQ(aborted.last_stable_offset, 4);
  ASSERT_TRUE(aborted.aborted_transactions.has_value());
  ASSERT_EQ(aborted.aborted_transactions->size(), 1u);
  EXPECT_EQ((*aborted.aborted_transactions)[0].producer_id, t.pid);
  EXPECT_EQ((*aborted.aborted_transactions)[0].first_offset, 0);
  auto uncommitted = fetch_committed(c, "wire-txn", 0);
  EXPECT_TRUE(!uncommitted.aborted_transactions || uncommitted.aborted_transactions->empty());
  of = c.call<p::offset_fetch_response>(ofr, 7);
  EXPECT_EQ(of.topics.at(0).partitions.at(0).committed_offset, -1);

  // The next transaction commits: sequences continue, the offset lands, nothing else changed.
  ASSERT_EQ(t.add_partitions({{"wire-txn", 0}}), (std::vector<std::int16_t>{0}));
  ASSERT_EQ(t.add_offsets("wire-group"), 0);
  auto second = t.produce("wire-txn", 2, 3);
  ASSERT_EQ(second.first, 0);
  EXPECT_EQ(second.second, 4);
  ASSERT_EQ(t.txn_commit_offset("wire-group", "wire-txn", 6), 0);
  ASSERT_EQ(t.end(true), 0);
  of = c.call<p::offset_fetch_response>(ofr, 7);
  EXPECT_EQ(of.topics.at(0).partitions.at(0).committed_offset, 6);
  auto after = fetch_committed(c, "wire-txn", 1);
  EXPECT_EQ(after.high_watermark, 7);
  EXPECT_EQ(after.last_stable_offset, 7);
  auto records = read_all_values(broker.bootstrap(), "wire-txn");
  EXPECT_EQ(records, (std::vector<std::string>{"wire-1-3", "wire-1-4"}));

  // A restart keeps all of it: the coordinator's state, the partition's aborted list and LSO.
  broker.kill9();
  broker.start();
  codec_conn c2(broker.kafka_port());
  t.c = &c2;
  auto restarted = fetch_committed(c2, "wire-txn", 1);
  EXPECT_EQ(restarted.last_stable_offset, 7);
  ASSERT_TRUE(restarted.aborted_transactions.has_value());
  EXPECT_EQ(restarted.aborted_transactions->size(), 1u);
  auto d2 = c2.call<p::describe_transactions_response>(dr, 0);
  EXPECT_EQ(d2.transaction_states[0].transaction_state, "CompleteCommit");
  EXPECT_EQ(d2.transaction_states[0].producer_epoch, t.epoch);
  EXPECT_EQ(read_all_values(broker.bootstrap(), "wire-txn"), (std::vector<std::string>{"wire-1-3", "wire-1-4"}));
}

TEST(TransactionsWire, AnOpenTransactionSurvivesAKillAndIsAbortedByTheNextInstance) {
  broker_process broker;
  broker.start();
  create_topic(broker.bootstrap(), "wire-crash", 1);
  std::int64_t old_pid = -1;
  std::int16_t old_epoch = -1;
  {
    codec_conn c(broker.kafka_port());
    txn_client t{&c, "crash-1"};
    ASSERT_EQ(t.init(), 0);
    ASSERT_EQ(t.add_partitions({{"wire-crash", 0}}), (std::vector<std::int16_t>{0}));
    ASSERT_EQ(t.produce("wire-crash", 5, 0).first, 0);
    old_pid = t.pid;
    old_epoch = t.epoch;
  }
  broker.kill9();
  broker.start();
  codec_conn c(broker.kafka_port());
  // Still open after the restart: read_committed readers are held at its first offset.
  auto held = fetch_committed(c, "wire-crash", 1);
  EXPECT_EQ(held.high_watermark, 5);
  EXPECT_EQ(held.last_stable_offset, 0);
  // The producer's next instance aborts it (and gets a new epoch).
  txn_client next{&c, "crash-1"};
  ASSERT_EQ(next.init(), 0);
  auto freed = fetch_committed(c, "wire-crash", 1);
  EXPECT_EQ(freed.last_stable_offset, 6);
  ASSERT_TRUE(freed.aborted_transactions.has_value());
  EXPECT_EQ(freed.aborted_transactions->size(), 1u);
  EXPECT_TRUE(read_all_values(broker.bootstrap(), "wire-crash").empty());
  // The old instance, a zombie now, is told its epoch is stale (the abort marker carried the new one).
  txn_client zombie{&c, "crash-1", old_pid, old_epoch};
  EXPECT_EQ(zombie.produce("wire-crash", 1, 5).first, invalid_producer_epoch);
}

// kill -9 inside a commit: after the decision is durable but before any marker ("prepared"), and after the
// markers but before the offsets and the final record ("marked"). The restarted broker finishes the commit
// on its own: the records become readable and the offset lands, exactly once.
TEST(TransactionsWire, ACommitInterruptedByACrashIsFinishedAfterRestart) {
  for (const std::string point : {"prepared", "marked"}) {
    SCOPED_TRACE(point);
    broker_process broker;
    broker.set_env({{"STREAMDOWN_FAULT_TXN_KILL_AT", point}});
    broker.start();
    create_topic(broker.bootstrap(), "wire-kill", 1);
    {
      codec_conn c(broker.kafka_port());
      txn_client t{&c, "kill-1"};
      ASSERT_EQ(t.init(), 0);
      ASSERT_EQ(t.add_partitions({{"wire-kill", 0}}), (std::vector<std::int16_t>{0}));
      ASSERT_EQ(t.add_offsets("kill-group"), 0);
      ASSERT_EQ(t.produce("wire-kill", 4, 0).first, 0);
      ASSERT_EQ(t.txn_commit_offset("kill-group", "wire-kill", 4), 0);
      EXPECT_THROW(t.end(true), harness_error);  // the broker dies before answering
    }
    auto e = broker.signal_and_wait(SIGKILL);
    EXPECT_TRUE(e.exited && e.code == 137) << e.describe();
    broker.set_env({});
    broker.start();
    // The coordinator's timer completes the prepared commit right after start-up.
    std::vector<std::string> values;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (values.size() < 4 && std::chrono::steady_clock::now() < deadline) {
      values = read_all_values(broker.bootstrap(), "wire-kill");
      if (values.size() < 4) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    EXPECT_EQ(values, (std::vector<std::string>{"kill-1-0", "kill-1-1", "kill-1-2", "kill-1-3"}));
    EXPECT_EQ(committed_offset(broker.bootstrap(), "kill-group", "wire-kill", 0), 4);
    codec_conn c(broker.kafka_port());
    p::describe_transactions_request dr;
    dr.transactional_ids = {"kill-1"};
    auto d = c.call<p::describe_transactions_response>(dr, 0);
    EXPECT_EQ(d.transaction_states.at(0).transaction_state, "CompleteCommit");
    // Markers written twice ("marked": before the crash and again by recovery) change nothing visible.
    auto f = fetch_committed(c, "wire-kill", 1);
    EXPECT_EQ(f.last_stable_offset, f.high_watermark);
  }
}

}  // namespace
}  // namespace sd::itest
