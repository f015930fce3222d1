// The partition log under injected faults: short writes, failed fsync, full disk, crash mid-write.

#include "io/errc.h"
#include "storage_test_util.h"

namespace sd::storage::test {
namespace {

class FaultInjection : public ::testing::Test {
 protected:
  std::string log_dir() const { return _dir / "t-0"; }
  std::unique_ptr<partition_log> open_log(io::filesystem& fs, log_config cfg = small_config()) {
    auto log = partition_log::open(fs, log_dir(), cfg, open_options{false, 10'000});
    EXPECT_TRUE(log) << log.error().message();
    return log ? std::move(*log) : nullptr;
  }
  sd::test::temp_dir _dir;
  io::faulty_filesystem _fs{io::posix_filesystem()};
};

TEST_F(FaultInjection, ShortWritesStillStoreWholeBatches) {
  _fs.set_short_writes(13);
  auto log = open_log(_fs);
  std::vector<bytes> written;
  for (int i = 0; i < 10; ++i) {
    bytes b = make_batch(1, 100 + i, 1000, static_cast<std::uint8_t>(i));
    ASSERT_TRUE(log->append(b, 10'000));
    written.push_back(b);
  }
  ASSERT_TRUE(log->close());
  auto again = open_log(io::posix_filesystem());
  auto r = again->read(offset(0), 1 << 20);
  ASSERT_TRUE(r);
  bytes expect;
  for (auto& b : written) expect.insert(expect.end(), b.begin(), b.end());
  EXPECT_EQ(*copy_to_bytes(*r), expect);
}

TEST_F(FaultInjection, FailedFsyncIsStickyAndReported) {
  auto log = open_log(_fs);
  bytes b = make_batch(1, 50);
  ASSERT_TRUE(log->append(b, 10'000));
  ASSERT_TRUE(log->flush());
  EXPECT_EQ(log->flushed_offset(), offset(1));
  ASSERT_TRUE(log->append(b, 10'000));
  _fs.set_fail_fsync(true);
  EXPECT_EQ(log->flush().error(), make_error_code(errc::io_error));
  EXPECT_EQ(log->io_failure(), std::errc::io_error);  // the OS cause (EIO) is kept
  EXPECT_EQ(log->flushed_offset(), offset(1));        // not advanced past what was synced
  _fs.set_fail_fsync(false);
  // Sticky: the disk "recovered" but the log refuses writes and syncs.
  EXPECT_EQ(log->append(b, 10'000).error(), make_error_code(errc::io_error));
  EXPECT_EQ(log->flush().error(), make_error_code(errc::io_error));
  EXPECT_EQ(log->next_offset(), offset(2));
  // Reads still work.
  EXPECT_TRUE(log->read(offset(0), 1 << 20));
}

TEST_F(FaultInjection, NoSpaceRollsBackAndLosesNothingFlushed) {
  log_config cfg = small_config();
  cfg.segment_bytes = 1 << 20;
  auto log = open_log(_fs, cfg);
  bytes b = make_batch(1, 200);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(log->append(b, 10'000));
  ASSERT_TRUE(log->flush());
  _fs.set_no_space_after(100);  // the next batch is cut after 100 bytes
  auto r = log->append(b, 10'000);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(errc::no_space));
  EXPECT_EQ(log->next_offset(), offset(3));
  EXPECT_EQ(std::filesystem::file_size(log_dir() + "/" + layout::segment_file_name(offset(0), layout::segment_file_kind::log)),
            3 * b.size());  // the partial write was truncated away
  EXPECT_EQ(log->append(b, 10'000).error(), make_error_code(errc::no_space));
  // Space comes back: the log continues without a gap.
  _fs.set_no_space_after(-1);
  auto ok_again = log->append(b, 10'000);
  ASSERT_TRUE(ok_again);
  EXPECT_EQ(ok_again->base_offset, offset(3));
  ASSERT_TRUE(log->flush());
  log.reset();
  auto reopened = open_log(io::posix_filesystem(), cfg);
  EXPECT_EQ(reopened->next_offset(), offset(4));
  expect_contiguous(*reopened);
}

TEST_F(FaultInjection, NoSpaceDuringRollIsNotSticky) {
  auto log = open_log(_fs);  // segment_bytes 1024
  bytes b = make_batch(1, 239);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(log->append(b, 10'000));
  _fs.set_no_space_after(0);  // the roll cannot write the sealed segment's indexes
  EXPECT_EQ(log->append(b, 10'000).error(), make_error_code(errc::no_space));
  EXPECT_EQ(log->segment_count(), 1u);
  _fs.set_no_space_after(-1);
  ASSERT_TRUE(log->append(b, 10'000));
  EXPECT_EQ(log->segment_count(), 2u);
  expect_contiguous(*log);
}

TEST_F(FaultInjection, CrashMidBatchThenRecoverWithRealFilesystem) {
  log_config cfg = small_config();
  std::vector<bytes> acked;
  offset flushed;
  {
    auto log = open_log(_fs, cfg);
    for (int i = 0; i < 5; ++i) {
      bytes b = make_batch(2, 150, 1000 + i, static_cast<std::uint8_t>(i));
      ASSERT_TRUE(log->append(b, 10'000));
      acked.push_back(b);
    }
    ASSERT_TRUE(log->flush());
    flushed = log->flushed_offset();
    _fs.set_crash_after(300);  // the process "dies" inside the second of the next batches
    for (int i = 0; i < 3; ++i) {
      bytes b = make_batch(2, 150, 2000 + i, 0x77);
      (void)log->append(b, 10'000);
    }
    EXPECT_TRUE(_fs.crashed());
    bytes b = make_batch(1, 10);
    EXPECT_EQ(log->append(b, 10'000).error(), make_error_code(errc::io_error));
    EXPECT_EQ(log->io_failure(), make_error_code(io::errc::crashed));
  }
  auto log = open_log(io::posix_filesystem(), cfg);
  EXPECT_EQ(flushed, offset(10));
  EXPECT_GE(log->next_offset(), flushed);
  EXPECT_EQ(log->next_offset(), offset(12));  // one whole batch made it before the crash point
  expect_contiguous(*log);
  auto r = log->read(offset(0), 1 << 20, read_options{flushed, true});
  ASSERT_TRUE(r);
  bytes expect;
  for (auto& b : acked) expect.insert(expect.end(), b.begin(), b.end());
  EXPECT_EQ(*copy_to_bytes(*r), expect);
}

TEST_F(FaultInjection, CrashAtEveryByteOfAnAppendRecovers) {
  log_config cfg = small_config();
  cfg.segment_bytes = 1 << 20;
  bytes first = make_batch(1, 60, 1000, 1);
  std::size_t n = make_batch(1, 60).size();
  for (std::size_t budget = 0; budget <= n; budget += 3) {
    std::filesystem::remove_all(log_dir());
    {
      io::faulty_filesystem fs(io::posix_filesystem());
      auto log = open_log(fs, cfg);
      bytes a = first;
      ASSERT_TRUE(log->append(a, 10'000));
      fs.set_crash_after(static_cast<std::int64_t>(budget));
      bytes b = make_batch(1, 60, 1001, 2);
      auto r = log->append(b, 10'000);
      EXPECT_EQ(r.has_value(), budget >= n) << budget;
    }
    auto log = open_log(io::posix_filesystem(), cfg);
    EXPECT_EQ(log->next_offset(), offset(budget >= n ? 2 : 1)) << budget;
    expect_contiguous(*log);
  }
}

}  // namespace
}  // namespace sd::storage::test
