// Recovery: torn tails cut at every byte, corrupt records and headers skipped and recorded, damaged ledger
// slots, leftover files, and the crash between the ledger write and the segment deletion.

#include "spool/ledger.h"
#include "spool_test_util.h"

namespace sd::spool::test {
namespace {

// Writes records 1..n in one segment and closes; returns the byte offset of each record's frame.
std::vector<std::size_t> write_records(const options& o, std::uint64_t n, std::size_t value_bytes = 16) {
  auto s = must_open(o);
  std::vector<std::size_t> pos;
  std::size_t at = format::segment_header_bytes;
  for (std::uint64_t i = 1; i <= n; ++i) {
    auto r = make_record(i, value_bytes);
    r.seq = i;
    pos.push_back(at);
    at += format::frame_bytes(r);
    EXPECT_TRUE(append_wait(*s, {r}));
  }
  pos.push_back(at);
  return pos;
}

TEST(SpoolRecovery, TornTailIsCutAtEveryByteOfTheLastRecord) {
  sd::test::temp_dir dir;
  auto o = make_options(dir.path());
  auto pos = write_records(o, 10);
  auto seg = segment_files(dir.path()).at(0);
  std::string pristine = slurp(seg);
  ASSERT_EQ(pristine.size(), pos.back());
  std::size_t last = pos[9];
  for (std::size_t cut = 1; cut < pos.back() - last; ++cut) {
    spit(seg, pristine.substr(0, last + cut));
    recovery_report rep;
    auto s = must_open(o, &rep);
    ASSERT_TRUE(s);
    EXPECT_EQ(rep.torn_tail_bytes, cut) << cut;
    EXPECT_EQ(rep.corrupt_records, 0u);
    EXPECT_EQ(rep.next_seq, 10u);
    EXPECT_EQ(std::filesystem::file_size(seg), last);
    auto all = read_all(*s);
    ASSERT_EQ(all.size(), 9u);
    EXPECT_EQ(all.back().key, "k9");
    s->close();
  }
  // After a cut, appends continue at the cut and stay readable.
  spit(seg, pristine.substr(0, last + 3));
  auto s = must_open(o);
  auto r = append_one(*s, 10);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 10u);
  EXPECT_EQ(read_all(*s).size(), 10u);
}

TEST(SpoolRecovery, TornHeaderOfANewLastSegmentIsRemoved) {
  sd::test::temp_dir dir;
  auto o = make_options(dir.path());
  write_records(o, 3);
  spit(dir / format::segment_name(4), std::string("SDS", 3));
  recovery_report rep;
  auto s = must_open(o, &rep);
  EXPECT_FALSE(std::filesystem::exists(dir / format::segment_name(4)));
  EXPECT_EQ(rep.next_seq, 4u);
  EXPECT_EQ(*append_one(*s, 4), 4u);
}

TEST(SpoolRecovery, CorruptRecordInTheMiddleIsSkippedCountedAndRecorded) {
  for (bool in_length : {false, true}) {
    sd::test::temp_dir dir;
    auto o = make_options(dir.path());
    auto pos = write_records(o, 30);
    auto seg = segment_files(dir.path()).at(0);
    // Record 10: a byte of its value, or of its length field (the scan must resync on record 11).
    flip_byte(seg, in_length ? pos[9] + 2 : pos[9] + 30);
    recovery_report rep;
    {
      auto s = must_open(o, &rep);
      EXPECT_EQ(rep.corrupt_records, 1u);
      EXPECT_GT(rep.corrupt_bytes, 0u);
      EXPECT_EQ(rep.torn_tail_bytes, 0u);
      EXPECT_EQ(s->get_stats().corrupt_skipped_total, 1u);
      auto all = read_all(*s);
      ASSERT_EQ(all.size(), 29u);
      EXPECT_EQ(all[8].seq, 9u);
      EXPECT_EQ(all[9].seq, 11u);
      EXPECT_EQ(all.back().seq, 30u);
      auto g = s->gaps();
      ASSERT_EQ(g.size(), 1u);
      EXPECT_EQ(g[0].reason, "corrupt");
      EXPECT_EQ(g[0].first_seq, 10u);
      EXPECT_EQ(g[0].last_seq, 10u);
      auto r = s->read(10, 1, 1 << 20);  // asking for the missing seq gives the next one
      ASSERT_TRUE(r);
      ASSERT_EQ(r->size(), 1u);
      EXPECT_EQ(r->front().seq, 11u);
      EXPECT_EQ(*append_one(*s, 31), 31u);
    }
    auto s = must_open(o, &rep);
    EXPECT_EQ(s->gaps().size(), 1u);  // not recorded twice
    EXPECT_EQ(read_all(*s).size(), 30u);
  }
}

TEST(SpoolRecovery, CorruptSegmentHeaderSkipsThatSegmentAndStillStarts) {
  sd::test::temp_dir dir;
  auto o = make_options(dir.path());
  o.segment_bytes = 4096;
  {
    auto s = must_open(o);
    for (int i = 1; i <= 40; ++i) ASSERT_TRUE(append_one(*s, i, 300));
  }
  auto files = segment_files(dir.path());
  ASSERT_GE(files.size(), 3u);
  auto second = *format::parse_segment_name(std::filesystem::path(files[1]).filename().string());
  auto third = *format::parse_segment_name(std::filesystem::path(files[2]).filename().string());
  flip_byte(files[1], 3);
  recovery_report rep;
  auto s = must_open(o, &rep);
  EXPECT_EQ(rep.corrupt_records, third - second);
  auto g = s->gaps();
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].first_seq, second);
  EXPECT_EQ(g[0].last_seq, third - 1);
  auto all = read_all(*s);
  EXPECT_EQ(all.size(), 40 - (third - second));
  EXPECT_EQ(all.back().seq, 40u);
  ASSERT_TRUE(s->mark_forwarded(40));  // the skipped segment goes once forwarded past
  EXPECT_FALSE(std::filesystem::exists(files[1]));
}

TEST(SpoolRecovery, DamagedNewestLedgerSlotFallsBackToTheOlderOne) {
  sd::test::temp_dir dir;
  auto o = make_options(dir.path());
  {
    auto s = must_open(o);
    for (int i = 1; i <= 20; ++i) ASSERT_TRUE(append_one(*s, i));
    ASSERT_TRUE(s->mark_forwarded(5));
    ASSERT_TRUE(s->mark_forwarded(10));
  }
  auto lr = read_ledger(io::posix_filesystem(), dir.path());
  ASSERT_TRUE(lr && lr->state);
  EXPECT_EQ(lr->valid_slots, 2);
  std::uint64_t newest_slot = lr->state->generation % 2;
  flip_byte(dir / "ledger", newest_slot * format::ledger_slot_bytes + 20);
  {
    recovery_report rep;
    auto s = must_open(o, &rep);
    EXPECT_EQ(s->forwarded_seq(), 5u);
    auto r = s->read(s->forwarded_seq() + 1, 1, 1 << 20);  // forwarded again: at least once, never lost
    ASSERT_TRUE(r && !r->empty());
    EXPECT_EQ(r->front().seq, 6u);
  }
  // Both slots damaged: still starts, from 0, with a note.
  std::string l = slurp(dir / "ledger");
  for (char& c : l) c = static_cast<char>(c ^ 0x33);
  spit(dir / "ledger", l);
  recovery_report rep;
  auto s = must_open(o, &rep);
  EXPECT_EQ(s->forwarded_seq(), 0u);
  EXPECT_FALSE(rep.notes.empty());
  EXPECT_EQ(rep.next_seq, 21u);
}

TEST(SpoolRecovery, LeftoverAndUnknownFilesAreIgnored) {
  sd::test::temp_dir dir;
  auto o = make_options(dir.path());
  write_records(o, 5);
  spit(dir / "ledger.tmp", "garbage");
  spit(dir / "00000000000000000003.spool.tmp", "garbage");
  spit(dir / "notes.txt", "hello");
  std::filesystem::create_directories(dir / "sub");
  recovery_report rep;
  auto s = must_open(o, &rep);
  EXPECT_EQ(read_all(*s).size(), 5u);
  EXPECT_GE(rep.notes.size(), 4u);
  EXPECT_EQ(rep.next_seq, 6u);
  EXPECT_TRUE(std::filesystem::exists(dir / "notes.txt"));
}

TEST(SpoolRecovery, CrashBetweenLedgerWriteAndSegmentDeletionIsFinishedByOpen) {
  sd::test::temp_dir dir;
  auto o = make_options(dir.path());
  o.segment_bytes = 4096;
  {
    auto s = must_open(o);
    for (int i = 1; i <= 40; ++i) ASSERT_TRUE(append_one(*s, i, 300));
  }
  auto files = segment_files(dir.path());
  ASSERT_GE(files.size(), 4u);
  auto third = *format::parse_segment_name(std::filesystem::path(files[2]).filename().string());
  // The ledger says everything before the third segment is forwarded; the files were not deleted yet.
  auto lr = read_ledger(io::posix_filesystem(), dir.path());
  ASSERT_TRUE(lr && lr->state);
  auto w = ledger_writer::open(io::posix_filesystem(), dir.path(), lr->state->generation);
  ASSERT_TRUE(w);
  format::ledger_state st = *lr->state;
  st.forwarded_seq = third - 1;
  ASSERT_TRUE(w->write(st));
  recovery_report rep;
  auto s = must_open(o, &rep);
  EXPECT_FALSE(std::filesystem::exists(files[0]));
  EXPECT_FALSE(std::filesystem::exists(files[1]));
  EXPECT_TRUE(std::filesystem::exists(files[2]));
  EXPECT_EQ(rep.forwarded_seq, third - 1);
  EXPECT_EQ(rep.records, 40 - (third - 1));
  auto r = s->read(third, 1, 1 << 20);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->front().seq, third);
  EXPECT_EQ(rep.next_seq, 41u);
}

}  // namespace
}  // namespace sd::spool::test
