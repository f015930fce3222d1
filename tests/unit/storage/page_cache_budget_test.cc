// page_cache_budget: the shared bound on recently written log kept in the page cache, across partitions.

#include "storage/page_cache_budget.h"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>
#include <tuple>
#include <vector>

#include "storage/log_manager.h"
#include "storage_test_util.h"

namespace sd::storage::test {
namespace {

/// A file that only records the advice it is given ([begin, end) byte ranges, in call order).
class advice_recorder : public io::file {
 public:
  result<std::size_t> pwrite(file_pos, byte_span d) override { return d.size(); }
  result<std::size_t> pread(file_pos, mutable_byte_span) override { return std::size_t{0}; }
  status datasync() override { return ok(); }
  status truncate(std::uint64_t) override { return ok(); }
  result<std::uint64_t> size() override { return std::uint64_t{0}; }
  status close() override { return ok(); }
  int native_handle() const noexcept override { return -1; }
  void drop_cache(file_pos pos, std::uint64_t len) noexcept override {
    std::lock_guard lk(mu);
    advised.emplace_back(pos.value(), pos.value() + len);
  }
  std::uint64_t advised_bytes() {
    std::lock_guard lk(mu);
    std::uint64_t n = 0;
    for (auto [b, e] : advised) n += e - b;
    return n;
  }
  std::mutex mu;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> advised;
};

constexpr std::uint64_t MiB = 1 << 20;

TEST(PageCacheBudget, AdvisesTheOldestWritesOfAllFilesFirstAndNeverTheLastLimitBytes) {
  page_cache_budget budget(8 * MiB);  // chunk = 1 MiB
  auto a = std::make_shared<advice_recorder>();
  auto b = std::make_shared<advice_recorder>();
  // Two partitions writing 256 KiB each in turn: 8 MiB + less than a chunk is still all kept.
  std::uint64_t pos_a = 0, pos_b = 0;
  auto write_a = [&] { budget.written(a, file_pos(pos_a), 256 * 1024); pos_a += 256 * 1024; };
  auto write_b = [&] { budget.written(b, file_pos(pos_b), 256 * 1024); pos_b += 256 * 1024; };
  for (int i = 0; i < 17; ++i) {
    write_a();
    write_b();
  }
  EXPECT_EQ(a->advised_bytes() + b->advised_bytes(), 0u) << "8.5 MiB written: within limit + chunk";
  // Now partition a goes quiet and b writes on: a's old data (the oldest) is advised, though a wrote nothing.
  for (int i = 0; i < 12; ++i) write_b();
  ASSERT_FALSE(a->advised.empty()) << "the oldest writes are a's";
  EXPECT_EQ(a->advised.front().first, 0u);
  // Nothing within the last 8 MiB written is ever advised: b's last 32 writes (8 MiB) are untouched.
  const std::uint64_t b_keep_from = pos_b - 8 * MiB;
  for (auto [lo, hi] : b->advised) EXPECT_LE(hi, b_keep_from);
  // Far past two budgets: the early data is advised a second time and the tracked ranges are forgotten.
  for (int i = 0; i < 200; ++i) write_b();
  EXPECT_GT(budget.advised_bytes_total(), 0u);
  EXPECT_GE(a->advised_bytes(), 2 * 17 * 256 * 1024u - 256 * 1024) << "all of a's data advised twice";
  EXPECT_LE(budget.tracked_ranges(), 2u) << "b's consecutive writes share one range; a's were dropped";
}

TEST(PageCacheBudget, OffRecordsAndAdvisesNothing) {
  page_cache_budget budget(-1);
  auto f = std::make_shared<advice_recorder>();
  for (std::uint64_t i = 0; i < 100; ++i) budget.written(f, file_pos(i * MiB), MiB);
  EXPECT_TRUE(f->advised.empty());
  EXPECT_EQ(budget.tracked_ranges(), 0u);
  // Turned on later: only what is written from then on counts.
  budget.set_limit(4 * MiB);
  for (std::uint64_t i = 100; i < 104; ++i) budget.written(f, file_pos(i * MiB), MiB);
  EXPECT_TRUE(f->advised.empty());
  for (std::uint64_t i = 104; i < 120; ++i) budget.written(f, file_pos(i * MiB), MiB);
  ASSERT_FALSE(f->advised.empty());
  EXPECT_GE(f->advised.front().first, 100 * MiB) << "data written while off is never advised";
}

TEST(PageCacheBudget, AFileGoneSinceItsWriteIsSkipped) {
  page_cache_budget budget(2 * MiB);
  auto kept = std::make_shared<advice_recorder>();
  {
    auto deleted = std::make_shared<advice_recorder>();  // a segment removed by retention: nobody holds it
    budget.written(deleted, file_pos(0), 4 * MiB);
  }
  for (std::uint64_t i = 0; i < 16; ++i) budget.written(kept, file_pos(i * MiB), MiB);
  EXPECT_FALSE(kept->advised.empty());
  EXPECT_EQ(kept->advised.front().first, 0u);
}

TEST(PageCacheBudget, ConcurrentWritersAdviseEachByteAtMostTwice) {
  page_cache_budget budget(4 * MiB);
  constexpr int threads = 4, writes = 2000;
  constexpr std::uint64_t size = 64 * 1024;
  std::vector<std::shared_ptr<advice_recorder>> files;
  for (int t = 0; t < threads; ++t) files.push_back(std::make_shared<advice_recorder>());
  std::vector<std::thread> ws;
  for (int t = 0; t < threads; ++t)
    ws.emplace_back([&, t] {
      for (int i = 0; i < writes; ++i) budget.written(files[t], file_pos(i * size), size);
    });
  for (auto& w : ws) w.join();
  const std::uint64_t total = threads * writes * size;
  std::uint64_t advised = 0;
  for (auto& f : files) advised += f->advised_bytes();
  // Everything but the last two budgets (plus up to a chunk per pass) was advised twice; nothing more than twice.
  EXPECT_LE(advised, 2 * total);
  EXPECT_GE(advised, 2 * (total - 2 * 4 * MiB - 2 * MiB) - 2 * MiB);
  EXPECT_LE(budget.tracked_ranges(), static_cast<std::size_t>(2 * 4 * MiB / size + 2 * MiB / size + threads));
}

TEST(PageCacheBudget, InTheBackgroundEveryAdviceIsGivenOffTheWritersThread) {
  page_cache_budget budget(2 * MiB, /*background=*/true);
  struct thread_recorder final : advice_recorder {
    void drop_cache(file_pos pos, std::uint64_t len) noexcept override {
      advice_recorder::drop_cache(pos, len);
      std::lock_guard lk(mu);
      threads.push_back(std::this_thread::get_id());
    }
    std::vector<std::thread::id> threads;
  };
  auto f = std::make_shared<thread_recorder>();
  for (std::uint64_t i = 0; i < 64; ++i) budget.written(f, file_pos(i * MiB), MiB);
  budget.drain();
  // 64 MiB written, the last 2 MiB kept: everything else advised twice, all of it on the budget's thread.
  EXPECT_GE(f->advised_bytes(), 2 * (64 - 2 - 2) * MiB);
  ASSERT_FALSE(f->threads.empty());
  for (auto id : f->threads) EXPECT_NE(id, std::this_thread::get_id());
  // Advice through a window (another partition's tail) goes the same way.
  std::vector<written_ranges::advice> due{{f, 100 * MiB, MiB}};
  budget.advise(due);
  EXPECT_TRUE(due.empty());
  budget.drain();
  EXPECT_EQ(f->advised.back(), std::make_pair(100 * MiB, 101 * MiB));
}

class PageCacheBudgetLogs : public StorageTest {};

TEST_P(PageCacheBudgetLogs, ManyPartitionsShareTheBudgetAndAWindowOfMinusOneOptsOut) {
  log_manager_options options;
  options.page_cache_budget_bytes = 2 * MiB;
  auto m = log_manager::open(_dir.path(), fs(), small_config(), options);
  ASSERT_TRUE(m) << m.error().message();
  log_config cfg = small_config();
  cfg.segment_bytes = 8 * MiB;
  cfg.cache_window_bytes = 256 * MiB;  // no single window fills in this test
  log_config opted_out = cfg;
  opted_out.cache_window_bytes = -1;
  std::vector<std::shared_ptr<partition_log>> logs;
  for (int p = 0; p < 20; ++p) {
    auto l = (*m)->create_partition("spread", partition_id(p), cfg);
    ASSERT_TRUE(l);
    logs.push_back(*l);
  }
  auto kernel = (*m)->create_partition("kernel", partition_id(0), opted_out);
  ASSERT_TRUE(kernel);
  // The opted-out topic alone writes 6 MiB: the budget sees none of it.
  for (int i = 0; i < 500; ++i) {
    bytes b = make_batch(1, 12'000);
    ASSERT_TRUE((*kernel)->append(b, 0));
  }
  EXPECT_EQ((*m)->cache_budget().advised_bytes_total(), 0u);
  // 20 partitions, 300 KiB each (6 MiB together): no window comes near full, the shared budget does.
  for (int i = 0; i < 25; ++i) {
    for (auto& l : logs) {
      bytes b = make_batch(1, 12'000);
      ASSERT_TRUE(l->append(b, 0));
    }
  }
  EXPECT_GT((*m)->cache_budget().advised_bytes_total(), 0u);
  (*m)->cache_budget().drain();  // the manager's budget advises on its own thread
  if (GetParam()) {
    EXPECT_GT(_faulty.stats().cache_drops, 0u);
  }
  // Advice never changes data.
  for (auto& l : logs) EXPECT_EQ(l->next_offset(), offset(25));
  ASSERT_TRUE((*m)->close());
}

INSTANTIATE_TEST_SUITE_P(Fs, PageCacheBudgetLogs, ::testing::Bool(), fs_name);

}  // namespace
}  // namespace sd::storage::test
