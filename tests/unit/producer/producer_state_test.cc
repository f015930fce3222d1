// The idempotent-producer rules of producer_state_table (NOTES.md section 2), driven the way the broker does:
// check, then (for verdict::append) "append" at the next offset and record.
#include "producer/producer_state.h"

#include <gtest/gtest.h>

#include <limits>

#include "unit/producer/test_batches.h"

namespace sd::producer {
namespace {

using test::header;
constexpr std::int64_t day_ms = 86'400'000;
constexpr std::int32_t int32_max = std::numeric_limits<std::int32_t>::max();

struct fake_log {
  producer_state_table table{day_ms};
  std::int64_t next = 0;
  std::int64_t now = 1'000'000;

  // Returns the base offset the broker would answer with, or the error.
  result<std::int64_t> produce(batch::header h) {
    auto c = table.check(h, now);
    if (!c) return c.error();
    if (c->kind == verdict::duplicate) return c->original.base_offset;
    h.base_offset = next;
    next += h.last_offset_delta + 1;
    table.record(h, now);
    return h.base_offset;
  }
};

TEST(ProducerState, IncrementSequenceWrapsAtInt32Max) {
  EXPECT_EQ(increment_sequence(0, 0), 0);
  EXPECT_EQ(increment_sequence(5, 3), 8);
  EXPECT_EQ(increment_sequence(int32_max, 1), 0);
  EXPECT_EQ(increment_sequence(int32_max - 1, 1), int32_max);
  EXPECT_EQ(increment_sequence(int32_max - 1, 3), 1);
  EXPECT_EQ(increment_sequence(int32_max, 0), int32_max);
}

TEST(ProducerState, BatchesWithoutProducerIdSkipEverything) {
  fake_log log;
  for (int i = 0; i < 3; ++i) {
    auto r = log.produce(header(-1, -1, -1, 2));
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, i * 2);
  }
  EXPECT_EQ(log.table.size(), 0u);
}

TEST(ProducerState, UnknownProducerIsAcceptedAtAnySequence) {
  fake_log log;
  auto r = log.produce(header(7, 3, 12345, 4));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 0);
  const auto* e = log.table.find(7);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->epoch, 3);
  ASSERT_EQ(e->batches.size(), 1u);
  EXPECT_EQ(e->batches[0].first_seq, 12345);
  EXPECT_EQ(e->batches[0].last_seq, 12348);
  EXPECT_EQ(e->batches[0].base_offset, 0);
  EXPECT_EQ(e->batches[0].last_offset, 3);
  EXPECT_EQ(e->batches[0].timestamp, 1000);
  // And it continues from there.
  EXPECT_TRUE(log.produce(header(7, 3, 12349, 1)));
  EXPECT_EQ(log.next, 5);
}

TEST(ProducerState, DuplicateOfEachOfTheLastFiveGetsItsOriginalOffset) {
  fake_log log;
  ASSERT_TRUE(log.produce(header(-1, -1, -1, 3)));  // another writer moves offsets away from sequences
  std::vector<std::int64_t> offsets;
  for (int i = 0; i < 7; ++i) {
    auto r = log.produce(header(1, 0, i * 2, 2));
    ASSERT_TRUE(r) << r.error().message();
    offsets.push_back(*r);
  }
  const std::int64_t end = log.next;
  for (int i = 2; i < 7; ++i) {
    auto r = log.produce(header(1, 0, i * 2, 2));
    ASSERT_TRUE(r) << "batch " << i << ": " << r.error().message();
    EXPECT_EQ(*r, offsets[static_cast<std::size_t>(i)]) << "batch " << i;
  }
  EXPECT_EQ(log.next, end) << "a duplicate must not be appended";
  // Older than the last five: no longer recognisable, and not the next sequence.
  for (int i = 0; i < 2; ++i) {
    auto r = log.produce(header(1, 0, i * 2, 2));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::out_of_order_sequence);
  }
  // A batch overlapping a cached one without matching it exactly is not a duplicate.
  auto overlap = log.produce(header(1, 0, 10, 1));
  ASSERT_FALSE(overlap);
  EXPECT_EQ(overlap.error(), errc::out_of_order_sequence);
  EXPECT_EQ(log.next, end);
}

TEST(ProducerState, GapIsOutOfOrder) {
  fake_log log;
  ASSERT_TRUE(log.produce(header(1, 0, 0, 5)));
  auto r = log.produce(header(1, 0, 6, 1));  // expected 5
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::out_of_order_sequence);
  EXPECT_EQ(log.next, 5);
  EXPECT_TRUE(log.produce(header(1, 0, 5, 1)));
}

TEST(ProducerState, OldEpochIsInvalidProducerEpoch) {
  fake_log log;
  ASSERT_TRUE(log.produce(header(1, 2, 0, 1)));
  auto r = log.produce(header(1, 1, 1, 1));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::invalid_producer_epoch);
  // Even an exact duplicate of a cached batch's sequences is refused when its epoch is old.
  auto dup = log.produce(header(1, 1, 0, 1));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error(), errc::invalid_producer_epoch);
}

TEST(ProducerState, NewEpochMustStartAtSequenceZero) {
  fake_log log;
  ASSERT_TRUE(log.produce(header(1, 0, 0, 3)));
  auto r = log.produce(header(1, 1, 3, 1));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::out_of_order_sequence);
  auto ok = log.produce(header(1, 1, 0, 2));
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 3);
  const auto* e = log.table.find(1);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->epoch, 1);
  EXPECT_EQ(e->batches.size(), 1u) << "the old epoch's batches are forgotten";
  // The old epoch is now fenced.
  auto old = log.produce(header(1, 0, 3, 1));
  ASSERT_FALSE(old);
  EXPECT_EQ(old.error(), errc::invalid_producer_epoch);
}

TEST(ProducerState, SequenceWrapsFromInt32MaxToZero) {
  fake_log log;
  ASSERT_TRUE(log.produce(header(9, 0, int32_max - 1, 2)));  // last seq INT32_MAX
  auto r = log.produce(header(9, 0, 0, 3));                  // wraps
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r, 2);
  // A batch that itself crosses the wrap.
  fake_log log2;
  ASSERT_TRUE(log2.produce(header(9, 0, int32_max - 1, 4)));  // seqs MAX-1, MAX, 0, 1
  const auto* e = log2.table.find(9);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->batches.back().last_seq, 1);
  EXPECT_TRUE(log2.produce(header(9, 0, 2, 1)));
  // Its retry is still recognised as a duplicate.
  auto dup = log2.produce(header(9, 0, int32_max - 1, 4));
  ASSERT_TRUE(dup);
  EXPECT_EQ(*dup, 0);
  // Continuing as if no wrap happened is a gap.
  fake_log log3;
  ASSERT_TRUE(log3.produce(header(9, 0, int32_max, 1)));
  auto bad = log3.produce(header(9, 0, 1, 1));  // expected 0
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), errc::out_of_order_sequence);
}

TEST(ProducerState, TwoProducersAreIndependent) {
  fake_log log;
  ASSERT_TRUE(log.produce(header(1, 0, 0, 1)));
  ASSERT_TRUE(log.produce(header(2, 0, 100, 1)));
  ASSERT_TRUE(log.produce(header(1, 0, 1, 1)));
  ASSERT_TRUE(log.produce(header(2, 0, 101, 1)));
  auto d1 = log.produce(header(1, 0, 1, 1));
  ASSERT_TRUE(d1);
  EXPECT_EQ(*d1, 2);
  auto g2 = log.produce(header(2, 0, 103, 1));
  ASSERT_FALSE(g2);
  EXPECT_EQ(log.table.size(), 2u);
}

TEST(ProducerState, IdleProducerExpiresAndIsThenAcceptedAtAnySequence) {
  fake_log log;
  log.table.set_expiration_ms(10'000);
  ASSERT_TRUE(log.produce(header(1, 0, 0, 1)));
  ASSERT_TRUE(log.produce(header(2, 0, 0, 1)));
  log.now += 9'999;
  ASSERT_TRUE(log.produce(header(2, 0, 1, 1)));  // producer 2 stays active
  EXPECT_EQ(log.table.expire(log.now), 0u);
  auto gap = log.produce(header(1, 0, 7, 1));
  ASSERT_FALSE(gap) << "not expired yet";
  log.now += 1;
  EXPECT_EQ(log.table.expire(log.now), 1u);
  EXPECT_EQ(log.table.find(1), nullptr);
  EXPECT_NE(log.table.find(2), nullptr);
  auto any = log.produce(header(1, 0, 7, 1));
  ASSERT_TRUE(any) << any.error().message();
  // Lazy expiry in check() without a sweep.
  log.now += 10'000;
  auto late = log.produce(header(2, 0, 50, 1));
  EXPECT_TRUE(late);
}

TEST(ProducerState, RecordSweepsExpiredEntriesSoTheTableStaysBounded) {
  fake_log log;
  log.table.set_expiration_ms(1'000);
  for (std::int64_t pid = 0; pid < 100; ++pid) ASSERT_TRUE(log.produce(header(pid, 0, 0, 1)));
  log.now += 5'000;
  ASSERT_TRUE(log.produce(header(1000, 0, 0, 1)));  // the sweep runs inside record()
  EXPECT_EQ(log.table.size(), 1u);
}

TEST(ProducerState, ReplayRebuildsLikeRecordAndIgnoresOlderEpochs) {
  producer_state_table t(day_ms);
  t.replay(header(1, 1, 0, 2, 0), 5);
  t.replay(header(1, 0, 9, 1, 2), 5);  // older epoch: ignored
  t.replay(header(-1, -1, -1, 1, 3), 5);
  t.replay(header(1, 1, 2, 1, 4), 5);
  const auto* e = t.find(1);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->epoch, 1);
  ASSERT_EQ(e->batches.size(), 2u);
  EXPECT_EQ(e->batches[1].base_offset, 4);
  EXPECT_EQ(e->last_update_ms, 5);
  EXPECT_EQ(t.size(), 1u);
}

}  // namespace
}  // namespace sd::producer
