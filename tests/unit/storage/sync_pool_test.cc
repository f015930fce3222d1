// sync_pool: every state of a round is synced (flushed == written), in parallel, and a failing fsync on one
// partition leaves the others synced and makes only its own state sticky. Runs on both file layers.

#include "storage/sync_pool.h"

#include "storage_test_util.h"

namespace sd::storage::test {
namespace {

using SyncPool = StorageTest;

TEST_P(SyncPool, SyncsEveryStateOfARound) {
  std::vector<std::unique_ptr<partition_log>> logs;
  for (int i = 0; i < 6; ++i) {
    auto log = partition_log::open(fs(), log_dir() + "-" + std::to_string(i), small_config());
    ASSERT_TRUE(log) << log.error().message();
    logs.push_back(std::move(*log));
  }
  sync_pool pool(3);
  for (int round = 0; round < 20; ++round) {
    std::vector<sync_state*> states;
    for (std::size_t i = 0; i < logs.size(); ++i) {
      if ((round + i) % 3 == 0) continue;  // rounds cover different subsets
      append(*logs[i], 2, 100);
      states.push_back(logs[i]->sync().get());
    }
    pool.sync_all(states);
    for (std::size_t i = 0; i < logs.size(); ++i) {
      if ((round + i) % 3 == 0) continue;
      EXPECT_EQ(logs[i]->flushed_offset(), logs[i]->next_offset()) << "round " << round << " log " << i;
    }
  }
  pool.sync_all({});  // an empty round returns at once
  std::vector<sync_state*> one{logs[0]->sync().get()};
  append(*logs[0], 1, 10);
  pool.sync_all(one);  // a single state runs on the caller's thread
  EXPECT_EQ(logs[0]->flushed_offset(), logs[0]->next_offset());
}

TEST_P(SyncPool, AFailedSyncIsStickyForItsStateOnly) {
  if (!GetParam()) GTEST_SKIP() << "needs the fault-injecting layer";
  // a lives on the fault-injecting layer, b on plain POSIX: only a's fdatasync fails.
  auto a = partition_log::open(fs(), log_dir() + "-a", small_config());
  auto b = partition_log::open(io::posix_filesystem(), log_dir() + "-b", small_config());
  ASSERT_TRUE(a && b);
  append(**a, 1, 10);
  append(**b, 1, 10);
  sync_pool pool(2);
  std::vector<sync_state*> both{(*a)->sync().get(), (*b)->sync().get()};
  pool.sync_all(both);
  EXPECT_EQ((*a)->flushed_offset(), offset(1));
  EXPECT_EQ((*b)->flushed_offset(), offset(1));

  io::fault_config f;
  f.fail_fsync = true;
  _faulty.set_config(f);
  append(**a, 1, 10);
  append(**b, 1, 10);
  pool.sync_all(both);
  EXPECT_TRUE((*a)->sync()->failed());
  EXPECT_EQ((*a)->flushed_offset(), offset(1)) << "nothing claimed durable past the failure";
  EXPECT_FALSE((*b)->sync()->failed());
  EXPECT_EQ((*b)->flushed_offset(), offset(2));
  _faulty.set_config({});
}

INSTANTIATE_TEST_SUITE_P(Fs, SyncPool, ::testing::Bool(), fs_name);

}  // namespace
}  // namespace sd::storage::test
