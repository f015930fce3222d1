// Group commit: waiters complete after a sync that covers them; errors reach them; background policy.

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "storage/flusher.h"
#include "storage_test_util.h"

namespace sd::storage::test {
namespace {

using GroupCommit = StorageTest;

/// Asks for durability up to `end`; the future completes with the callback's status.
std::future<status> request_future(flusher& fl, partition_log& log, offset end) {
  auto p = std::make_shared<std::promise<status>>();
  auto fut = p->get_future();
  fl.request(log, end, [p](status s) { p->set_value(s); });
  return fut;
}

status wait_durable(flusher& fl, partition_log& log, offset end) {
  std::promise<status> done;
  auto fut = done.get_future();
  fl.request(log, end, [&done](status s) { done.set_value(s); });
  return fut.get();
}

TEST_P(GroupCommit, CallbackAfterSyncWithFlushedOffset) {
  auto log = open_log();
  flusher fl;
  auto info = append(*log, 3, 100);
  EXPECT_EQ(log->flushed_offset(), offset(0));
  std::atomic<std::int64_t> seen_flushed{-1};
  std::promise<status> done;
  fl.request(*log, info.next_offset, [&](status s) {
    seen_flushed = log->sync()->flushed().value();  // published before the callback runs
    done.set_value(s);
  });
  EXPECT_TRUE(done.get_future().get());
  EXPECT_GE(seen_flushed.load(), 3);
  EXPECT_EQ(log->flushed_offset(), offset(3));
  EXPECT_EQ(log->next_offset(), offset(3));
}

TEST_P(GroupCommit, OneSyncCoversEveryWaitingBatch) {
  auto log = open_log(small_config());
  flusher fl;
  std::vector<std::future<status>> results;
  // Queue many requests while the flusher is busy with nothing else: they are taken in few rounds.
  for (int i = 0; i < 50; ++i) {
    auto info = append(*log, 1, 100);
    results.push_back(request_future(fl, *log, info.next_offset));
  }
  for (auto& f : results) EXPECT_TRUE(f.get());
  EXPECT_EQ(log->flushed_offset(), offset(50));
  EXPECT_LE(log->sync()->syncs_total(), 50u);
  EXPECT_LE(fl.rounds_total(), 50u);
  EXPECT_GE(log->sync()->syncs_total(), 1u);
}

TEST_P(GroupCommit, RequestForAlreadyFlushedOffsetCompletes) {
  auto log = open_log();
  flusher fl;
  auto info = append(*log, 1, 10);
  ASSERT_TRUE(log->flush());
  auto syncs = log->sync()->syncs_total();
  EXPECT_TRUE(wait_durable(fl, *log, info.next_offset));
  EXPECT_EQ(log->sync()->syncs_total(), syncs);  // nothing new to sync
}

TEST_P(GroupCommit, RequestPastTheWrittenEndIsAnError) {
  auto log = open_log();
  flusher fl;
  append(*log, 1, 10);
  EXPECT_EQ(wait_durable(fl, *log, offset(5)).error(), make_error_code(errc::offset_out_of_range));
}

TEST_P(GroupCommit, FlushIntervalMessages) {
  log_config cfg = small_config();
  cfg.segment_bytes = 1 << 20;
  cfg.flush_interval_messages = 10;
  auto log = open_log(cfg);
  flusher fl;
  log->attach_flusher(&fl);
  for (int i = 0; i < 9; ++i) append(*log, 1, 10);
  append(*log, 1, 10);  // the 10th record asks for a background flush
  for (int i = 0; i < 2000 && log->flushed_offset() < offset(10); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(log->flushed_offset(), offset(10));
}

TEST_P(GroupCommit, FlushIntervalMs) {
  log_config cfg = small_config();
  cfg.flush_interval_ms = 20;
  auto log = open_log(cfg);
  flusher fl;
  log->attach_flusher(&fl);
  fl.watch(log->sync());
  append(*log, 1, 10);
  for (int i = 0; i < 2000 && log->flushed_offset() < offset(1); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(log->flushed_offset(), offset(1));
  fl.unwatch(log->sync().get());
}

TEST_P(GroupCommit, DefaultPolicyNeverFlushesUnasked) {
  auto log = open_log();
  flusher fl;
  log->attach_flusher(&fl);
  fl.watch(log->sync());
  append(*log, 1, 10);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(log->flushed_offset(), offset(0));
  EXPECT_EQ(log->sync()->syncs_total(), 0u);
}

TEST_P(GroupCommit, RollDuringPendingFlushIsSafe) {
  auto log = open_log();  // 1 KiB segments: every few appends roll
  flusher fl;
  std::vector<std::future<status>> results;
  for (int i = 0; i < 40; ++i) {
    auto info = append(*log, 1, 239);
    results.push_back(request_future(fl, *log, info.next_offset));
    if (i % 10 == 9) {
      log_config cfg = small_config();
      cfg.retention_bytes = 600;
      log->update_config(cfg);
      ASSERT_TRUE(log->enforce_retention(10'000));  // deletes files the flusher may be syncing
    }
  }
  for (auto& f : results) EXPECT_TRUE(f.get());
  EXPECT_EQ(log->flushed_offset(), offset(40));
}

// Appenders that each wait for their batch before writing the next (the closed loop of the storage
// benchmark): request() wakes the flusher only when its gather can end, so a lost wake-up would hang here
// (ctest's TIMEOUT). Every callback must see its own batch durable.
TEST_P(GroupCommit, ConcurrentAppendersEachCompleteOnlyWhenDurable) {
  auto log = open_log(small_config());
  flusher fl;
  std::mutex log_mu;
  constexpr int appenders = 8;
  const char* scale = std::getenv("STREAMDOWN_TEST_SCALE");
  const int rounds = scale != nullptr && std::string(scale) == "large" ? 400 : 40;
  std::atomic<int> completed{0};
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < appenders; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < rounds; ++i) {
        std::promise<status> done;
        auto fut = done.get_future();
        {
          std::lock_guard lk(log_mu);
          bytes b = make_batch(1, 50);
          auto r = log->append(b, 10'000);
          if (!r) {
            ++bad;
            return;
          }
          offset end = r->next_offset;
          fl.request(*log, end, [&done, &log, &bad, end](status s) {
            if (log->flushed_offset() < end) ++bad;  // completed before its offset was durable
            done.set_value(s);
          });
        }
        if (fut.get()) {
          ++completed;
        } else {
          ++bad;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(completed.load(), appenders * rounds);
  EXPECT_EQ(log->flushed_offset(), log->next_offset());
  EXPECT_LE(fl.rounds_total(), static_cast<std::uint64_t>(appenders * rounds));
}

// After a round of many waiters the flusher gathers for as many; a lone request that follows must still
// complete (the gather gives up after the previous sync's duration), here with a long max_gather.
TEST_P(GroupCommit, LoneRequestAfterABigRoundStillCompletes) {
  auto log = open_log(small_config());
  flusher fl(std::chrono::milliseconds(200));
  std::vector<std::future<status>> results;
  for (int i = 0; i < 16; ++i) {
    auto info = append(*log, 1, 100);
    results.push_back(request_future(fl, *log, info.next_offset));
  }
  for (auto& f : results) EXPECT_TRUE(f.get());
  const auto before = fl.counts();
  for (int i = 0; i < 3; ++i) {
    auto info = append(*log, 1, 100);
    EXPECT_TRUE(wait_durable(fl, *log, info.next_offset));
    EXPECT_EQ(log->flushed_offset(), info.next_offset);
  }
  // The first lone request found fewer waiters than the big round had: that round gathered (and timed out).
  const auto after = fl.counts();
  EXPECT_GE(after.gathers, before.gathers + 1);
  EXPECT_LE(after.gathers, after.rounds);
  EXPECT_EQ(after.rounds, fl.rounds_total());
}

INSTANTIATE_TEST_SUITE_P(Fs, GroupCommit, ::testing::Values(false, true), fs_name);

TEST(GroupCommitFaults, SyncErrorReachesWaitersAndSticks) {
  sd::test::temp_dir dir;
  io::faulty_filesystem fs(io::posix_filesystem());
  auto log = partition_log::open(fs, dir / "t-0", small_config());
  ASSERT_TRUE(log);
  flusher fl;
  bytes b = make_batch(1, 10);
  auto info = (*log)->append(b, 10'000);
  ASSERT_TRUE(info);
  fs.set_fail_fsync(true);
  EXPECT_EQ(wait_durable(fl, **log, info->next_offset).error(), make_error_code(errc::io_error));
  EXPECT_EQ((*log)->flushed_offset(), offset(0));
  fs.set_fail_fsync(false);
  EXPECT_EQ(wait_durable(fl, **log, info->next_offset).error(), make_error_code(errc::io_error));
  EXPECT_EQ((*log)->append(b, 10'000).error(), make_error_code(errc::io_error));
}

TEST(GroupCommitFaults, ClosedLogCompletesWaiters) {
  sd::test::temp_dir dir;
  auto log = partition_log::open(io::posix_filesystem(), dir / "t-0", small_config());
  ASSERT_TRUE(log);
  flusher fl;
  bytes b = make_batch(1, 10);
  auto info = (*log)->append(b, 10'000);
  ASSERT_TRUE((*log)->close());  // flushes: the waiter is satisfied
  EXPECT_TRUE(wait_durable(fl, **log, info->next_offset));
}

TEST(GroupCommitFaults, StopCompletesPendingRequests) {
  sd::test::temp_dir dir;
  auto log = partition_log::open(io::posix_filesystem(), dir / "t-0", small_config());
  ASSERT_TRUE(log);
  std::atomic<int> done{0};
  {
    flusher fl;
    for (int i = 0; i < 5; ++i) {
      bytes b = make_batch(1, 10);
      auto info = (*log)->append(b, 10'000);
      ASSERT_TRUE(info);
      fl.request(**log, info->next_offset, [&](status s) { done += s ? 1 : 100; });
    }
  }  // destructor: stop() after completing everything
  EXPECT_EQ(done.load(), 5);
}

TEST(GroupCommitFaults, RequestAfterStopFailsAtOnce) {
  sd::test::temp_dir dir;
  auto log = partition_log::open(io::posix_filesystem(), dir / "t-0", small_config());
  ASSERT_TRUE(log);
  flusher fl;
  fl.stop();
  bytes b = make_batch(1, 10);
  auto info = (*log)->append(b, 10'000);
  ASSERT_TRUE(info);
  status got = ok();
  fl.request(**log, info->next_offset, [&](status s) { got = s; });
  EXPECT_EQ(got.error(), make_error_code(errc::log_closed));
}

}  // namespace
}  // namespace sd::storage::test
