// Appending, validation, segment roll and reopen. Every test runs on POSIX and on the fault-injecting layer.

#include "storage_test_util.h"

namespace sd::storage::test {
namespace {

using PartitionLog = StorageTest;

TEST_P(PartitionLog, AppendAssignsOffsetsByRewritingBaseOffset) {
  auto log = open_log();
  EXPECT_EQ(log->next_offset(), offset(0));
  auto a = append(*log, 3, 50);
  EXPECT_EQ(a.base_offset, offset(0));
  EXPECT_EQ(a.last_offset, offset(2));
  EXPECT_EQ(a.next_offset, offset(3));
  EXPECT_EQ(a.records, 3);
  bytes b = make_batch(2, 10, 2000);
  auto r = log->append(b, 10'000);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->base_offset, offset(3));
  EXPECT_EQ(load_be<std::int64_t>(b.data()), 3);            // rewritten in the caller's buffer
  EXPECT_EQ(batch::frame(b, 1 << 20).status, batch::check::ok);  // and still valid
  EXPECT_EQ(log->next_offset(), offset(5));
  EXPECT_EQ(log->start_offset(), offset(0));
  EXPECT_EQ(log->size_bytes(), make_batch(3, 50).size() + b.size());
  auto hs = all_headers(*log);
  ASSERT_EQ(hs.size(), 2u);
  EXPECT_EQ(hs[1].base_offset, 3);
  EXPECT_EQ(hs[1].max_timestamp, 2000);
}

TEST_P(PartitionLog, RejectsBadBatchesWithoutChangingTheLog) {
  log_config cfg = small_config();
  cfg.max_batch_bytes = 500;
  auto log = open_log(cfg);
  append(*log, 1, 10);
  auto before = log->size_bytes();

  bytes crc = make_batch(1, 20);
  crc.back() ^= 1;
  EXPECT_EQ(log->append(crc, 0).error(), make_error_code(errc::corrupt_batch));
  bytes magic = make_batch(1, 20);
  magic[batch::field::magic] = 1;
  EXPECT_EQ(log->append(magic, 0).error(), make_error_code(errc::corrupt_batch));
  bytes big = make_batch(1, 600);
  EXPECT_EQ(log->append(big, 0).error(), make_error_code(errc::batch_too_large));
  bytes two = make_batch(1, 20);
  bytes second = make_batch(1, 20);
  two.insert(two.end(), second.begin(), second.end());
  EXPECT_EQ(log->append(two, 0).error(), make_error_code(errc::corrupt_batch));
  bytes cut = make_batch(1, 20);
  cut.pop_back();
  EXPECT_EQ(log->append(cut, 0).error(), make_error_code(errc::corrupt_batch));
  bytes tiny(5, 0);
  EXPECT_EQ(log->append(tiny, 0).error(), make_error_code(errc::corrupt_batch));
  bytes counts = make_batch(3, 20);
  store_be<std::int32_t>(counts.data() + batch::field::records_count, 9);
  batch::seal_crc(counts);
  EXPECT_EQ(log->append(counts, 0).error(), make_error_code(errc::corrupt_batch));

  EXPECT_EQ(log->size_bytes(), before);
  EXPECT_EQ(log->next_offset(), offset(1));
  append(*log, 1, 10);  // still usable
  EXPECT_EQ(log->next_offset(), offset(2));
}

TEST_P(PartitionLog, CallerVerifiedSkipsOnlyTheCrcPass) {
  auto log = open_log();
  constexpr auto trusted = partition_log::crc_check::caller_verified;
  bytes magic = make_batch(1, 20);
  magic[batch::field::magic] = 1;
  EXPECT_EQ(log->append(magic, 0, trusted).error(), make_error_code(errc::corrupt_batch));
  bytes cut = make_batch(1, 20);
  cut.pop_back();
  EXPECT_EQ(log->append(cut, 0, trusted).error(), make_error_code(errc::corrupt_batch));
  bytes counts = make_batch(3, 20);
  store_be<std::int32_t>(counts.data() + batch::field::records_count, 9);
  EXPECT_EQ(log->append(counts, 0, trusted).error(), make_error_code(errc::corrupt_batch));
  EXPECT_EQ(log->next_offset(), offset(0));
  bytes good = make_batch(2, 20);
  auto r = log->append(good, 0, trusted);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->next_offset, offset(2));
  EXPECT_EQ(all_headers(*log).size(), 1u);
}

TEST_P(PartitionLog, PageCacheWindowAdvisesOnlyDataFarBehindTheEnd) {
  log_config cfg = small_config();
  cfg.segment_bytes = 8 << 20;
  cfg.cache_window_bytes = 2 << 20;  // chunk = 1 MiB
  auto log = open_log(cfg);
  const auto drops = [&] { return _faulty.stats().cache_drops; };
  // 2 MiB + a bit: nothing is a whole chunk beyond the window yet.
  for (int i = 0; i < 200; ++i) append(*log, 1, 12'000);
  EXPECT_EQ(drops(), 0u);
  // Far past two windows: advice has been given, and every byte still reads back (advice never changes data).
  for (int i = 0; i < 800; ++i) append(*log, 1, 12'000);
  if (GetParam()) {
    EXPECT_GT(drops(), 0u);
  }
  auto hs = all_headers(*log);
  EXPECT_EQ(hs.size(), 1000u);
  ASSERT_TRUE(log->flush());
}

TEST_P(PartitionLog, RollsBySize) {
  auto log = open_log();  // segment_bytes = 1024
  std::size_t batch = make_batch(1, 239).size();  // 300 bytes: 3 per segment
  ASSERT_EQ(batch, 300u);
  for (int i = 0; i < 10; ++i) append(*log, 1, 239);
  EXPECT_EQ(log->segment_count(), 4u);
  for (offset base : {offset(0), offset(3), offset(6), offset(9)}) {
    EXPECT_TRUE(std::filesystem::exists(segment_path(base))) << base.value();
  }
  // Sealed segments have their indexes on disk.
  EXPECT_TRUE(std::filesystem::exists(segment_path(offset(3), layout::segment_file_kind::index)));
  EXPECT_TRUE(std::filesystem::exists(segment_path(offset(3), layout::segment_file_kind::time_index)));
  EXPECT_EQ(std::filesystem::file_size(segment_path(offset(0))), 900u);
  expect_contiguous(*log);
}

TEST_P(PartitionLog, OversizedBatchGetsItsOwnSegment) {
  auto log = open_log();
  append(*log, 1, 100);
  append(*log, 1, 2000);  // larger than segment_bytes
  append(*log, 1, 100);
  EXPECT_EQ(log->segment_count(), 3u);
  expect_contiguous(*log);
}

TEST_P(PartitionLog, RollsByAge) {
  log_config cfg = small_config();
  cfg.segment_bytes = 1 << 20;
  cfg.segment_ms = 1000;
  auto log = open_log(cfg);
  append(*log, 1, 10, 1000, 50'000);
  append(*log, 1, 10, 1000, 50'999);
  EXPECT_EQ(log->segment_count(), 1u);
  append(*log, 1, 10, 1000, 51'000);  // 1000 ms after the segment's first append
  EXPECT_EQ(log->segment_count(), 2u);
  append(*log, 1, 10, 1000, 51'500);
  EXPECT_EQ(log->segment_count(), 2u);
  expect_contiguous(*log);
}

TEST_P(PartitionLog, ReopenAfterCleanAndUncleanClose) {
  {
    auto log = open_log();
    for (int i = 0; i < 20; ++i) append(*log, 2, 100 + i, 1000 + i);
    ASSERT_TRUE(log->close());
    bytes late = make_batch(1, 1);
    EXPECT_EQ(log->append(late, 0).error(), make_error_code(errc::log_closed));
  }
  for (bool clean : {true, false}) {
    auto log = open_log(small_config(), clean);
    EXPECT_EQ(log->next_offset(), offset(40));
    EXPECT_EQ(log->flushed_offset(), offset(40));
    EXPECT_EQ(log->recovery().bytes_truncated, 0u);
    if (clean) {
      EXPECT_EQ(log->recovery().segments_scanned, 0u);
    } else {
      EXPECT_EQ(log->recovery().segments_scanned, log->segment_count());
    }
    expect_contiguous(*log);
    auto hs = all_headers(*log);
    ASSERT_EQ(hs.size(), 20u);
    EXPECT_EQ(hs[7].max_timestamp, 1007);
    ASSERT_TRUE(log->close());
  }
  // Appends continue where the log ended.
  auto log = open_log(small_config(), true);
  EXPECT_EQ(append(*log, 1, 10).base_offset, offset(40));
  expect_contiguous(*log);
}

TEST_P(PartitionLog, ReopenWithoutCloseKeepsWrittenData) {
  {
    auto log = open_log();
    for (int i = 0; i < 7; ++i) append(*log, 1, 200);
    // No flush, no close: like kill -9 (the page cache keeps the bytes).
  }
  auto log = open_log();
  EXPECT_EQ(log->next_offset(), offset(7));
  EXPECT_EQ(log->flushed_offset(), offset(7));  // open syncs what it recovered
  expect_contiguous(*log);
}

TEST_P(PartitionLog, RejectsInvalidConfig) {
  log_config cfg = small_config();
  cfg.segment_bytes = 10;
  EXPECT_EQ(partition_log::open(fs(), log_dir(), cfg).error(), make_error_code(errc::invalid_config));
  cfg = small_config();
  cfg.flush_interval_messages = 0;
  EXPECT_FALSE(cfg.validate());
  EXPECT_TRUE(small_config().validate());
}

INSTANTIATE_TEST_SUITE_P(Fs, PartitionLog, ::testing::Values(false, true), fs_name);

}  // namespace
}  // namespace sd::storage::test
