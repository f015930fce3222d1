// Reads by offset and by timestamp.

#include "storage_test_util.h"

namespace sd::storage::test {
namespace {

// 30 batches of 3 records (offsets 3i..3i+2), 100-byte bodies, MaxTimestamp 1000 + 10 i.
class ReadFilled : public StorageTest {
 protected:
  void SetUp() override {
    _log = open_log();
    for (int i = 0; i < 30; ++i) {
      bytes b = make_batch(3, 100, 1000 + 10 * i, static_cast<std::uint8_t>(i));
      ASSERT_TRUE(_log->append(b, 10'000));
      _stored.push_back(b);
    }
  }
  std::unique_ptr<partition_log> _log;
  std::vector<bytes> _stored;  // as written (BaseOffset rewritten in place)
};

TEST_P(ReadFilled, ReadsWholeBatchesFromTheContainingBatch) {
  std::size_t batch = _stored[0].size();
  for (int target : {0, 1, 2, 3, 44, 45, 46, 89}) {
    auto r = _log->read(offset(target), batch);
    ASSERT_TRUE(r) << target;
    auto data = copy_to_bytes(*r);
    ASSERT_TRUE(data);
    EXPECT_EQ(*data, _stored[target / 3]) << target;  // byte-identical
    EXPECT_EQ(r->next_offset, offset(target / 3 * 3 + 3));
    EXPECT_EQ(r->high_watermark, offset(90));
  }
}

TEST_P(ReadFilled, ReadSpansSegmentsUpToMaxBytes) {
  std::size_t batch = _stored[0].size();
  auto r = _log->read(offset(4), batch * 10 + batch / 2);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->total_bytes, batch * 10);
  EXPECT_GT(r->slices.size(), 1u);  // crosses segment files
  auto data = copy_to_bytes(*r);
  ASSERT_TRUE(data);
  bytes expect;
  for (int i = 1; i <= 10; ++i) expect.insert(expect.end(), _stored[i].begin(), _stored[i].end());
  EXPECT_EQ(*data, expect);
  EXPECT_EQ(r->next_offset, offset(33));
  for (const auto& s : r->slices) EXPECT_GE(s.file->native_handle(), 0);
}

TEST_P(ReadFilled, MinOneBatchAndLimits) {
  auto r = _log->read(offset(10), 1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->total_bytes, _stored[3].size());  // one whole batch even though it exceeds max_bytes
  r = _log->read(offset(10), 1, read_options{std::nullopt, false});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->empty());
  r = _log->read(offset(10), 1 << 20, read_options{offset(15), true});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->next_offset, offset(15));  // batches starting at 9 and 12 only
  r = _log->read(offset(90), 1 << 20);    // at the end: empty, not an error
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->empty());
  EXPECT_EQ(r->next_offset, offset(90));
  EXPECT_EQ(_log->read(offset(91), 100).error(), make_error_code(errc::offset_out_of_range));
  EXPECT_EQ(_log->read(offset(-1), 100).error(), make_error_code(errc::offset_out_of_range));
}

TEST_P(ReadFilled, OffsetForTimestamp) {
  auto at = [&](std::int64_t ts) {
    auto r = _log->offset_for_timestamp(ts);
    EXPECT_TRUE(r);
    return *r;
  };
  EXPECT_EQ(at(0), offset(0));
  EXPECT_EQ(at(1000), offset(0));
  EXPECT_EQ(at(1001), offset(3));
  EXPECT_EQ(at(1010), offset(3));
  EXPECT_EQ(at(1155), offset(48));  // first batch with MaxTimestamp >= 1155 is batch 16 (1160)
  EXPECT_EQ(at(1290), offset(87));
  EXPECT_EQ(at(1291), std::nullopt);
  // Same answers after a reopen (indexes loaded from disk or rebuilt).
  ASSERT_TRUE(_log->close());
  for (bool clean : {true, false}) {
    _log = open_log(small_config(), clean);
    EXPECT_EQ(at(1155), offset(48));
    EXPECT_EQ(at(1290), offset(87));
    EXPECT_EQ(at(1291), std::nullopt);
    ASSERT_TRUE(_log->close());
  }
}

TEST_P(ReadFilled, NonMonotonicTimestamps) {
  bytes old = make_batch(1, 10, 500);  // an older timestamp after newer ones
  ASSERT_TRUE(_log->append(old, 10'000));
  bytes newer = make_batch(1, 10, 5000);
  ASSERT_TRUE(_log->append(newer, 10'000));
  auto r = _log->offset_for_timestamp(400);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, offset(0));
  r = _log->offset_for_timestamp(2000);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, offset(91));
}

using ReadLarge = StorageTest;

// Enough varied batches that headers straddle the read-ahead chunks of reads (64 KiB) and of the recovery
// scan (256 KiB); includes batches larger than a chunk.
TEST_P(ReadLarge, ManyBatchesAcrossReadAheadChunks) {
  log_config cfg = small_config();
  cfg.segment_bytes = 4 << 20;
  cfg.max_batch_bytes = 1 << 20;
  cfg.index_interval_bytes = 4096;
  std::vector<bytes> stored;
  {
    auto log = open_log(cfg);
    for (int i = 0; i < 700; ++i) {
      std::size_t payload = i % 97 == 0 ? 300'000 : 50 + (i * 131) % 3000;
      bytes b = make_batch(1 + i % 3, payload, 1000 + i, static_cast<std::uint8_t>(i));
      ASSERT_TRUE(log->append(b, 10'000));
      stored.push_back(b);
    }
  }  // unclean: the reopen scans everything
  auto log = open_log(cfg);
  EXPECT_EQ(log->recovery().bytes_truncated, 0u);
  auto r = log->read(log->start_offset(), 64 << 20);
  ASSERT_TRUE(r);
  bytes expect;
  for (auto& b : stored) expect.insert(expect.end(), b.begin(), b.end());
  EXPECT_EQ(*copy_to_bytes(*r), expect);
  // Point reads land on the right batch everywhere.
  for (std::size_t i = 0; i < stored.size(); i += 37) {
    offset base(load_be<std::int64_t>(stored[i].data()));
    auto one = log->read(base + 0, 1);
    ASSERT_TRUE(one);
    EXPECT_EQ(*copy_to_bytes(*one), stored[i]) << i;
    EXPECT_EQ(*log->offset_for_timestamp(1000 + static_cast<std::int64_t>(i)), base);
  }
}

INSTANTIATE_TEST_SUITE_P(Fs, ReadLarge, ::testing::Values(false, true), fs_name);

INSTANTIATE_TEST_SUITE_P(Fs, ReadFilled, ::testing::Values(false, true), fs_name);

}  // namespace
}  // namespace sd::storage::test
