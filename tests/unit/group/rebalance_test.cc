// group_manager with a fake clock: session expiry, rebalance timeout, sync timeout, initial delay,
// MEMBER_ID_REQUIRED members that never come back.
#include "unit/group/group_fixture.h"

namespace sd::group::testing {
namespace {



class rebalance : public group_fixture {
 protected:
  std::pair<std::string, std::string> two_stable(std::int32_t* gen) {
    auto a = join(join_req(""));
    auto ida = (*a)->member_id;
    auto b = join(join_req(""));
    auto a2 = join(join_req(ida));
    EXPECT_TRUE(a2->has_value() && b->has_value());
    *gen = (*a2)->generation;
    auto idb = (*b)->member_id;
    auto sb = sync(idb, *gen);
    auto sa = sync(ida, *gen, {{ida, sd::bytes{'a'}}, {idb, sd::bytes{'b'}}});
    EXPECT_TRUE(sa->has_value() && sb->has_value());
    EXPECT_EQ(state(), group_state::stable);
    return {ida, idb};
  }
};

class initial_delay : public group_fixture {
 protected:
  initial_delay() : group_fixture(3000) {}
};

TEST_F(rebalance, ExpiredSessionRemovesTheMemberAndRebalances) {
  std::int32_t gen = 0;
  auto [a, b] = two_stable(&gen);
  // a keeps heartbeating, b goes silent; session timeout is 10 s.
  for (int i = 0; i < 9; ++i) {
    advance(1000);
    ASSERT_FALSE(heartbeat(a, gen));
  }
  EXPECT_EQ(state(), group_state::stable) << "9 s: b is still alive";
  advance(1500);
  EXPECT_EQ(state(), group_state::preparing_rebalance) << "b expired";
  EXPECT_EQ(code_of(heartbeat(a, gen)), errc::rebalance_in_progress);
  EXPECT_EQ(code_of(heartbeat(b, gen)), errc::unknown_member_id);
  auto a2 = join(join_req(a));
  ASSERT_TRUE(a2->has_value()) << "a is now the only member: the join completes";
  EXPECT_EQ((*a2)->generation, gen + 1);
  EXPECT_EQ((*a2)->members.size(), 1u);
}

TEST_F(rebalance, MembersThatDoNotRejoinInTimeAreDropped) {
  std::int32_t gen = 0;
  auto [a, b] = two_stable(&gen);
  auto c = join(join_req(""));  // rebalance timeout 20 s for everyone
  auto a2 = join(join_req(a));
  EXPECT_FALSE(a2->has_value()) << "b has not rejoined yet";
  // b heartbeats (so its session stays alive) but never rejoins.
  for (int i = 0; i < 19; ++i) {
    advance(1000);
    EXPECT_EQ(code_of(heartbeat(b, gen)), errc::rebalance_in_progress);
  }
  EXPECT_FALSE(a2->has_value());
  advance(1500);
  ASSERT_TRUE(a2->has_value() && c->has_value());
  EXPECT_EQ((*a2)->generation, gen + 1);
  EXPECT_EQ(((*a2)->leader == a ? *a2 : *c)->members.size(), 2u) << "b was dropped";
  EXPECT_EQ(code_of(heartbeat(b, gen + 1)), errc::unknown_member_id);
}

TEST_F(rebalance, NobodySyncsInTimeThenTheGroupRebalancesAgain) {
  auto a = join(join_req(""));
  ASSERT_TRUE(a->has_value());
  auto id = (*a)->member_id;
  EXPECT_EQ(state(), group_state::completing_rebalance);
  for (int i = 0; i < 19; ++i) {  // heartbeats keep the session alive, but no SyncGroup comes
    advance(1000);
    ASSERT_FALSE(heartbeat(id, 1));
  }
  EXPECT_EQ(state(), group_state::completing_rebalance);
  advance(1500);
  EXPECT_EQ(state(), group_state::dead) << "the member that never synced is gone, and so is the empty group";
  EXPECT_EQ(code_of(heartbeat(id, 1)), errc::unknown_member_id);
  // The group is usable again.
  auto again = join(join_req(""));
  ASSERT_TRUE(again->has_value());
  EXPECT_FALSE((*again)->error);
  EXPECT_EQ((*again)->generation, 1);
}

TEST_F(rebalance, LeaderNeverSyncsFollowerGetsRebalanceInProgress) {
  std::int32_t gen = 0;
  auto [a, b] = two_stable(&gen);
  auto a2 = join(join_req(a));
  auto b2 = join(join_req(b));
  ASSERT_TRUE(a2->has_value() && b2->has_value());
  auto leader = (*a2)->leader;
  auto follower = leader == a ? b : a;
  auto fs = sync(follower, gen + 1);
  EXPECT_FALSE(fs->has_value());
  advance(21000);
  ASSERT_TRUE(fs->has_value());
  EXPECT_EQ(code_of((*fs)->error), errc::rebalance_in_progress);
  EXPECT_EQ(state(), group_state::preparing_rebalance) << "the leader was dropped, the follower must rejoin";
  auto f2 = join(join_req(follower));
  ASSERT_TRUE(f2->has_value());
  EXPECT_EQ((*f2)->leader, follower);
}

TEST_F(rebalance, PendingMemberThatNeverRejoinsDoesNotBlockTheRebalance) {
  std::int32_t gen = 0;
  auto [a, b] = two_stable(&gen);
  auto r = join_req("");
  r.require_known_member_id = true;
  auto p = join(r);
  ASSERT_EQ(code_of((*p)->error), errc::member_id_required);
  EXPECT_EQ(state(), group_state::stable);
  // a leaves: the group rebalances and must wait for b, and for the pending member until its session ends.
  (void)mgr->leave("g", {{a, std::nullopt}});
  auto b2 = join(join_req(b));
  EXPECT_FALSE(b2->has_value());
  advance(10500);
  ASSERT_TRUE(b2->has_value());
  EXPECT_FALSE((*b2)->error);
  EXPECT_EQ((*b2)->members.size(), 1u);
}

TEST_F(rebalance, LeaveDuringRebalanceCompletesIt) {
  std::int32_t gen = 0;
  auto [a, b] = two_stable(&gen);
  auto a2 = join(join_req(a));
  EXPECT_FALSE(a2->has_value());
  auto res = mgr->leave("g", {{b, std::nullopt}});
  EXPECT_FALSE(res.members.at(0).second);
  ASSERT_TRUE(a2->has_value());
  EXPECT_EQ((*a2)->generation, gen + 1);
}

TEST_F(initial_delay, NewGroupWaitsForMoreMembers) {
  auto a = join(join_req(""));
  EXPECT_FALSE(a->has_value());
  advance(1000);
  auto b = join(join_req(""));  // extends the delay to 1000 + 3000
  advance(2500);
  EXPECT_FALSE(a->has_value()) << "3.5 s: still inside the extended delay";
  EXPECT_EQ(state(), group_state::preparing_rebalance);
  advance(600);
  ASSERT_TRUE(a->has_value() && b->has_value());
  EXPECT_EQ((*a)->generation, 1);
  EXPECT_EQ((*a)->leader, (*b)->leader);
  EXPECT_EQ(((*a)->leader == (*a)->member_id ? *a : *b)->members.size(), 2u);
}

TEST_F(initial_delay, DelayNeverExceedsTheRebalanceTimeout) {
  auto a = join(join_req("", {"range"}, 10000, 5000));
  for (int i = 0; i < 4; ++i) {
    advance(1500);
    (void)join(join_req("", {"range"}, 10000, 5000));
  }
  EXPECT_TRUE(a->has_value()) << "6 s of joins: capped at the 5 s rebalance timeout";
}

}  // namespace
}  // namespace sd::group::testing
