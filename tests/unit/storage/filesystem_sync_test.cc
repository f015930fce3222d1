// filesystem_sync: a round of several partitions is made durable by one syncfs (flushed advances for all,
// the files count as clean), and only when it qualifies; a failed syncfs falls back to each file's
// fdatasync so only the failing partition turns sticky. dirty_memory parses /proc/meminfo. Runs on both
// file layers where the layer does not matter.

#include "storage/filesystem_sync.h"

#include <fstream>

#include "io/errc.h"
#include "storage/probe.h"
#include "storage_test_util.h"

namespace sd::storage::test {
namespace {

using FilesystemSync = StorageTest;

constexpr std::string_view kMeminfo =
    "MemTotal:       24000000 kB\nDirty:              1200 kB\nWriteback:            34 kB\n"
    "WritebackTmp:         0 kB\n";

/// A dirty_memory reading a file this test writes (max_age 0: re-read on every call).
std::unique_ptr<dirty_memory> fake_dirty(const std::string& path, std::string_view text) {
  std::ofstream(path) << text;
  return std::make_unique<dirty_memory>(path, std::chrono::milliseconds(0));
}

TEST(DirtyMemory, ParsesDirtyPlusWritebackAndRejectsWhatItCannotRead) {
  EXPECT_EQ(dirty_memory::parse(kMeminfo), (1200u + 34u) * 1024u);
  EXPECT_EQ(dirty_memory::parse("Dirty: 5 kB\n"), std::nullopt) << "no Writeback line";
  EXPECT_EQ(dirty_memory::parse("XDirty: 5 kB\nWriteback: 1 kB\n"), std::nullopt) << "not at a line start";
  EXPECT_EQ(dirty_memory::parse("Dirty: x kB\nWriteback: 1 kB\n"), std::nullopt);
  EXPECT_EQ(dirty_memory::parse("WritebackTmp: 9 kB\nWriteback: 2 kB\nDirty: 1 kB\n"), 3u * 1024u);
  dirty_memory missing("/nonexistent/meminfo");
  EXPECT_EQ(missing.bytes(), std::nullopt);
  dirty_memory real;  // this machine's /proc/meminfo
  EXPECT_TRUE(real.bytes().has_value());
}

class FilesystemSyncLogs : public StorageTest {
 protected:
  void open_logs(int n) {
    for (int i = 0; i < n; ++i) {
      auto log = partition_log::open(fs(), log_dir() + "-" + std::to_string(i), small_config(),
                                     open_options{false, 10'000, &probe});
      ASSERT_TRUE(log) << log.error().message();
      logs.push_back(std::move(*log));
    }
  }
  std::vector<sync_state*> states() {
    std::vector<sync_state*> v;
    for (auto& l : logs) v.push_back(l->sync().get());
    return v;
  }
  std::string meminfo() const { return log_dir() + "-meminfo"; }
  storage_probe probe;
  std::vector<std::unique_ptr<partition_log>> logs;
};

TEST_P(FilesystemSyncLogs, OneSyncfsMakesEveryPartitionOfTheRoundDurable) {
  if (!filesystem_sync::kernel_reports_errors()) GTEST_SKIP() << "kernel older than 5.8: syncfs is never used";
  open_logs(4);
  filesystem_sync group(16 << 20, fake_dirty(meminfo(), kMeminfo));
  for (int round = 0; round < 5; ++round) {
    for (auto& l : logs) append(*l, 3, 200);  // 1 KiB segments: rolls add index files to the dirty lists
    const auto syncs_before = GetParam() ? _faulty.stats().syncs : 0;
    ASSERT_TRUE(group.try_sync(states())) << "round " << round;
    for (auto& l : logs) EXPECT_EQ(l->flushed_offset(), l->next_offset()) << "round " << round;
    if (GetParam()) {
      EXPECT_EQ(_faulty.stats().syncs, syncs_before + 1) << "one syncfs, no fdatasync";
    }
  }
  EXPECT_EQ(group.syncs_total(), 5u);
  EXPECT_EQ(probe.filesystem_syncs_total.value(), 5u);
  EXPECT_EQ(probe.fsyncs_total.value(), 5u);
  // Nothing left to sync: a second call does not qualify (no state needs a sync) and changes nothing.
  EXPECT_FALSE(group.try_sync(states()));
}

TEST_P(FilesystemSyncLogs, RoundsThatDoNotQualifyAreLeftToTheCaller) {
  open_logs(2);
  for (auto& l : logs) append(*l, 1, 100);
  auto all = states();
  {
    filesystem_sync off(-1, fake_dirty(meminfo(), kMeminfo));
    EXPECT_FALSE(off.try_sync(all)) << "limit -1";
  }
  {
    filesystem_sync one(16 << 20, fake_dirty(meminfo(), kMeminfo));
    EXPECT_FALSE(one.try_sync(std::span(all).first(1))) << "a single partition keeps its fdatasync";
  }
  {
    filesystem_sync busy(16 << 20, fake_dirty(meminfo(), "Dirty: 40000 kB\nWriteback: 0 kB\n"));
    EXPECT_FALSE(busy.try_sync(all)) << "40 MB dirty is over the 16 MiB limit";
  }
  {
    auto unreadable = std::make_unique<dirty_memory>("/nonexistent/meminfo");
    filesystem_sync unknown(16 << 20, std::move(unreadable));
    EXPECT_FALSE(unknown.try_sync(all)) << "unknown dirty memory counts as too much";
  }
  for (auto& l : logs) EXPECT_LT(l->flushed_offset(), l->next_offset()) << "nothing was synced";
}

TEST_P(FilesystemSyncLogs, AFailedSyncfsFallsBackToEachFileAndOnlyTheFailingPartitionTurnsSticky) {
  if (!GetParam()) GTEST_SKIP() << "needs the fault-injecting layer";
  if (!filesystem_sync::kernel_reports_errors()) GTEST_SKIP() << "kernel older than 5.8: syncfs is never used";
  open_logs(1);  // logs[0] on the fault-injecting layer
  auto plain = partition_log::open(io::posix_filesystem(), log_dir() + "-plain", small_config(),
                                   open_options{false, 10'000, &probe});
  ASSERT_TRUE(plain);
  append(*logs[0], 1, 10);
  append(**plain, 1, 10);
  io::fault_config f;
  f.fail_fsync = true;
  _faulty.set_config(f);
  // The faulty partition first, so the syncfs goes through its (failing) file.
  std::vector<sync_state*> round{logs[0]->sync().get(), (*plain)->sync().get()};
  filesystem_sync group(16 << 20, fake_dirty(meminfo(), kMeminfo));
  EXPECT_TRUE(group.try_sync(round));
  EXPECT_EQ(group.syncs_total(), 0u);
  EXPECT_EQ(probe.fsync_errors_total.value(), 2u) << "the syncfs, then the faulty partition's fdatasync";
  EXPECT_TRUE(logs[0]->sync()->failed());
  EXPECT_EQ(logs[0]->flushed_offset(), offset(0)) << "nothing claimed durable past the failure";
  EXPECT_FALSE((*plain)->sync()->failed());
  EXPECT_EQ((*plain)->flushed_offset(), offset(1)) << "its own fdatasync made it durable";
  _faulty.set_config({});
}

INSTANTIATE_TEST_SUITE_P(Fs, FilesystemSyncLogs, ::testing::Bool(), fs_name);

TEST(CachedFile, ATokenSyncedThroughMakesTheFileCleanAndLaterWritesKeepItDirty) {
  auto dir = std::filesystem::temp_directory_path() / ("sd-fs-sync-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  io::filesystem& fs = io::posix_filesystem();
  const std::string path = (dir / "f").string();
  ASSERT_TRUE(fs.open(path, io::open_mode::create));
  file_cache cache(8);
  auto f = cache.make(fs, path);
  const std::uint8_t b[4]{};
  ASSERT_TRUE(io::write_all(*f, file_pos(0), byte_span(b, 4)));
  EXPECT_NE(f->filesystem_id(), 0u);
  const auto token = f->sync_token();
  ASSERT_TRUE(f->sync_filesystem());
  ASSERT_TRUE(io::write_all(*f, file_pos(4), byte_span(b, 4)));  // after the token: not covered
  f->synced_through(token);
  f->release_if_clean();
  EXPECT_TRUE(f->is_open()) << "a write after the token keeps the file dirty and open";
  f->synced_through(f->sync_token());
  f->release_if_clean();
  EXPECT_FALSE(f->is_open()) << "all writes covered: clean, so the cache may close it";
  EXPECT_EQ(f->sync_filesystem().error(), io::errc::unsupported) << "closed: use another file";
  EXPECT_NE(f->filesystem_id(), 0u) << "remembered while closed";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sd::storage::test
