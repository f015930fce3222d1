#include "net/memory_budget.h"

#include <gtest/gtest.h>

#include <vector>

namespace sd::net {
namespace {

TEST(MemoryBudget, TryAcquireRespectsCapacity) {
  memory_budget b(100);
  budget_lease a, c;
  EXPECT_TRUE(b.try_acquire(60, a));
  EXPECT_FALSE(b.try_acquire(41, c));
  EXPECT_EQ(b.in_use(), 60u);
  a.release();
  EXPECT_EQ(b.in_use(), 0u);
  EXPECT_TRUE(b.try_acquire(100, c));
}

TEST(MemoryBudget, WaitersAreGrantedInArrivalOrderWhenBytesReturn) {
  asio::io_context ctx;
  memory_budget b(100);
  budget_lease first;
  ASSERT_TRUE(b.try_acquire(90, first));
  std::vector<int> order;
  std::vector<budget_lease> held;
  auto waiter = [&](int id, std::size_t n) -> awaitable<void> {
    auto lease = co_await b.acquire(n);
    order.push_back(id);
    held.push_back(std::move(lease));
  };
  asio::co_spawn(ctx, waiter(1, 50), asio::detached);
  asio::co_spawn(ctx, waiter(2, 10), asio::detached);  // would fit now, but must not overtake waiter 1
  ctx.poll();
  EXPECT_TRUE(order.empty());
  EXPECT_EQ(b.in_use(), 90u);
  first.release();  // 100 free: waiter 1 (50) then waiter 2 (10) fit, in that order
  ctx.restart();
  ctx.poll();
  ASSERT_EQ(order.size(), 2u);
  EXPECT_EQ(order[0], 1);
  EXPECT_EQ(order[1], 2);
  EXPECT_EQ(b.in_use(), 60u);
  EXPECT_EQ(b.waits_total(), 2u);
  held.clear();
  EXPECT_EQ(b.in_use(), 0u);
}

TEST(MemoryBudget, SmallFramesUseTheReserveWhenThePoolIsSpent) {
  asio::io_context ctx;
  memory_budget b(100, /*small_reserve=*/10, /*small_frame_limit=*/8);
  budget_lease big;
  ASSERT_TRUE(b.try_acquire(100, big));
  budget_lease small1, small2, too_big_for_reserve;
  EXPECT_TRUE(b.try_acquire(8, small1));  // from the reserve
  EXPECT_TRUE(small1.from_reserve());
  EXPECT_FALSE(b.try_acquire(8, small2));  // reserve has 2 left
  EXPECT_FALSE(b.try_acquire(9, too_big_for_reserve));  // over the small-frame limit: main pool only
  EXPECT_EQ(b.in_use(), 108u);
  EXPECT_LE(b.in_use(), b.capacity() + b.small_reserve());

  bool granted = false;
  auto waiter = [&]() -> awaitable<void> {
    auto lease = co_await b.acquire(9);
    granted = true;
    EXPECT_FALSE(lease.from_reserve());
  };
  asio::co_spawn(ctx, waiter(), asio::detached);
  ctx.poll();
  EXPECT_FALSE(granted);
  small1.release();  // reserve bytes returning do not serve main-pool waiters
  ctx.restart();
  ctx.poll();
  EXPECT_FALSE(granted);
  EXPECT_EQ(b.reserve_in_use(), 0u);
  big.release();
  ctx.restart();
  ctx.poll();
  EXPECT_TRUE(granted);
  EXPECT_EQ(b.in_use(), 0u);
}

TEST(MemoryBudget, LeaseMoveTransfersOwnership) {
  memory_budget b(10);
  budget_lease a;
  ASSERT_TRUE(b.try_acquire(10, a));
  budget_lease moved = std::move(a);
  EXPECT_EQ(a.bytes(), 0u);
  EXPECT_EQ(moved.bytes(), 10u);
  a.release();  // releasing the moved-from lease returns nothing
  EXPECT_EQ(b.in_use(), 10u);
  moved.release();
  EXPECT_EQ(b.in_use(), 0u);
}

}  // namespace
}  // namespace sd::net
