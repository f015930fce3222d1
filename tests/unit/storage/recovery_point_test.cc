// The recovery point: an unclean start loads the indexes of segments sealed before it and CRC-scans only
// what follows it; bytes trusted without a CRC check are checked on their first read, so corruption there is
// reported and never served; a torn point file means a full scan; the flusher persists the point by itself.

#include <fstream>
#include <future>
#include <thread>

#include "storage/flusher.h"
#include "storage/layout.h"
#include "storage/log_manager.h"
#include "storage/recovery_point.h"
#include "storage_test_util.h"

namespace sd::storage::test {
namespace {

using RecoveryPoint = StorageTest;

constexpr int batches_before_point = 40;  // 3 per 1 KiB segment: 14 segments
constexpr std::size_t payload = 239;

void t_append(partition_log& log, int i) {
  bytes b = make_batch(1, payload, 1000 + i, static_cast<std::uint8_t>(i));
  auto r = log.append(b, 10'000);
  ASSERT_TRUE(r) << r.error().message();
}

/// A log manager (so its flusher persists points every 50 ms) with partition t-0.
std::pair<std::unique_ptr<log_manager>, std::shared_ptr<partition_log>> managed_log(const std::string& dir,
                                                                                    io::filesystem& fs) {
  log_config cfg = small_config();
  cfg.recovery_point_interval_ms = 50;
  auto m = log_manager::open(dir, fs, cfg);
  EXPECT_TRUE(m);
  if (!m) return {};
  auto log = (*m)->create_partition("t", partition_id(0), cfg);
  EXPECT_TRUE(log);
  return {std::move(*m), log ? *log : nullptr};
}

/// Polls <dir>/recovery-point (up to 2 s) until its end reaches `end`; the last point read.
std::optional<recovery_point> wait_for_point(const std::string& dir, offset end) {
  std::optional<recovery_point> rp;
  for (int i = 0; i < 200 && !(rp && rp->end >= end); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    auto r = read_recovery_point(io::posix_filesystem(), dir);
    EXPECT_TRUE(r);
    if (r) rp = *r;
  }
  return rp;
}

/// Writes batches_before_point batches, persists the recovery point, writes `after` more, and "crashes"
/// (drops the log without close). Returns the point written.
recovery_point write_then_crash(std::unique_ptr<partition_log> log, int after) {
  for (int i = 0; i < batches_before_point; ++i) t_append(*log, i);
  EXPECT_TRUE(log->sync()->sync_and_persist_recovery_point());
  auto rp = read_recovery_point(io::posix_filesystem(), log->dir());
  EXPECT_TRUE(rp && *rp);
  for (int i = 0; i < after; ++i) t_append(*log, batches_before_point + i);
  log.reset();
  return rp && *rp ? **rp : recovery_point{};
}

TEST_P(RecoveryPoint, AnUncleanStartLoadsWhatIsBelowThePointAndScansOnlyWhatFollows) {
  const auto rp = write_then_crash(open_log(), 4);
  EXPECT_EQ(rp.end, offset(batches_before_point));
  EXPECT_GT(rp.segment_base, offset(30));
  auto log = open_log();
  ASSERT_TRUE(log);
  const auto& rep = log->recovery();
  EXPECT_EQ(log->next_offset(), offset(batches_before_point + 4));
  EXPECT_EQ(rep.bytes_truncated, 0u);
  // Every segment sealed before the point is loaded, not scanned; the point's own segment and those after it
  // are walked, and only the batches after the point are CRC-checked.
  EXPECT_GE(rep.segments_trusted, 10u);
  EXPECT_EQ(rep.segments_trusted + rep.segments_scanned, log->segment_count());
  EXPECT_LE(rep.segments_scanned, 3u);
  const std::uint64_t one = make_batch(1, payload).size();
  EXPECT_EQ(rep.bytes_checked, 4 * one) << "only the 4 batches written after the point";
  expect_contiguous(*log);
  // Appends continue where the log ended.
  bytes b = make_batch(1, payload);
  auto r = log->append(b, 10'000);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->base_offset, offset(batches_before_point + 4));
}

TEST_P(RecoveryPoint, ATornTailAfterThePointIsStillTruncated) {
  write_then_crash(open_log(), 2);
  const std::uint64_t one = make_batch(1, payload).size();
  // Cut the last batch in half (it was written after the point, so the scan sees it).
  std::uint64_t last_base = 0;
  for (const auto& e : std::filesystem::directory_iterator(log_dir())) {
    auto parsed = layout::parse_segment_file_name(e.path().filename().string());
    if (parsed && parsed->kind == layout::segment_file_kind::log)
      last_base = std::max<std::uint64_t>(last_base, static_cast<std::uint64_t>(parsed->base.value()));
  }
  const auto path = segment_path(offset(static_cast<std::int64_t>(last_base)));
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - one / 2);
  auto log = open_log();
  EXPECT_EQ(log->next_offset(), offset(batches_before_point + 1));
  EXPECT_EQ(log->recovery().bytes_truncated, one - one / 2);
  expect_contiguous(*log);
}

TEST_P(RecoveryPoint, CorruptionBelowThePointIsReportedOnReadAndNeverServed) {
  const auto rp = write_then_crash(open_log(), 2);
  // A byte inside the CRC-covered part of the second batch of segment 3 (offset 4): below the point, so the
  // start trusts it.
  const std::uint64_t one = make_batch(1, payload).size();
  ASSERT_LT(offset(3), rp.segment_base);
  flip_byte(segment_path(offset(3)), one + 100);
  auto log = open_log();
  ASSERT_TRUE(log);
  EXPECT_EQ(log->next_offset(), offset(batches_before_point + 2)) << "nothing truncated at start-up";
  EXPECT_EQ(log->recovery().segments_removed, 0u);
  // From the start: the batches before the damage are served, and the read stops there.
  auto r = log->read(offset(0), 1 << 20);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->next_offset, offset(4));
  // At the damaged batch: the error, not the bytes.
  auto bad = log->read(offset(4), 1 << 20);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), make_error_code(errc::corrupt_log));
  // Again (the range stays unverified), and past it everything reads.
  EXPECT_FALSE(log->read(offset(4), 1 << 20));
  auto after = log->read(offset(5), 1 << 20);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->next_offset, offset(batches_before_point + 2));
  auto data = copy_to_bytes(*after);
  ASSERT_TRUE(data);
  byte_span rest = *data;
  while (!rest.empty()) {
    auto f = batch::frame(rest, std::size_t(1) << 30);
    ASSERT_EQ(f.status, batch::check::ok) << "a corrupt batch was served";
    rest = rest.subspan(f.size);
  }
}

TEST_P(RecoveryPoint, CorruptionInASegmentTrustedAfterACleanShutdownIsReportedOnRead) {
  {
    auto log = open_log();
    for (int i = 0; i < 12; ++i) t_append(*log, i);
    ASSERT_TRUE(log->close());
  }
  flip_byte(segment_path(offset(3)), 100);
  auto log = open_log(small_config(), /*clean=*/true);
  ASSERT_TRUE(log);
  EXPECT_EQ(log->next_offset(), offset(12));
  auto bad = log->read(offset(3), 1 << 20);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), make_error_code(errc::corrupt_log));
  // Verified once, good batches are not checked again: a second full read from 6 succeeds.
  ASSERT_TRUE(log->read(offset(6), 1 << 20));
  ASSERT_TRUE(log->read(offset(6), 1 << 20));
}

TEST_P(RecoveryPoint, ATornPointFileMeansAFullScan) {
  write_then_crash(open_log(), 1);
  const auto file = log_dir() + "/" + std::string(layout::recovery_point_file);
  flip_byte(file, 12);
  auto log = open_log();
  ASSERT_TRUE(log);
  EXPECT_EQ(log->recovery().segments_trusted, 0u);
  EXPECT_EQ(log->recovery().segments_scanned, log->segment_count());
  EXPECT_EQ(log->next_offset(), offset(batches_before_point + 1));
}

TEST_P(RecoveryPoint, TheFlusherPersistsThePointOnItsOwn) {
  auto [m, log] = managed_log(_dir.path(), fs());
  ASSERT_TRUE(m && log);
  for (int i = 0; i < 10; ++i) t_append(*log, i);
  const auto rp = wait_for_point(log->dir(), offset(10));
  ASSERT_TRUE(rp) << "no recovery point within 2 s";
  EXPECT_EQ(rp->end, offset(10));
  EXPECT_EQ(log->flushed_offset(), offset(10)) << "persisting the point synced the data first";
  EXPECT_EQ(rp->segment_base, offset(9));  // 3 batches a segment: the active one starts at 9
}

TEST_P(RecoveryPoint, DataAlreadySyncedByAcksAllStillGetsItsPointAndTheFlusherThenRests) {
  auto [m, log] = managed_log(_dir.path(), fs());
  ASSERT_TRUE(m && log);
  for (int i = 0; i < 5; ++i) t_append(*log, i);
  // An acks=all sync covers the data first, so the periodic tick finds nothing to sync, only a point to persist.
  std::promise<status> done;
  m->flusher().request(*log, log->next_offset(), [&](status st) { done.set_value(st); });
  ASSERT_TRUE(done.get_future().get());
  const auto rp = wait_for_point(log->dir(), offset(5));
  ASSERT_TRUE(rp && rp->end == offset(5)) << "the point never followed data synced by acks=all";
  // Nothing new: the flusher does not spin on a partition whose point is persisted.
  const auto before = m->flusher().rounds_total();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_LE(m->flusher().rounds_total() - before, 2u);
}

INSTANTIATE_TEST_SUITE_P(Fs, RecoveryPoint, ::testing::Values(false, true), fs_name);

}  // namespace
}  // namespace sd::storage::test
