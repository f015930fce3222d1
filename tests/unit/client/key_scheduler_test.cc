#include "client/key_scheduler.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <vector>

namespace sd::client {
namespace {

std::vector<std::uint64_t> drain_ready(key_scheduler& s) {
  std::vector<std::uint64_t> out;
  while (auto id = s.ready()) out.push_back(*id);
  return out;
}

TEST(key_scheduler, different_keys_run_in_parallel_same_key_waits) {
  key_scheduler s;
  s.submit(1, std::string("a"));
  s.submit(2, std::string("b"));
  s.submit(3, std::string("a"));
  s.submit(4, std::nullopt);
  s.submit(5, std::nullopt);
  s.submit(6, std::string(""));  // the empty key is not the null key
  EXPECT_EQ(drain_ready(s), (std::vector<std::uint64_t>{1, 2, 4, 6}));
  EXPECT_EQ(s.size(), 6u);
  s.complete(2);
  EXPECT_TRUE(drain_ready(s).empty());
  s.complete(1);
  EXPECT_EQ(drain_ready(s), (std::vector<std::uint64_t>{3}));
  s.complete(4);
  EXPECT_EQ(drain_ready(s), (std::vector<std::uint64_t>{5}));
  s.complete(3);
  s.complete(5);
  s.complete(6);
  EXPECT_EQ(s.size(), 0u);
  EXPECT_FALSE(s.ready().has_value());
}

TEST(key_scheduler, a_retried_head_blocks_its_key_only) {
  key_scheduler s;
  s.submit(10, std::string("poison"));
  s.submit(11, std::string("poison"));
  s.submit(12, std::string("ok"));
  EXPECT_EQ(drain_ready(s), (std::vector<std::uint64_t>{10, 12}));
  s.complete(12);  // other key finishes while 10 is being retried (not completed)
  EXPECT_TRUE(drain_ready(s).empty());
  s.complete(10);
  EXPECT_EQ(drain_ready(s), (std::vector<std::uint64_t>{11}));
}

TEST(key_scheduler, random_interleaving_keeps_per_key_order) {
  std::mt19937 rng(42);
  key_scheduler s;
  std::map<std::uint64_t, int> key_of;
  std::map<int, std::vector<std::uint64_t>> submitted, processed;
  std::vector<std::uint64_t> running;
  std::uint64_t next = 1;
  for (int step = 0; step < 5000; ++step) {
    if (rng() % 2 == 0 && next < 2000) {
      const int key = static_cast<int>(rng() % 7);
      key_of[next] = key;
      submitted[key].push_back(next);
      s.submit(next++, std::to_string(key));
    }
    while (auto id = s.ready()) running.push_back(*id);
    if (!running.empty()) {
      const auto pick = rng() % running.size();
      const auto id = running[pick];
      running.erase(running.begin() + static_cast<long>(pick));
      processed[key_of[id]].push_back(id);
      s.complete(id);
    }
    // Never two records of one key running at once.
    std::map<int, int> per_key;
    for (auto id : running) ASSERT_LE(++per_key[key_of[id]], 1);
  }
  while (s.size() > 0) {
    while (auto id = s.ready()) running.push_back(*id);
    ASSERT_FALSE(running.empty());
    const auto id = running.back();
    running.pop_back();
    processed[key_of[id]].push_back(id);
    s.complete(id);
  }
  EXPECT_EQ(processed, submitted);
}

TEST(offset_tracker, commits_lowest_unfinished) {
  offset_tracker t;
  EXPECT_FALSE(t.committable().has_value());
  for (std::int64_t o = 10; o < 15; ++o) t.received(o);
  EXPECT_EQ(t.committable(), 10);
  t.finished(11);
  t.finished(12);
  EXPECT_EQ(t.committable(), 10);  // 10 still running: nothing past it may be committed
  t.finished(10);
  EXPECT_EQ(t.committable(), 13);
  t.finished(14);
  t.finished(13);
  EXPECT_EQ(t.committable(), 15);
  EXPECT_EQ(t.pending(), 0u);
  EXPECT_EQ(t.highest(), 14);
  t.received(20);  // gaps (compaction, transactions markers) are fine
  EXPECT_EQ(t.committable(), 20);
  t.finished(20);
  EXPECT_EQ(t.committable(), 21);
}

}  // namespace
}  // namespace sd::client
