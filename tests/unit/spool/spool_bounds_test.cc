// The byte bound under the three when_full policies: what is refused, dropped and recorded, and that the gaps
// and counters survive a reopen.

#include <atomic>

#include "spool_test_util.h"

namespace sd::spool::test {
namespace {

options bounded(const std::string& dir, when_full policy) {
  auto o = make_options(dir);
  o.max_bytes = 64 << 10;
  o.segment_bytes = 16 << 10;
  o.policy = policy;
  return o;
}

TEST(SpoolBounds, BlockRefusesWithFullThenNotifiesWhenForwardingFreesSpace) {
  sd::test::temp_dir dir;
  auto o = bounded(dir.path(), when_full::block);
  auto s = must_open(o);
  std::uint64_t accepted = 0;
  result<std::uint64_t> r = std::uint64_t{0};
  for (int i = 1; i <= 1000; ++i) {
    r = append_one(*s, i, 1000);
    if (!r) break;
    ++accepted;
  }
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(errc::full));
  auto st = s->get_stats();
  EXPECT_LE(st.bytes, o.max_bytes);
  EXPECT_GE(st.full_rejections_total, 1u);
  EXPECT_FALSE(s->has_space(2000));
  EXPECT_EQ(st.written_seq, accepted);  // nothing written for the refused append
  std::atomic<int> fired{0};
  s->notify_on_space([&] { ++fired; });
  EXPECT_EQ(fired, 0);
  ASSERT_TRUE(s->mark_forwarded(accepted / 2));
  EXPECT_EQ(fired, 1);
  EXPECT_TRUE(s->has_space(2000));
  auto next = append_one(*s, 5000, 1000);
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, accepted + 1);
  EXPECT_TRUE(s->gaps().empty());
}

TEST(SpoolBounds, BlockFreesASpoolThatFitsInOneSegment) {
  sd::test::temp_dir dir;
  auto o = bounded(dir.path(), when_full::block);
  o.segment_bytes = o.max_bytes;  // only the active segment ever exists
  auto s = must_open(o);
  std::uint64_t accepted = 0;
  while (append_one(*s, accepted + 1, 1000)) ++accepted;
  std::atomic<int> fired{0};
  s->notify_on_space([&] { ++fired; });
  ASSERT_TRUE(s->mark_forwarded(accepted));
  EXPECT_EQ(fired, 1);
  EXPECT_TRUE(append_one(*s, 1, 1000));
}

TEST(SpoolBounds, DropOldestDeletesOldSegmentsAndRecordsGaps) {
  sd::test::temp_dir dir;
  auto o = bounded(dir.path(), when_full::drop_oldest);
  constexpr std::uint64_t n = 400;
  {
    auto s = must_open(o);
    for (std::uint64_t i = 1; i <= n; ++i) {
      auto r = append_one(*s, i, 1000);
      ASSERT_TRUE(r) << r.error().message();
      ASSERT_EQ(*r, i);
      ASSERT_LE(s->get_stats().bytes, o.max_bytes + o.segment_bytes);
    }
    auto st = s->get_stats();
    auto gaps = s->gaps();
    ASSERT_FALSE(gaps.empty());
    std::uint64_t dropped = 0;
    for (const auto& g : gaps) {
      EXPECT_EQ(g.reason, "drop_oldest");
      EXPECT_LE(g.first_seq, g.last_seq);
      dropped += g.records;
    }
    EXPECT_EQ(st.dropped_oldest_total, dropped);
    EXPECT_EQ(st.gaps, gaps.size());
    EXPECT_EQ(st.forwarded_seq, 0u);  // dropping does not move forwarded_seq
    auto all = read_all(*s);          // the reader skips the gaps: no wait on a missing seq
    EXPECT_EQ(all.size() + dropped, n);
    EXPECT_EQ(all.back().seq, n);
    EXPECT_EQ(all.front().seq, gaps.back().last_seq + 1);
    auto from_gap = s->read(1, 1, 1 << 20);
    ASSERT_TRUE(from_gap);
    ASSERT_EQ(from_gap->size(), 1u);
    EXPECT_EQ(from_gap->front().seq, all.front().seq);
  }
  recovery_report rep;
  auto s = must_open(o, &rep);
  auto gaps = s->gaps();
  ASSERT_FALSE(gaps.empty());
  EXPECT_EQ(gaps.front().reason, "drop_oldest");
  EXPECT_GT(s->get_stats().dropped_oldest_total, 0u);
  EXPECT_EQ(rep.next_seq, n + 1);
  ASSERT_TRUE(s->mark_forwarded(n));
  EXPECT_EQ(s->get_stats().records, 0u);
}

TEST(SpoolBounds, DropOldestWhenOnlyTheActiveSegmentIsLeftRollsFirst) {
  sd::test::temp_dir dir;
  auto o = bounded(dir.path(), when_full::drop_oldest);
  o.segment_bytes = o.max_bytes;
  auto s = must_open(o);
  for (std::uint64_t i = 1; i <= 200; ++i) ASSERT_TRUE(append_one(*s, i, 1000));
  EXPECT_LE(s->get_stats().bytes, o.max_bytes);
  ASSERT_FALSE(s->gaps().empty());
  auto all = read_all(*s);
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.back().seq, 200u);
}

TEST(SpoolBounds, DropNewestDiscardsAndRecordsOneGapPerRun) {
  sd::test::temp_dir dir;
  auto o = bounded(dir.path(), when_full::drop_newest);
  std::uint64_t accepted = 0, dropped = 0;
  {
    auto s = must_open(o);
    for (std::uint64_t i = 1; i <= 200; ++i) {
      auto r = append_one(*s, i, 1000);
      ASSERT_TRUE(r);
      if (*r == 0)
        ++dropped;
      else
        EXPECT_EQ(*r, ++accepted);
    }
    EXPECT_GT(dropped, 0u);
    EXPECT_LE(s->get_stats().bytes, o.max_bytes);
    ASSERT_TRUE(s->mark_forwarded(accepted));
    for (std::uint64_t i = 1; i <= 100; ++i) {
      auto r = append_one(*s, i, 1000);
      ASSERT_TRUE(r);
      if (*r == 0)
        ++dropped;
      else
        EXPECT_EQ(*r, ++accepted);
    }
    auto st = s->get_stats();
    EXPECT_EQ(st.dropped_newest_total, dropped);
    auto gaps = s->gaps();
    ASSERT_EQ(gaps.size(), 2u);  // two runs of drops, one entry each
    EXPECT_EQ(gaps[0].reason, "drop_newest");
    EXPECT_EQ(gaps[0].first_seq, 0u);
    EXPECT_EQ(gaps[0].records + gaps[1].records, dropped);
    auto all = read_all(*s);
    for (std::size_t i = 1; i < all.size(); ++i)
      EXPECT_EQ(all[i].seq, all[i - 1].seq + 1);  // no seq consumed
  }
  auto s = must_open(o);
  EXPECT_EQ(s->gaps().size(), 2u);
  EXPECT_EQ(s->get_stats().dropped_newest_total, dropped);
  EXPECT_EQ(s->get_stats().gaps, 2u);
}

}  // namespace
}  // namespace sd::spool::test
