// The spool over io::faulty_filesystem: short writes, EIO on fsync, ENOSPC, and a crash after N bytes
// followed by a reopen on the real filesystem. What must hold: nothing is acknowledged that is not durable,
// I/O errors stick, and every acknowledged record is there exactly once after recovery.

#include <set>

#include "io/errc.h"
#include "io/faulty_filesystem.h"
#include "spool_test_util.h"

namespace sd::spool::test {
namespace {

TEST(SpoolFaults, ShortWritesAreLoopedOver) {
  sd::test::temp_dir dir;
  io::faulty_filesystem fs(io::posix_filesystem());
  fs.set_short_writes(7);
  auto o = make_options(dir.path(), &fs);
  o.segment_bytes = 16 << 10;
  {
    auto s = must_open(o);
    for (int i = 1; i <= 50; ++i) ASSERT_TRUE(append_one(*s, i, 700));
  }
  o.fs = nullptr;
  auto s = must_open(o);
  auto all = read_all(*s);
  ASSERT_EQ(all.size(), 50u);
  EXPECT_EQ(all[49].value, make_record(50, 700).value);
}

TEST(SpoolFaults, FailedFsyncAcknowledgesNothingAndSticks) {
  sd::test::temp_dir dir;
  io::faulty_filesystem fs(io::posix_filesystem());
  auto o = make_options(dir.path(), &fs);
  auto s = must_open(o);
  ASSERT_TRUE(append_one(*s, 1));
  fs.set_fail_fsync(true);
  auto r = append_one(*s, 2);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(errc::io_error));
  EXPECT_EQ(s->io_failure(), std::errc::io_error);
  EXPECT_EQ(s->durable_seq(), 1u);
  auto read = s->read(1, 10, 1 << 20);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->size(), 1u);  // record 2 was written but is not durable: never visible
  fs.set_fail_fsync(false);
  EXPECT_EQ(append_one(*s, 3).error(), make_error_code(errc::io_error));  // sticky
  s->close();
  o.fs = nullptr;
  recovery_report rep;
  s = must_open(o, &rep);
  auto all = read_all(*s);
  ASSERT_GE(all.size(), 1u);
  EXPECT_EQ(all[0].seq, 1u);
  EXPECT_EQ(rep.next_seq, all.back().seq + 1);
}

TEST(SpoolFaults, NoSpaceFailsTheAppendAndSticks) {
  sd::test::temp_dir dir;
  io::faulty_filesystem fs(io::posix_filesystem());
  auto o = make_options(dir.path(), &fs);
  auto s = must_open(o);
  fs.set_no_space_after(5000);
  std::vector<std::uint64_t> acked;
  result<std::uint64_t> r = std::uint64_t{0};
  for (int i = 1; i <= 100; ++i) {
    r = append_one(*s, i, 500);
    if (!r) break;
    acked.push_back(*r);
  }
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(errc::io_error));
  EXPECT_TRUE(io::is_no_space(s->io_failure()));
  fs.clear_faults();
  EXPECT_EQ(append_one(*s, 1000).error(), make_error_code(errc::io_error));
  s->close();
  o.fs = nullptr;
  recovery_report rep;
  s = must_open(o, &rep);
  auto all = read_all(*s);
  ASSERT_EQ(all.size(), acked.size());
  for (std::size_t i = 0; i < acked.size(); ++i) EXPECT_EQ(all[i].seq, acked[i]);
  EXPECT_TRUE(append_one(*s, 2000));
}

// Crash at many byte counts (inside frames, segment headers, ledger slots); after each, recovery on the real
// filesystem must start and hold every acknowledged record exactly once and every forwarded mark.
TEST(SpoolFaults, CrashAfterNBytesKeepsEveryAcknowledgedRecordExactlyOnce) {
  for (std::int64_t crash_at = 0; crash_at < 45000; crash_at += 3271) {
    sd::test::temp_dir dir;
    std::set<std::uint64_t> acked;
    std::uint64_t forwarded = 0;
    {
      io::faulty_filesystem fs(io::posix_filesystem());
      auto o = make_options(dir.path(), &fs);
      o.max_bytes = 64 << 10;
      o.segment_bytes = 8 << 10;
      o.policy = when_full::drop_oldest;
      auto s = must_open(o);
      ASSERT_TRUE(s);
      fs.set_crash_after(crash_at);
      for (int i = 1; i <= 150; ++i) {
        std::vector<record> batch{make_record(i, 100 + (i % 7) * 50), make_record(i + 1000, 10)};
        auto r = append_wait(*s, batch);
        if (!r) break;
        acked.insert(*r);
        acked.insert(*r + 1);
        if (i % 10 == 0) {
          if (!s->mark_forwarded(s->durable_seq())) break;
          forwarded = s->forwarded_seq();
        }
      }
      EXPECT_TRUE(fs.crashed() || crash_at > 30000) << crash_at;
    }
    auto o = make_options(dir.path());
    o.max_bytes = 64 << 10;
    o.segment_bytes = 8 << 10;
    o.policy = when_full::drop_oldest;
    recovery_report rep;
    auto s = must_open(o, &rep);
    ASSERT_TRUE(s) << crash_at;
    EXPECT_GE(s->forwarded_seq(), forwarded) << crash_at;
    std::set<std::uint64_t> dropped;
    for (const auto& g : s->gaps())
      if (g.reason == "drop_oldest")
        for (std::uint64_t q = g.first_seq; q <= g.last_seq; ++q) dropped.insert(q);
    auto all = read_all(*s);
    std::set<std::uint64_t> seen;
    for (const auto& r : all) EXPECT_TRUE(seen.insert(r.seq).second) << "duplicate seq " << r.seq;
    for (std::uint64_t q : acked)
      if (q > s->forwarded_seq() && !dropped.count(q)) {
        EXPECT_TRUE(seen.count(q)) << "lost " << q << " @" << crash_at;
      }
    auto next = append_one(*s, 1);
    ASSERT_TRUE(next);
    if (!acked.empty()) {
      EXPECT_GT(*next, *acked.rbegin());
    }
    EXPECT_EQ(rep.corrupt_records, 0u) << crash_at;
  }
}

}  // namespace
}  // namespace sd::spool::test
