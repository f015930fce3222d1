// background_worker: items run in order on the worker's thread; the queue is bounded and all-or-none;
// drain waits for what was pushed; at_stop::run_queued runs what is queued at destruction, drop_queued drops it.

#include "storage/background_worker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>

namespace sd::storage::test {
namespace {

using namespace std::chrono_literals;

/// The first item blocks the worker until release() (so later pushes stay queued).
struct gate {
  std::promise<void> started, released;
  std::shared_future<void> release_signal{released.get_future().share()};
  std::atomic<bool> first{true};
  void hold() {
    if (first.exchange(false)) {
      started.set_value();
      release_signal.wait();
    }
  }
};

TEST(BackgroundWorker, RunsItemsInOrderOffTheCallersThreadAndDrainWaitsForThem) {
  std::vector<int> ran;
  std::thread::id where;
  background_worker<int> w("sd-test-worker", 100, [&](int& i) {
    ran.push_back(i);
    where = std::this_thread::get_id();
  }, background_worker<int>::at_stop::run_queued);
  for (int i = 0; i < 50; ++i) {
    int item = i;
    ASSERT_TRUE(w.try_push(item));
  }
  std::vector<int> more{50, 51, 52};
  ASSERT_TRUE(w.try_push(more));
  EXPECT_TRUE(more.empty()) << "queued items are taken out of the vector";
  w.drain();
  ASSERT_EQ(ran.size(), 53u);
  for (int i = 0; i < 53; ++i) EXPECT_EQ(ran[static_cast<std::size_t>(i)], i);
  EXPECT_NE(where, std::this_thread::get_id());
}

TEST(BackgroundWorker, TheQueueIsBoundedAndAllOrNone) {
  gate g;
  std::atomic<int> ran{0};
  {
    background_worker<int> w("sd-test-worker", 4, [&](int&) {
      g.hold();
      ++ran;
    }, background_worker<int>::at_stop::run_queued);
    int first = 0;
    ASSERT_TRUE(w.try_push(first));
    g.started.get_future().wait();  // the worker holds item 0: the queue is empty again
    for (int i = 1; i <= 4; ++i) {
      int item = i;
      ASSERT_TRUE(w.try_push(item)) << i;
    }
    int fifth = 5;
    EXPECT_FALSE(w.try_push(fifth)) << "4 queued: full";
    EXPECT_EQ(fifth, 5) << "a refused item is left to the caller";
    std::vector<int> two{6, 7};
    EXPECT_FALSE(w.try_push(two));
    EXPECT_EQ(two.size(), 2u) << "all or none";
    g.released.set_value();
    w.drain();
    EXPECT_EQ(ran.load(), 5);
  }
}

TEST(BackgroundWorker, AtStopRunQueuedRunsEverythingAndDropQueuedDropsTheRest) {
  for (auto policy : {background_worker<int>::at_stop::run_queued, background_worker<int>::at_stop::drop_queued}) {
    gate g;
    std::atomic<int> ran{0};
    std::thread releaser;
    {
      background_worker<int> w("sd-test-worker", 100, [&](int&) {
        g.hold();
        ++ran;
      }, policy);
      for (int i = 0; i < 10; ++i) {
        int item = i;
        ASSERT_TRUE(w.try_push(item));
        if (i == 0) g.started.get_future().wait();
      }
      // The destructor stops the worker while it still holds item 0; release it a little later.
      releaser = std::thread([&] {
        std::this_thread::sleep_for(50ms);
        g.released.set_value();
      });
    }
    releaser.join();
    EXPECT_EQ(ran.load(), policy == background_worker<int>::at_stop::run_queued ? 10 : 1);
  }
}

}  // namespace
}  // namespace sd::storage::test
