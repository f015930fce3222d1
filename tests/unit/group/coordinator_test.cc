// coordinator + lag_source on a real event loop: open (replay), the timer-driven tick, durable commits through
// the flusher, lag for a group without members, restore after close/reopen.
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "group/coordinator.h"
#include "group/lag.h"
#include "io/filesystem.h"
#include "net/shard_set.h"
#include "storage/flusher.h"
#include "temp_dir.h"

namespace sd::group {
namespace {

struct loop {
  net::asio::io_context ctx;
  net::asio::executor_work_guard<net::asio::io_context::executor_type> guard{ctx.get_executor()};
  std::thread thread{[this] { ctx.run(); }};
  ~loop() {
    guard.reset();
    ctx.stop();
    thread.join();
  }
  template <class F>
  auto on(F fn) {
    std::promise<decltype(fn())> p;
    auto fut = p.get_future();
    net::asio::post(ctx, [&] {
      if constexpr (std::is_void_v<decltype(fn())>) {
        fn();
        p.set_value();
      } else {
        p.set_value(fn());
      }
    });
    return fut.get();
  }
};

TEST(Coordinator, DurableCommitsLagAndRestore) {
  sd::test::temp_dir dir;
  coordinator_config cfg;
  cfg.initial_rebalance_delay_ms = 0;
  cfg.tick_interval_ms = 10;
  storage::flusher flusher;
  {
    loop l;
    auto c = coordinator::open(cfg, io::posix_filesystem(), dir.path(), flusher, l.ctx.get_executor(), false);
    ASSERT_TRUE(c) << c.error().message();
    auto& coord = **c;
    coord.start();
    // A simple commit (no members), answered from the flusher thread once durable.
    std::promise<std::error_code> done;
    l.on([&] {
      commit_request r;
      r.group_id = "lagging";
      r.offsets.emplace_back(topic_partition{"t", 0}, committed_offset{40});
      r.offsets.emplace_back(topic_partition{"t", 1}, committed_offset{5});
      r.offsets.emplace_back(topic_partition{"gone", 0}, committed_offset{1});
      coord.manager().commit(std::move(r), [&](std::error_code ec) { done.set_value(ec); });
    });
    EXPECT_FALSE(done.get_future().get());
    lag_source lag(coord, [](const std::string& t, std::int32_t p) -> std::optional<std::int64_t> {
      if (t != "t") return std::nullopt;
      return p == 0 ? 100 : 5;
    });
    auto rows = lag.collect_blocking(std::string("lagging"));
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0].topic, "gone");
    EXPECT_EQ(rows[0].lag, -1);
    EXPECT_EQ(rows[1].committed, 40);
    EXPECT_EQ(rows[1].high_watermark, 100);
    EXPECT_EQ(rows[1].lag, 60);
    EXPECT_EQ(rows[2].lag, 0);
    EXPECT_TRUE(lag.collect_blocking(std::string("other")).empty());
    // The timer loop fires deadlines: a member that never sends SyncGroup is dropped after its rebalance
    // timeout (50 ms here), and the group, left with nothing, goes away.
    std::promise<join_result> joined;
    l.on([&] {
      join_request j;
      j.group_id = "timers";
      j.client_id = "c";
      j.session_timeout_ms = 6000;
      j.rebalance_timeout_ms = 50;
      j.protocol_type = "consumer";
      j.protocols.push_back({"range", {}});
      coord.manager().join(std::move(j), [&](join_result r) { joined.set_value(std::move(r)); });
    });
    auto jr = joined.get_future().get();
    EXPECT_FALSE(jr.error);
    bool gone = false;
    for (int i = 0; i < 500 && !gone; ++i) {
      gone = l.on([&] { return coord.manager().describe("timers").state; }) == group_state::dead;
      if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_TRUE(gone) << "the timer never fired the SyncGroup deadline";
    EXPECT_TRUE(l.on([&] { return coord.close(); }));
  }
  flusher.stop();
  // Reopen: the offsets are back.
  storage::flusher flusher2;
  loop l2;
  auto c2 = coordinator::open(cfg, io::posix_filesystem(), dir.path(), flusher2, l2.ctx.get_executor(), true);
  ASSERT_TRUE(c2);
  std::vector<topic_partition> which{{"t", 0}, {"t", 1}};
  auto got = l2.on([&] { return (*c2)->manager().fetch("lagging", which); });
  EXPECT_EQ(got.at(0).offset, 40);
  EXPECT_EQ(got.at(1).offset, 5);
  EXPECT_TRUE(l2.on([&] { return (*c2)->close(); }));
}

}  // namespace
}  // namespace sd::group
