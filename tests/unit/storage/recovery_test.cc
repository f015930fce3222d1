// Start-up recovery: torn tails at every byte, corrupt bytes, missing or bad indexes.

#include <fstream>

#include "storage_test_util.h"

namespace sd::storage::test {
namespace {

using Recovery = StorageTest;

TEST_P(Recovery, TornTailAtEveryBytePosition) {
  log_config cfg = small_config();
  cfg.segment_bytes = 1 << 20;
  // Reference content: 3 batches; the last one gets cut at every position.
  std::vector<bytes> batches = {make_batch(2, 40, 1000, 1), make_batch(1, 30, 1001, 2), make_batch(3, 70, 1002, 3)};
  std::uint64_t prefix = batches[0].size() + batches[1].size();
  std::uint64_t full = prefix + batches[2].size();
  for (bool clean : {false, true}) {
    for (std::uint64_t cut = prefix; cut < full; ++cut) {
      std::filesystem::remove_all(log_dir());
      {
        auto log = open_log(cfg);
        for (auto b : batches) ASSERT_TRUE(log->append(b, 10'000));
        ASSERT_TRUE(log->close());
      }
      std::filesystem::resize_file(segment_path(offset(0)), cut);
      auto log = open_log(cfg, clean);
      ASSERT_TRUE(log);
      EXPECT_EQ(log->next_offset(), offset(3)) << "cut " << cut;
      EXPECT_EQ(log->size_bytes(), prefix) << "cut " << cut;
      EXPECT_EQ(log->recovery().bytes_truncated, cut - prefix);
      EXPECT_EQ(std::filesystem::file_size(segment_path(offset(0))), prefix);
      expect_contiguous(*log);
      EXPECT_EQ(append(*log, 1, 5).base_offset, offset(3));
      expect_contiguous(*log);
    }
  }
}

TEST_P(Recovery, FlippedByteInCrcCoveredRegionTruncatesFromThatBatch) {
  log_config cfg = small_config();
  cfg.segment_bytes = 1 << 20;
  {
    auto log = open_log(cfg);
    for (int i = 0; i < 5; ++i) append(*log, 1, 100);
    ASSERT_TRUE(log->close());
  }
  std::uint64_t batch = make_batch(1, 100).size();
  flip_byte(segment_path(offset(0)), 3 * batch + 40);  // inside batch 3's CRC-covered bytes
  for (bool clean : {false, true}) {
    auto log = open_log(cfg, clean);
    EXPECT_EQ(log->next_offset(), offset(3));
    expect_contiguous(*log);
    ASSERT_TRUE(log->close());
  }
}

TEST_P(Recovery, CorruptMiddleSegmentDropsLaterSegments) {
  {
    auto log = open_log();
    for (int i = 0; i < 9; ++i) append(*log, 1, 239);  // segments 0, 3, 6
  }
  flip_byte(segment_path(offset(3)), 300 + 100);  // second batch of segment 3
  auto log = open_log();
  EXPECT_EQ(log->next_offset(), offset(4));
  EXPECT_EQ(log->recovery().segments_removed, 1u);
  EXPECT_FALSE(std::filesystem::exists(segment_path(offset(6))));
  expect_contiguous(*log);
}

TEST_P(Recovery, MissingIndexIsRebuilt) {
  {
    auto log = open_log();
    for (int i = 0; i < 9; ++i) append(*log, 2, 239, 1000 + i);
    ASSERT_TRUE(log->close());
  }
  std::filesystem::remove(segment_path(offset(6), layout::segment_file_kind::index));
  std::filesystem::remove(segment_path(offset(0), layout::segment_file_kind::time_index));
  auto log = open_log(small_config(), true);
  EXPECT_EQ(log->recovery().indexes_rebuilt, 2u);
  EXPECT_EQ(log->next_offset(), offset(18));
  EXPECT_EQ(*log->offset_for_timestamp(1004), offset(8));
  auto r = log->read(offset(13), 1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->next_offset, offset(14));
  expect_contiguous(*log);
  ASSERT_TRUE(log->close());
  EXPECT_TRUE(std::filesystem::exists(segment_path(offset(6), layout::segment_file_kind::index)));
}

TEST_P(Recovery, IndexPointingPastTheEndIsRebuilt) {
  log_config cfg = small_config();
  cfg.segment_bytes = 1 << 20;
  cfg.index_interval_bytes = 0;  // every batch indexed
  {
    auto log = open_log(cfg);
    for (int i = 0; i < 6; ++i) append(*log, 1, 100);
    ASSERT_TRUE(log->close());
  }
  // Cut the log in the middle of batch 4: the index's last entries now point past the end.
  std::uint64_t batch = make_batch(1, 100).size();
  std::filesystem::resize_file(segment_path(offset(0)), 4 * batch + 10);
  auto log = open_log(cfg, true);
  EXPECT_EQ(log->next_offset(), offset(4));
  EXPECT_GE(log->recovery().indexes_rebuilt, 1u);
  auto r = log->read(offset(3), 1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->next_offset, offset(4));
  expect_contiguous(*log);
}

TEST_P(Recovery, GarbageIndexIsRebuilt) {
  {
    auto log = open_log();
    for (int i = 0; i < 6; ++i) append(*log, 1, 239);
    ASSERT_TRUE(log->close());
  }
  {
    std::ofstream f(segment_path(offset(0), layout::segment_file_kind::index), std::ios::binary | std::ios::trunc);
    f << "garbage!";  // 8 bytes: decodes as one entry with a huge position
  }
  auto log = open_log(small_config(), true);
  EXPECT_EQ(log->recovery().indexes_rebuilt, 1u);
  EXPECT_EQ(log->next_offset(), offset(6));
  expect_contiguous(*log);
}

TEST_P(Recovery, LeftoverTmpAndOrphanIndexFilesAreRemoved) {
  {
    auto log = open_log();
    append(*log, 1, 10);
    ASSERT_TRUE(log->close());
  }
  std::ofstream(log_dir() + "/log-start-offset.tmp") << "x";
  std::ofstream(segment_path(offset(77), layout::segment_file_kind::index)) << "";
  auto log = open_log();
  EXPECT_FALSE(std::filesystem::exists(log_dir() + "/log-start-offset.tmp"));
  EXPECT_FALSE(std::filesystem::exists(segment_path(offset(77), layout::segment_file_kind::index)));
  EXPECT_EQ(log->next_offset(), offset(1));
}

INSTANTIATE_TEST_SUITE_P(Fs, Recovery, ::testing::Values(false, true), fs_name);

}  // namespace
}  // namespace sd::storage::test
