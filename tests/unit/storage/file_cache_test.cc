// The descriptor cache: the bound holds, dirty and kept files are never closed, held descriptors outlive
// eviction, and a log manager with thousands of segments stays within it (counted in /proc/self/fd).

#include <atomic>
#include <filesystem>
#include <thread>

#include "storage/file_cache.h"
#include "storage/log_manager.h"
#include "storage_test_util.h"

namespace sd::storage::test {
namespace {

std::size_t process_fds() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

class FileCache : public StorageTest {
 protected:
  std::string path(int i) const { return _dir / ("f" + std::to_string(i)); }
  std::vector<std::shared_ptr<cached_file>> make_files(file_cache& cache, int n) {
    std::vector<std::shared_ptr<cached_file>> files;
    for (int i = 0; i < n; ++i) {
      auto created = fs().open(path(i), io::open_mode::create_truncate);
      EXPECT_TRUE(created);
      files.push_back(cache.make(fs(), path(i)));  // `created` closes here: the cached file opens lazily
    }
    return files;
  }
  static void write_byte(cached_file& f, std::uint64_t at, std::uint8_t v) {
    ASSERT_TRUE(io::write_all(f, file_pos(at), byte_span(&v, 1)));
  }
  static std::uint8_t read_byte(io::file& f, std::uint64_t at) {
    std::uint8_t v = 0;
    auto n = f.pread(file_pos(at), mutable_byte_span(&v, 1));
    EXPECT_TRUE(n && *n == 1);
    return v;
  }
};

TEST_P(FileCache, OpensLazilyAndStaysWithinTheBoundOnceSynced) {
  file_cache cache(4);
  auto files = make_files(cache, 20);
  EXPECT_EQ(cache.stats().open, 0u);  // nothing opened by construction
  for (int i = 0; i < 20; ++i) {
    write_byte(*files[i], 0, static_cast<std::uint8_t>(i + 1));
    ASSERT_TRUE(files[i]->datasync());
  }
  auto s = cache.stats();
  EXPECT_LE(s.open, 5u);  // the bound, plus at most the one just opened before the sweep ran past it
  EXPECT_GE(s.evictions, 15u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(read_byte(*files[i], 0), i + 1) << i;  // reopened by path
  EXPECT_EQ(cache.stats().hits, 0u);
  EXPECT_EQ(read_byte(*files[19], 0), 20);  // still open: a hit
  s = cache.stats();
  EXPECT_LE(s.open, 5u);
  EXPECT_GE(s.misses, 20u + 15u);
  EXPECT_GT(s.hits, 0u);
}

TEST_P(FileCache, FilesWithUnsyncedWritesAreNeverClosed) {
  file_cache cache(2);
  auto files = make_files(cache, 6);
  for (int i = 0; i < 6; ++i) write_byte(*files[i], 0, 7);
  EXPECT_EQ(cache.stats().open, 6u);  // all dirty: above the bound rather than lose a writeback error
  EXPECT_EQ(cache.stats().evictions, 0u);
  for (auto& f : files) ASSERT_TRUE(f->datasync());
  std::uint8_t v = 0;
  ASSERT_TRUE(files[0]->pread(file_pos(0), mutable_byte_span(&v, 1)));  // any open lets the sweep run
  auto fresh = cache.make(fs(), path(0));
  ASSERT_TRUE(fresh->hold());
  EXPECT_LE(cache.stats().open, 3u);
}

TEST_P(FileCache, DatasyncOfAnEvictedCleanFileOpensNothing) {
  file_cache cache(1);
  auto files = make_files(cache, 3);
  write_byte(*files[0], 0, 1);
  ASSERT_TRUE(files[0]->datasync());
  write_byte(*files[1], 0, 1);
  ASSERT_TRUE(files[1]->datasync());
  write_byte(*files[2], 0, 1);  // evicts a synced one
  ASSERT_TRUE(files[2]->datasync());
  const auto misses = cache.stats().misses;
  int closed = 0;
  for (auto& f : files) closed += f->is_open() ? 0 : 1;
  EXPECT_GE(closed, 1);
  for (auto& f : files) {
    if (!f->is_open()) {
      ASSERT_TRUE(f->datasync());
    }
  }
  EXPECT_EQ(cache.stats().misses, misses);
}

TEST_P(FileCache, HeldDescriptorOutlivesEvictionAndKeptFileOutlivesRemoval) {
  file_cache cache(1);
  auto files = make_files(cache, 4);
  write_byte(*files[0], 0, 42);
  ASSERT_TRUE(files[0]->datasync());
  auto held = files[0]->hold();
  ASSERT_TRUE(held);
  for (int i = 1; i < 4; ++i) {
    write_byte(*files[i], 0, 1);
    ASSERT_TRUE(files[i]->datasync());
  }
  EXPECT_FALSE(files[0]->is_open());           // evicted from the cache...
  EXPECT_EQ(read_byte(**held, 0), 42);          // ...but the held descriptor still reads
  if (!GetParam()) {
    EXPECT_GE((*held)->native_handle(), 0);
  }
  EXPECT_EQ(files[0]->native_handle(), -1);  // the wrapper never hands out a descriptor it may close

  write_byte(*files[1], 0, 9);
  ASSERT_TRUE(files[1]->datasync());
  ASSERT_TRUE(files[1]->keep_open());
  ASSERT_TRUE(fs().remove(path(1)));
  for (int i = 2; i < 4; ++i) ASSERT_TRUE(files[i]->hold());  // would evict files[1] if it were not kept
  EXPECT_TRUE(files[1]->is_open());
  EXPECT_EQ(read_byte(*files[1], 0), 9);
}

TEST_P(FileCache, RenamedFileReopensUnderItsNewName) {
  file_cache cache(1);
  auto files = make_files(cache, 2);
  write_byte(*files[0], 0, 5);
  ASSERT_TRUE(files[0]->datasync());
  ASSERT_TRUE(fs().rename(path(0), path(100)));
  files[0]->renamed(path(100));
  write_byte(*files[1], 0, 1);
  ASSERT_TRUE(files[1]->datasync());
  ASSERT_TRUE(files[0]->hold());  // reopened (files[1] evicted)
  EXPECT_EQ(read_byte(*files[0], 0), 5);
  EXPECT_EQ(files[0]->path(), path(100));
}

TEST_P(FileCache, CloseDropsTheDescriptorAndTheNextUseReopensIt) {
  file_cache cache(4);
  auto files = make_files(cache, 2);
  write_byte(*files[0], 0, 3);
  ASSERT_TRUE(files[0]->datasync());
  ASSERT_TRUE(files[1]->hold());
  EXPECT_EQ(cache.stats().open, 2u);
  ASSERT_TRUE(files[0]->close());
  EXPECT_FALSE(files[0]->is_open());
  EXPECT_EQ(cache.stats().open, 1u);
  EXPECT_EQ(read_byte(*files[0], 0), 3);  // reopened, counted once again
  EXPECT_EQ(cache.stats().open, 2u);
}

TEST_P(FileCache, ConcurrentUseUnderATightBoundLosesNothing) {
  constexpr int n_files = 40;
  constexpr int n_threads = 4;
  file_cache cache(3);
  auto files = make_files(cache, n_files);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < n_threads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 50; ++round) {
        for (int i = t; i < n_files; i += n_threads) {
          std::uint8_t v = static_cast<std::uint8_t>(round);
          if (!io::write_all(*files[i], file_pos(t), byte_span(&v, 1))) ++failures;
          if (!files[i]->datasync()) ++failures;
          std::uint8_t back = 0;
          auto r = files[(i + 1) % n_files]->pread(file_pos(0), mutable_byte_span(&back, 1));  // a neighbour's
          if (!r) ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  for (int i = 0; i < n_files; ++i) EXPECT_EQ(read_byte(*files[i], static_cast<std::uint64_t>(i % n_threads)), 49);
  EXPECT_LE(cache.stats().open, 3u + n_threads);
  EXPECT_GT(cache.stats().evictions, 0u);
}

INSTANTIATE_TEST_SUITE_P(Fs, FileCache, ::testing::Bool(), fs_name);

// The flusher syncs while the owner appends: a datasync that starts while a pwrite is still running must not
// mark the file clean, or the cache could close it and a later sync would skip the write.
TEST(FileCacheRace, AWriteInProgressDuringASyncLeavesTheFileDirty) {
  sd::test::temp_dir dir;
  io::faulty_filesystem slow{io::posix_filesystem()};
  const std::string pa = dir / "a";
  const std::string pb = dir / "b";
  for (const auto& p : {pa, pb}) ASSERT_TRUE(slow.open(p, io::open_mode::create_truncate));
  file_cache cache(1);
  auto a = cache.make(slow, pa);
  std::uint8_t one = 1;
  ASSERT_TRUE(io::write_all(*a, file_pos(0), byte_span(&one, 1)));
  ASSERT_TRUE(a->datasync());
  slow.set_write_throttle(4000);  // the next 2,000-byte pwrite takes about half a second
  bytes payload(2000, 7);
  std::thread writer([&] { EXPECT_TRUE(io::write_all(*a, file_pos(0), payload)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  ASSERT_TRUE(a->datasync());  // overlaps the write
  writer.join();
  slow.set_write_throttle(0);
  auto b = cache.make(slow, pb);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(b->hold());  // pressure on a bound of 1
  std::uint8_t v = 0;
  ASSERT_TRUE(b->pread(file_pos(0), mutable_byte_span(&v, 1)));
  EXPECT_TRUE(a->is_open()) << "a write no sync covered was closed by the cache";
  ASSERT_TRUE(a->datasync());
  ASSERT_TRUE(b->pwrite(file_pos(0), byte_span(&one, 1)));  // opens nothing new, but a is clean now:
  ASSERT_TRUE(b->datasync());
  auto c = cache.make(slow, pa);  // a second object on the same path: its open evicts the clean one
  ASSERT_TRUE(c->hold());
  ASSERT_TRUE(b->hold());
  EXPECT_LE(cache.stats().open, 2u);
}

// An idle partition costs nothing at shutdown: after the first close wrote its index files (and a crash
// after that), later opens find them matching and close writes and syncs nothing; one write changes that.
TEST(FileCacheLogs, IdlePartitionsWriteNothingAtClose) {
  sd::test::temp_dir dir;
  io::faulty_filesystem counting{io::posix_filesystem()};
  const log_config cfg = small_config();
  auto open_close = [&](bool clean, bool write) -> io::fault_stats {
    auto log = partition_log::open(counting, dir / "t-0", cfg, open_options{clean, 10'000});
    EXPECT_TRUE(log);
    if (!log) return {};
    if (write) {
      bytes b = make_batch(2, 100);
      EXPECT_TRUE((*log)->append(b, 10'000));
    }
    const auto before = counting.stats();
    EXPECT_TRUE((*log)->close());
    auto after = counting.stats();
    after.writes -= before.writes;
    after.syncs -= before.syncs;
    return after;
  };
  auto first = open_close(false, true);
  EXPECT_GT(first.writes, 0u);  // the active segment's index files
  EXPECT_GT(first.syncs, 0u);
  auto idle_clean = open_close(true, false);
  EXPECT_EQ(idle_clean.writes, 0u);
  EXPECT_EQ(idle_clean.syncs, 0u);
  auto idle_after_crash = open_close(false, false);  // unclean open, nothing new: the files still match
  EXPECT_EQ(idle_after_crash.writes, 0u);
  EXPECT_EQ(idle_after_crash.syncs, 0u);
  auto written = open_close(true, true);
  EXPECT_GT(written.writes, 0u);
  EXPECT_GT(written.syncs, 0u);
}

TEST(FileCacheLogs, ARemovedPartitionRefusesReads) {
  sd::test::temp_dir dir;
  log_manager_options opts;
  opts.max_open_files = 4;
  auto m = log_manager::open(dir.path(), io::posix_filesystem(), small_config(), opts);
  ASSERT_TRUE(m);
  auto log = (*m)->create_partition("gone", partition_id(0));
  ASSERT_TRUE(log);
  bytes b = make_batch(2, 100);
  ASSERT_TRUE((*log)->append(b, 10'000));
  ASSERT_TRUE((*log)->read(offset(0), 1 << 20));
  ASSERT_TRUE((*m)->remove_topic("gone"));
  auto r = (*log)->read(offset(0), 1 << 20);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(errc::log_closed));
  ASSERT_TRUE((*m)->close());
}

// A data directory with far more segments than the bound: the process's descriptors stay within it while
// partitions are written, read, closed and reopened (clean and unclean), and every record reads back.
TEST(FileCacheLogs, ThousandsOfSegmentsUnderASmallBound) {
  sd::test::temp_dir dir;
  log_config cfg = small_config();  // 1 KiB segments
  constexpr int partitions = 150;
  constexpr std::size_t bound = 16;
  log_manager_options opts;
  opts.max_open_files = bound;
  const std::size_t before = process_fds();
  auto fill_and_check = [&](log_manager& m, bool write) {
    for (int p = 0; p < partitions; ++p) {
      std::shared_ptr<partition_log> log;
      if (write) {
        auto created = m.create_partition("t", partition_id(p));
        ASSERT_TRUE(created);
        log = *created;
        for (int b = 0; b < 6; ++b) {
          bytes batch = make_batch(3, 300, 1000 + b);
          ASSERT_TRUE(log->append(batch, 10'000));
        }
        ASSERT_TRUE(log->flush());
      } else {
        log = m.get("t", partition_id(p));
        ASSERT_TRUE(log);
      }
      EXPECT_GE(log->segment_count(), 2u);
      EXPECT_EQ(all_headers(*log).size(), 6u) << p;
      EXPECT_LE(process_fds(), before + bound + 4) << "partition " << p;
    }
  };
  {
    auto m = log_manager::open(dir.path(), io::posix_filesystem(), cfg, opts);
    ASSERT_TRUE(m);
    fill_and_check(**m, true);
    EXPECT_GT((*m)->files().stats().evictions, 0u);
    ASSERT_TRUE((*m)->close());
  }
  for (bool clean : {true, false}) {
    if (!clean) std::filesystem::remove(std::filesystem::path(dir.path()) / ".clean_shutdown");
    auto m = log_manager::open(dir.path(), io::posix_filesystem(), cfg, opts);
    ASSERT_TRUE(m);
    EXPECT_EQ((*m)->opened_after_clean_shutdown(), clean);
    EXPECT_LE(process_fds(), before + bound + 4);
    fill_and_check(**m, false);
    ASSERT_TRUE((*m)->close());
  }
  EXPECT_LE(process_fds(), before + 1);
}

}  // namespace
}  // namespace sd::storage::test
