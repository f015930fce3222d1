// Retention by size and time, and DeleteRecords (raising the log start offset).

#include <fstream>

#include <unistd.h>

#include "storage/cleaning.h"
#include "storage/file_deleter.h"
#include "storage_test_util.h"

namespace sd::storage::test {
namespace {

class Retention : public StorageTest {
 protected:
  /// 12 batches of 300 bytes in a fresh log whose retention hands its files to `deleter`: 4 segments of 3
  /// batches (900 bytes each), the last one active.
  std::unique_ptr<partition_log> filled_log_with(file_deleter& deleter, const log_config& cfg) {
    open_options options;
    options.deleter = &deleter;
    auto opened = partition_log::open(fs(), log_dir(), cfg, options);
    EXPECT_TRUE(opened) << opened.error().message();
    if (!opened) return nullptr;
    for (int i = 0; i < 12; ++i) append(**opened, 1, 239);
    return std::move(*opened);
  }
};

TEST_P(Retention, BySizeDeletesWholeOldSegments) {
  log_config cfg = small_config();
  auto log = open_log(cfg);
  for (int i = 0; i < 12; ++i) append(*log, 1, 239);  // 300 bytes each, 3 per segment: 4 segments
  ASSERT_EQ(log->segment_count(), 4u);
  cfg.retention_bytes = 1500;
  log->update_config(cfg);
  auto n = log->enforce_retention(10'000);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 2u);  // 3600 -> 2700 -> 1800 (>= 1500), a third deletion would go below
  EXPECT_EQ(log->size_bytes(), 1800u);
  EXPECT_EQ(log->start_offset(), offset(6));
  EXPECT_FALSE(std::filesystem::exists(segment_path(offset(0))));
  EXPECT_FALSE(std::filesystem::exists(segment_path(offset(3), layout::segment_file_kind::index)));
  EXPECT_EQ(log->read(offset(5), 100).error(), make_error_code(errc::offset_out_of_range));
  expect_contiguous(*log);
  cfg.retention_bytes = 0;
  log->update_config(cfg);
  ASSERT_TRUE(log->enforce_retention(10'000));
  EXPECT_EQ(log->segment_count(), 1u);  // never the active segment
  EXPECT_EQ(log->start_offset(), offset(9));
  ASSERT_TRUE(log->close());
  auto again = open_log(cfg, true);
  EXPECT_EQ(again->start_offset(), offset(9));
  EXPECT_EQ(again->next_offset(), offset(12));
}

TEST_P(Retention, WithADeleterSegmentsAreRenamedAtOnceAndUnlinkedInTheBackground) {
  file_deleter deleter(fs());  // 4 MiB steps: each 900-byte log takes one
  log_config cfg = small_config();
  auto log = filled_log_with(deleter, cfg);
  ASSERT_TRUE(log);
  cfg.retention_bytes = 1500;
  log->update_config(cfg);
  auto n = log->enforce_retention(10'000);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 2u);
  // The segment names are free at once (renamed on the owner's thread), the unlinks happen on the deleter's.
  EXPECT_FALSE(std::filesystem::exists(segment_path(offset(0))));
  EXPECT_FALSE(std::filesystem::exists(segment_path(offset(3), layout::segment_file_kind::index)));
  deleter.drain();
  EXPECT_EQ(deleter.removed_total(), 6u) << "two sealed segments: log, index and time index each";
  EXPECT_EQ(deleter.failed_total(), 0u);
  for (const auto& e : std::filesystem::directory_iterator(log_dir()))
    EXPECT_FALSE(e.path().string().ends_with(".deleted")) << e.path();
  EXPECT_EQ(log->start_offset(), offset(6));
  expect_contiguous(*log);
  ASSERT_TRUE(log->close());

  // A crash between the rename and the unlink leaves "<name>.deleted" files: start-up removes them and never
  // reads them as segments.
  for (const char* name : {"/00000000000000000003.log.deleted", "/00000000000000000003.index.deleted"}) {
    std::ofstream f(log_dir() + name, std::ios::binary);
    f << std::string(300, 'x');
  }
  auto again = open_log(cfg, false);
  EXPECT_EQ(again->start_offset(), offset(6));
  EXPECT_EQ(again->next_offset(), offset(12));
  EXPECT_FALSE(std::filesystem::exists(log_dir() + "/00000000000000000003.log.deleted"));
  EXPECT_FALSE(std::filesystem::exists(log_dir() + "/00000000000000000003.index.deleted"));
  expect_contiguous(*again);
}

TEST_P(Retention, AnUnreadRetiredLogIsShrunkInStepsBeforeItsUnlink) {
  file_deleter deleter(fs());  // 4 MiB steps: each 900-byte log takes one
  log_config cfg = small_config();
  auto log = filled_log_with(deleter, cfg);
  ASSERT_TRUE(log);
  cfg.retention_bytes = 1500;
  log->update_config(cfg);
  ASSERT_EQ(log->enforce_retention(10'000).value(), 2u);
  deleter.drain();
  EXPECT_EQ(deleter.shrink_steps_total(), 2u) << "two 900-byte logs, one step each; indexes are unlinked whole";
  EXPECT_EQ(deleter.removed_total(), 6u);
  EXPECT_EQ(deleter.failed_total(), 0u);
  for (const auto& e : std::filesystem::directory_iterator(log_dir()))
    EXPECT_FALSE(e.path().string().ends_with(".deleted")) << e.path();
  expect_contiguous(*log);
}

TEST_P(Retention, ARetiredLogThatAReaderHoldsIsNotShrunkAndReadsWhole) {
  file_deleter deleter(fs());  // 4 MiB steps: each 900-byte log takes one
  log_config cfg = small_config();
  auto log = filled_log_with(deleter, cfg);
  ASSERT_TRUE(log);
  // A fetch's slices of the first segment, still to be sent when retention retires it.
  auto held = log->read(offset(0), 900);
  ASSERT_TRUE(held) << held.error().message();
  ASSERT_EQ(held->next_offset, offset(3));
  auto before = copy_to_bytes(*held);
  ASSERT_TRUE(before);
  cfg.retention_bytes = 1500;
  log->update_config(cfg);
  ASSERT_EQ(log->enforce_retention(10'000).value(), 2u);
  deleter.drain();
  EXPECT_EQ(deleter.shrink_steps_total(), 1u) << "only the second segment, which nobody holds, is shrunk";
  auto after = copy_to_bytes(*held);
  ASSERT_TRUE(after) << after.error().message();
  EXPECT_EQ(*after, *before);  // the reader still sends every byte it was given
}

TEST_P(Retention, ARetiredLogThatACleaningPassHoldsIsNotShrunk) {
  file_deleter deleter(fs());  // 4 MiB steps: each 900-byte log takes one
  log_config cfg = small_config();
  auto log = filled_log_with(deleter, cfg);
  ASSERT_TRUE(log);
  cleaning_view view = log->view_for_cleaning();  // a pass that will read every sealed segment
  ASSERT_EQ(view.segments.size(), 3u);
  cfg.retention_bytes = 1500;
  log->update_config(cfg);
  ASSERT_EQ(log->enforce_retention(10'000).value(), 2u);
  deleter.drain();
  EXPECT_EQ(deleter.shrink_steps_total(), 0u);
  for (std::size_t i = 0; i < 2; ++i) {
    std::vector<std::uint8_t> buf(view.segments[i].size);
    auto n = view.segments[i].file->pread(file_pos(0), mutable_byte_span(buf.data(), buf.size()));
    ASSERT_TRUE(n) << n.error().message();
    EXPECT_EQ(*n, buf.size()) << "segment " << i << " must still read whole";
  }
  view = {};  // the pass ends: later retirements may shrink again
  cfg.retention_bytes = 0;
  log->update_config(cfg);
  ASSERT_EQ(log->enforce_retention(10'000).value(), 1u);
  deleter.drain();
  EXPECT_EQ(deleter.shrink_steps_total(), 1u);
}

TEST(FileDeleterShrink, StepsEndOnWholeStepsSoNoPageIsZeroedInPlace) {
  // Truncating inside a page zeroes the rest of it in place, under any socket still sending it by sendfile:
  // every target is a multiple of the (page-sized) step, counted down from the file's end.
  constexpr std::uint64_t step = 4 << 20;
  EXPECT_EQ(file_deleter::next_shrink_size((10 << 20) + 5, step), std::uint64_t{8} << 20);
  EXPECT_EQ(file_deleter::next_shrink_size(8 << 20, step), std::uint64_t{4} << 20);
  EXPECT_EQ(file_deleter::next_shrink_size(4 << 20, step), 0u);
  EXPECT_EQ(file_deleter::next_shrink_size(5, step), 0u);
  EXPECT_EQ(file_deleter::next_shrink_size(0, step), 0u);
}

TEST(FileDeleterShrink, ALargeFileIsShrunkStepByStepAndRemoved) {
  io::filesystem& fs = io::posix_filesystem();
  auto dir = std::filesystem::temp_directory_path() / ("sd-deleter-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "00000000000000000000.log.deleted").string();
  {
    std::ofstream f(path, std::ios::binary);
    f << std::string((10 << 20) + 5, 'x');
  }
  file_deleter deleter(fs);
  deleter.remove_later(path, file_deleter::shrink::stepwise);
  deleter.drain();
  EXPECT_EQ(deleter.shrink_steps_total(), 3u) << "10 MiB + 5 -> 8 MiB -> 4 MiB -> 0";
  EXPECT_EQ(deleter.removed_total(), 1u);
  EXPECT_FALSE(std::filesystem::exists(path));
  std::filesystem::remove_all(dir);
}

TEST_P(Retention, AFullDeleterQueueUnlinksOnTheCallersThreadAndLosesNothing) {
  file_deleter deleter(fs());
  std::filesystem::create_directories(log_dir());
  const std::size_t n = file_deleter::max_queued + 500;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string p = log_dir() + "/f" + std::to_string(i) + ".deleted";
    std::ofstream(p) << "x";
    deleter.remove_later(p);
  }
  deleter.drain();
  EXPECT_EQ(deleter.removed_total(), n);
  EXPECT_EQ(deleter.failed_total(), 0u);
  EXPECT_TRUE(std::filesystem::is_empty(log_dir()));
}

TEST_P(Retention, ByTime) {
  log_config cfg = small_config();
  auto log = open_log(cfg);
  for (int i = 0; i < 9; ++i) append(*log, 1, 239, 1000 * (i / 3 + 1));  // segments' max ts: 1000, 2000, 3000
  ASSERT_EQ(log->segment_count(), 3u);
  cfg.retention_ms = 500;
  log->update_config(cfg);
  EXPECT_EQ(*log->enforce_retention(1400), 0u);  // 1000 is not < 1400 - 500
  EXPECT_EQ(*log->enforce_retention(1501), 1u);
  EXPECT_EQ(log->start_offset(), offset(3));
  EXPECT_EQ(*log->enforce_retention(100'000), 1u);  // the active segment stays
  EXPECT_EQ(log->segment_count(), 1u);
  expect_contiguous(*log);
}

TEST_P(Retention, DeleteRecordsRaisesStartOffsetDurably) {
  auto log = open_log();
  for (int i = 0; i < 10; ++i) append(*log, 1, 239);  // segments at 0, 3, 6, 9
  ASSERT_TRUE(log->delete_records_before(offset(4)));
  EXPECT_EQ(log->start_offset(), offset(4));
  EXPECT_EQ(log->segment_count(), 3u);  // [0,3) deleted, [3,6) keeps offset 4 and 5
  EXPECT_EQ(log->read(offset(3), 100).error(), make_error_code(errc::offset_out_of_range));
  auto r = log->read(offset(4), 1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->next_offset, offset(5));
  EXPECT_EQ(log->offset_for_timestamp(0)->value(), offset(4));
  ASSERT_TRUE(log->delete_records_before(offset(2)));  // lower: no-op
  EXPECT_EQ(log->start_offset(), offset(4));
  EXPECT_EQ(log->delete_records_before(offset(11)).error(), make_error_code(errc::offset_out_of_range));
  log.reset();  // unclean
  log = open_log();
  EXPECT_EQ(log->start_offset(), offset(4));
  // Up to the end: everything goes, the log stays appendable at the same next offset.
  ASSERT_TRUE(log->delete_records_before(offset(10)));
  EXPECT_EQ(log->start_offset(), offset(10));
  EXPECT_EQ(log->size_bytes(), 0u);
  auto empty = log->read(offset(10), 100);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
  EXPECT_EQ(append(*log, 1, 10).base_offset, offset(10));
  ASSERT_TRUE(log->close());
  log = open_log(small_config(), true);
  EXPECT_EQ(log->start_offset(), offset(10));
  EXPECT_EQ(log->next_offset(), offset(11));
}

TEST_P(Retention, StartOffsetSurvivesWhenAllSegmentsVanish) {
  {
    auto log = open_log();
    for (int i = 0; i < 4; ++i) append(*log, 1, 239);
    ASSERT_TRUE(log->delete_records_before(offset(4)));
    ASSERT_TRUE(log->close());
  }
  for (const auto& e : std::filesystem::directory_iterator(log_dir())) {
    if (e.path().extension() == ".log") std::filesystem::remove(e.path());
  }
  auto log = open_log();
  EXPECT_EQ(log->start_offset(), offset(4));
  EXPECT_EQ(log->next_offset(), offset(4));
}

INSTANTIATE_TEST_SUITE_P(Fs, Retention, ::testing::Values(false, true), fs_name);

}  // namespace
}  // namespace sd::storage::test
