// storage_probe: every fdatasync/fsync a log runs is counted and timed, failures too.
#include "storage/probe.h"
#include "storage/flusher.h"

#include <gtest/gtest.h>

#include "storage_test_util.h"

namespace sd::storage::test {
namespace {

class StorageProbe : public ::testing::Test {
 protected:
  std::unique_ptr<partition_log> open_log() {
    auto log = partition_log::open(_fs, _dir / "t-0", small_config(), open_options{false, 10'000, &_probe});
    EXPECT_TRUE(log) << log.error().message();
    return log ? std::move(*log) : nullptr;
  }
  sd::test::temp_dir _dir;
  io::faulty_filesystem _fs{io::posix_filesystem()};
  storage_probe _probe;
};

TEST_F(StorageProbe, EveryFsyncIsCountedAndTimed) {
  auto log = open_log();
  ASSERT_TRUE(log);
  auto before = _probe.fsyncs_total.value();
  bytes b = make_batch(3, 100, 1000);
  ASSERT_TRUE(log->append(b, 10'000));
  ASSERT_TRUE(log->flush());
  EXPECT_GT(_probe.fsyncs_total.value(), before);
  auto h = _probe.fsync_seconds.snapshot();
  EXPECT_EQ(h.count, _probe.fsyncs_total.value());
  EXPECT_GT(h.sum_seconds, 0.0);
  EXPECT_EQ(_probe.fsync_errors_total.value(), 0u);
}

TEST_F(StorageProbe, FailedFsyncIsCountedAsAnError) {
  auto log = open_log();
  ASSERT_TRUE(log);
  ASSERT_TRUE(log->flush());  // settle the directory sync of the creation
  bytes b = make_batch(1, 10, 1000);
  ASSERT_TRUE(log->append(b, 10'000));
  _fs.set_fail_fsync(true);
  EXPECT_FALSE(log->flush());
  EXPECT_EQ(_probe.fsync_errors_total.value(), 1u);
  _fs.set_fail_fsync(false);
}

TEST_F(StorageProbe, LogsWithoutAProbeRecordNothing) {
  auto log = partition_log::open(_fs, _dir / "t-1", small_config(), open_options{false, 10'000});
  ASSERT_TRUE(log);
  bytes b = make_batch(1, 10, 1000);
  ASSERT_TRUE((*log)->append(b, 10'000));
  ASSERT_TRUE((*log)->flush());
  EXPECT_EQ(_probe.fsyncs_total.value(), 0u);
}

TEST(StorageProbeText, CollectWritesValidFamilies) {
  storage_probe p;
  p.fsync_seconds.observe_ns(2'000'000);
  p.fsyncs_total.inc();
  metrics::text_writer w;
  file_cache_stats files;
  files.open = 3;
  files.evictions = 5;
  p.collect(w, flusher_counts{7, 2}, files);
  const auto& t = w.text();
  EXPECT_NE(t.find("streamdown_storage_open_files 3\n"), std::string::npos) << t;
  EXPECT_NE(t.find("streamdown_storage_file_cache_evictions_total 5\n"), std::string::npos) << t;
  EXPECT_NE(t.find("streamdown_storage_fsync_duration_seconds_count 1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("streamdown_storage_flusher_rounds_total 7\n"), std::string::npos) << t;
  EXPECT_NE(t.find("streamdown_storage_flusher_gathers_total 2\n"), std::string::npos) << t;
}

}  // namespace
}  // namespace sd::storage::test
