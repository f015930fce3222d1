// group_manager: JoinGroup/SyncGroup/Heartbeat/LeaveGroup basics, error codes, static membership, offsets.
#include "unit/group/group_fixture.h"

namespace sd::group::testing {
namespace {

using G = group_fixture;

TEST_F(G, MemberIdRequiredThenJoinAloneBecomesLeader) {
  auto r = join_req("");
  r.require_known_member_id = true;
  auto first = join(r);
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ(code_of((*first)->error), errc::member_id_required);
  const auto id = (*first)->member_id;
  EXPECT_EQ(id.rfind("client-", 0), 0u) << id;
  EXPECT_EQ(state(), group_state::empty) << "a pending member does not start a rebalance";

  r.member_id = id;
  auto second = join(r);
  ASSERT_TRUE(second->has_value()) << "initial delay 0: the join completes at once";
  EXPECT_FALSE((*second)->error);
  EXPECT_EQ((*second)->generation, 1);
  EXPECT_EQ((*second)->leader, id);
  EXPECT_EQ((*second)->protocol_name, "range");
  ASSERT_EQ((*second)->members.size(), 1u);
  EXPECT_EQ(state(), group_state::completing_rebalance);

  auto s = sync(id, 1, {{id, sd::bytes{1, 2, 3}}});
  ASSERT_TRUE(s->has_value());
  EXPECT_FALSE((*s)->error);
  EXPECT_EQ((*s)->assignment, (sd::bytes{1, 2, 3}));
  EXPECT_EQ(state(), group_state::stable);
  EXPECT_FALSE(heartbeat(id, 1));
}

TEST_F(G, SessionTimeoutOutsideBoundsIsRefused) {
  auto low = join(join_req("", {"range"}, 999));
  EXPECT_EQ(code_of((*low)->error), errc::invalid_session_timeout);
  auto high = join(join_req("", {"range"}, 60001));
  EXPECT_EQ(code_of((*high)->error), errc::invalid_session_timeout);
  EXPECT_EQ(mgr->group_count(), 0u);
}

TEST_F(G, WrongProtocolTypeOrNoCommonProtocolIsInconsistent) {
  std::int32_t gen = 0;
  auto a = stable_single(&gen);
  auto other_type = join_req("");
  other_type.protocol_type = "connect";
  EXPECT_EQ(code_of((*join(other_type))->error), errc::inconsistent_group_protocol);
  EXPECT_EQ(code_of((*join(join_req("", {"roundrobin"})))->error), errc::inconsistent_group_protocol);
  auto empty = join_req("");
  empty.protocols.clear();
  EXPECT_EQ(code_of((*join(empty))->error), errc::inconsistent_group_protocol);
  EXPECT_EQ(state(), group_state::stable) << "refused joins leave the group alone";
  EXPECT_FALSE(heartbeat(a, gen));
}

TEST_F(G, ProtocolChosenByVotesAmongCommonOnes) {
  auto a = join(join_req("", {"range", "roundrobin"}));
  auto ida = (*a)->member_id;
  // b and c prefer roundrobin; "sticky" is not supported by a, so it cannot win.
  auto b = join(join_req("", {"sticky", "roundrobin", "range"}));
  auto c = join(join_req("", {"roundrobin"}));
  ASSERT_FALSE(b->has_value());
  auto a2 = join(join_req(ida, {"range", "roundrobin"}));
  ASSERT_TRUE(a2->has_value());
  ASSERT_TRUE(b->has_value());
  ASSERT_TRUE(c->has_value());
  EXPECT_EQ((*a2)->protocol_name, "roundrobin");
  EXPECT_EQ((*b)->protocol_name, "roundrobin");
  EXPECT_EQ((*a2)->generation, 2);
}

TEST_F(G, OnlyTheLeaderGetsTheMemberList) {
  std::int32_t gen = 0;
  auto a = stable_single(&gen);
  auto b = join(join_req(""));
  EXPECT_FALSE(b->has_value()) << "b waits until a rejoins";
  EXPECT_EQ(code_of(heartbeat(a, gen)), errc::rebalance_in_progress);
  auto a2 = join(join_req(a));
  ASSERT_TRUE(a2->has_value() && b->has_value());
  EXPECT_EQ((*a2)->leader, a);
  EXPECT_EQ((*a2)->members.size(), 2u);
  EXPECT_TRUE((*b)->members.empty());
  EXPECT_EQ((*b)->generation, gen + 1);
  auto bid = (*b)->member_id;

  auto follower = sync(bid, gen + 1);
  EXPECT_FALSE(follower->has_value()) << "followers wait for the leader's assignment";
  EXPECT_FALSE(heartbeat(bid, gen + 1)) << "heartbeats are fine while completing";
  auto leader = sync(a, gen + 1, {{a, sd::bytes{'a'}}, {bid, sd::bytes{'b'}}});
  ASSERT_TRUE(follower->has_value() && leader->has_value());
  EXPECT_EQ((*follower)->assignment, sd::bytes{'b'});
  EXPECT_EQ((*leader)->assignment, sd::bytes{'a'});
  EXPECT_EQ(state(), group_state::stable);
}

TEST_F(G, HeartbeatErrors) {
  EXPECT_EQ(code_of(heartbeat("nobody", 1)), errc::unknown_member_id) << "unknown group";
  std::int32_t gen = 0;
  auto a = stable_single(&gen);
  EXPECT_EQ(code_of(heartbeat("nobody", gen)), errc::unknown_member_id);
  EXPECT_EQ(code_of(heartbeat(a, gen + 7)), errc::illegal_generation);
  EXPECT_EQ(code_of(heartbeat(a, gen - 1)), errc::illegal_generation);
  EXPECT_FALSE(heartbeat(a, gen));
  // Empty group (after the member left): 25.
  auto left = mgr->leave("g", {{a, std::nullopt}});
  ASSERT_EQ(left.members.size(), 1u);
  EXPECT_FALSE(left.members[0].second);
  EXPECT_EQ(state(), group_state::empty);
  EXPECT_EQ(code_of(heartbeat(a, gen + 1)), errc::unknown_member_id);
}

TEST_F(G, SyncErrors) {
  std::int32_t gen = 0;
  auto a = stable_single(&gen);
  EXPECT_EQ(code_of((*sync("nobody", gen))->error), errc::unknown_member_id);
  EXPECT_EQ(code_of((*sync(a, gen + 1))->error), errc::illegal_generation);
  auto b = join(join_req(""));  // a rebalance starts
  EXPECT_EQ(code_of((*sync(a, gen))->error), errc::rebalance_in_progress);
  auto r = join_req("");
  r.group_id = "other";
  auto none = sync("x", 1);
  EXPECT_EQ(code_of((*none)->error), errc::unknown_member_id);
}

TEST_F(G, LeaveBatchWithStaticAndDynamicMembers) {
  auto sa = join_req("");
  sa.instance_id = "inst-a";
  auto a = join(sa);
  ASSERT_TRUE(a->has_value());
  auto ida = (*a)->member_id;
  (void)sync(ida, 1, {{ida, {}}});
  auto res = mgr->leave("g", {{"", std::string("inst-unknown")}, {"wrong-id", std::string("inst-a")},
                              {"not-a-member", std::nullopt}});
  ASSERT_EQ(res.members.size(), 3u);
  EXPECT_EQ(code_of(res.members[0].second), errc::unknown_member_id);
  EXPECT_EQ(code_of(res.members[1].second), errc::fenced_instance_id);
  EXPECT_EQ(code_of(res.members[2].second), errc::unknown_member_id);
  EXPECT_EQ(state(), group_state::stable) << "nobody left";
  auto ok = mgr->leave("g", {{"", std::string("inst-a")}});
  EXPECT_FALSE(ok.members.at(0).second);
  EXPECT_EQ(state(), group_state::empty);
  EXPECT_EQ(code_of(mgr->leave("unknown-group", {{"x", std::nullopt}}).error), errc::unknown_member_id);
}

TEST_F(G, StaticMemberRestartKeepsAssignmentWithoutRebalance) {
  auto r = join_req("");
  r.instance_id = "worker-1";
  r.require_known_member_id = true;  // static members skip MEMBER_ID_REQUIRED
  auto a = join(r);
  ASSERT_TRUE(a->has_value());
  ASSERT_FALSE((*a)->error);
  auto old_id = (*a)->member_id;
  auto other = join_req("");
  auto b = join(other);  // a dynamic member joins too; a rejoins; both sync
  auto a2 = join([&] { auto x = r; x.member_id = old_id; return x; }());
  ASSERT_TRUE(a2->has_value() && b->has_value());
  const auto gen = (*a2)->generation;
  auto bid = (*b)->member_id;
  auto leader = (*a2)->leader;
  std::vector<std::pair<std::string, sd::bytes>> asg{{old_id, sd::bytes{'x'}}, {bid, sd::bytes{'y'}}};
  auto sa = sync(old_id, gen, leader == old_id ? asg : decltype(asg){});
  auto sb = sync(bid, gen, leader == bid ? asg : decltype(asg){});
  ASSERT_TRUE(sa->has_value() && sb->has_value());
  ASSERT_EQ(state(), group_state::stable);

  // The process restarts: same instance id, empty member id.
  auto again = join(r);
  ASSERT_TRUE(again->has_value());
  EXPECT_FALSE((*again)->error);
  EXPECT_EQ((*again)->generation, gen) << "no rebalance";
  auto new_id = (*again)->member_id;
  EXPECT_NE(new_id, old_id);
  EXPECT_EQ(state(), group_state::stable);
  auto s = sync(new_id, gen, {}, std::string("worker-1"));
  ASSERT_TRUE(s->has_value());
  EXPECT_FALSE((*s)->error);
  EXPECT_EQ((*s)->assignment, sd::bytes{'x'}) << "the assignment is kept";
  EXPECT_FALSE(heartbeat(bid, gen)) << "the other member is not disturbed";
  // The old incarnation is fenced.
  EXPECT_EQ(code_of(heartbeat(old_id, gen, std::string("worker-1"))), errc::fenced_instance_id);
  EXPECT_EQ(code_of((*sync(old_id, gen, {}, std::string("worker-1")))->error), errc::fenced_instance_id);
  auto stale = r;
  stale.member_id = old_id;
  EXPECT_EQ(code_of((*join(stale))->error), errc::fenced_instance_id);
}

TEST_F(G, CommitRules) {
  // No group yet: generation -1 and no member is a simple commit.
  EXPECT_FALSE(commit("", -1, 5));
  EXPECT_EQ(fetched(), 5);
  EXPECT_EQ(state(), group_state::empty);
  std::int32_t gen = 0;
  auto a = stable_single(&gen);
  EXPECT_FALSE(commit(a, gen, 10));
  EXPECT_EQ(fetched(), 10);
  EXPECT_EQ(code_of(commit(a, gen - 1, 11)), errc::illegal_generation);
  EXPECT_EQ(code_of(commit("stranger", gen, 11)), errc::unknown_member_id);
  EXPECT_EQ(code_of(commit("", -1, 11)), errc::unknown_member_id) << "simple commits only on Empty groups";
  // A second member joins: during PreparingRebalance the current generation may still commit.
  auto b = join(join_req(""));
  EXPECT_FALSE(commit(a, gen, 12));
  auto a2 = join(join_req(a));
  ASSERT_EQ(state(), group_state::completing_rebalance);
  EXPECT_EQ(code_of(commit(a, gen + 1, 13)), errc::rebalance_in_progress);
  EXPECT_EQ(fetched(), 12) << "refused commits change nothing";
  EXPECT_EQ(fetched("t", 9), -1) << "never committed";
  EXPECT_EQ(fetched("other", 0), -1);
}

TEST_F(G, CommitFailsWhenTheStoreFails) {
  store.fail = true;
  EXPECT_EQ(code_of(commit("", -1, 5)), errc::storage_error);
}

TEST_F(G, FetchAllReturnsOnlyCommittedPartitionsAndUnknownGroupIsEmpty) {
  EXPECT_FALSE(commit("", -1, 1, "a", 0));
  EXPECT_FALSE(commit("", -1, 2, "a", 3));
  EXPECT_FALSE(commit("", -1, 3, "b", 1));
  auto all = mgr->fetch("g", std::nullopt);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[1].tp.partition, 3);
  EXPECT_EQ(all[1].offset, 2);
  EXPECT_TRUE(mgr->fetch("unknown", std::nullopt).empty());
  std::vector<topic_partition> which{{"a", 0}, {"zzz", 1}};
  auto some = mgr->fetch("unknown", which);
  ASSERT_EQ(some.size(), 2u);
  EXPECT_EQ(some[0].offset, -1);
  EXPECT_EQ(some[1].offset, -1);
}

TEST_F(G, DeleteGroupsAndOffsets) {
  EXPECT_EQ(code_of(mgr->delete_group("g")), errc::group_id_not_found);
  std::int32_t gen = 0;
  auto a = stable_single(&gen);
  EXPECT_FALSE(commit(a, gen, 4, "t", 0));
  EXPECT_FALSE(commit(a, gen, 4, "u", 0));
  EXPECT_EQ(code_of(mgr->delete_group("g")), errc::non_empty_group);
  // The member subscribes to "t" (the check function decides from the opaque metadata).
  auto subscribed = [](const sd::bytes&, const std::string& topic) { return topic == "t"; };
  std::error_code top;
  auto per = mgr->delete_offsets("g", {{"t", 0}, {"u", 0}}, subscribed, top);
  EXPECT_FALSE(top);
  ASSERT_EQ(per.size(), 2u);
  EXPECT_EQ(code_of(per[0]), errc::group_subscribed_to_topic);
  EXPECT_FALSE(per[1]);
  EXPECT_EQ(fetched("t", 0), 4);
  EXPECT_EQ(fetched("u", 0), -1);
  (void)mgr->delete_offsets("nope", {{"t", 0}}, subscribed, top);
  EXPECT_EQ(code_of(top), errc::group_id_not_found);

  (void)mgr->leave("g", {{a, std::nullopt}});
  EXPECT_FALSE(mgr->delete_group("g"));
  EXPECT_EQ(fetched("t", 0), -1);
  EXPECT_EQ(mgr->describe("g").state, group_state::dead);
  EXPECT_TRUE(mgr->list().empty());
}

TEST_F(G, OffsetsOfEmptyGroupsExpireAfterRetention) {
  EXPECT_FALSE(commit("", -1, 7));
  advance(cfg.offsets_retention_ms - 1000);
  mgr->expire_offsets();
  EXPECT_EQ(fetched(), 7);
  advance(2000);
  mgr->expire_offsets();
  EXPECT_EQ(fetched(), -1);
  advance(100);  // the next tick drops the group that has nothing left
  EXPECT_EQ(mgr->group_count(), 0u);
  // Offsets of groups with members never expire.
  std::int32_t gen = 0;
  auto a = stable_single(&gen);
  EXPECT_FALSE(commit(a, gen, 9));
  for (int i = 0; i < 5; ++i) {
    steady_now += std::chrono::milliseconds(5000);
    wall_now += cfg.offsets_retention_ms;
    ASSERT_FALSE(heartbeat(a, gen));
    mgr->tick();
    mgr->expire_offsets();
  }
  EXPECT_EQ(fetched(), 9);
}

TEST_F(G, SessionsEndOnTimeWithoutATick) {
  // No tick() here: the deadline fires when a call touches the group, so a client that acts right at the
  // session timeout sees the member gone (the coordinator's tick is only for groups nobody touches).
  std::int32_t gen = 0;
  auto a = stable_single(&gen);  // session 10 s
  steady_now += std::chrono::milliseconds(9999);
  EXPECT_FALSE(heartbeat(a, gen)) << "alive one millisecond before its deadline";
  steady_now += std::chrono::milliseconds(10000);  // the heartbeat moved the deadline to 10 s from then
  EXPECT_EQ(code_of(heartbeat(a, gen)), errc::unknown_member_id) << "a late heartbeat revived the member";

  auto b = stable_single(&gen);
  EXPECT_FALSE(commit(b, gen, 7));
  steady_now += std::chrono::milliseconds(10000);
  EXPECT_FALSE(mgr->delete_group("g")) << "DeleteGroups at the session timeout found the group not empty";
  EXPECT_EQ(fetched(), -1);

  auto c = stable_single(&gen);
  steady_now += std::chrono::milliseconds(10000);
  mgr->fire_due("g");
  EXPECT_EQ(mgr->describe("g").state, group_state::empty) << c;
}

TEST_F(G, TickReturnsTheNextDeadlineSoTheCoordinatorWakesThen) {
  std::int32_t gen = 0;
  auto a = stable_single(&gen);  // session 10 s from now
  const auto joined_at = steady_now;
  EXPECT_EQ(mgr->tick(), joined_at + std::chrono::milliseconds(10000)) << "the member's session deadline";
  steady_now += std::chrono::milliseconds(4000);
  EXPECT_FALSE(heartbeat(a, gen));
  EXPECT_EQ(mgr->tick(), steady_now + std::chrono::milliseconds(10000)) << "the heartbeat moved it";
  steady_now += std::chrono::milliseconds(10000);
  EXPECT_EQ(mgr->tick(), time_point::max()) << "fired at its time: nothing left to wait for";
  EXPECT_EQ(mgr->describe("g").state, group_state::dead) << "expired, then dropped: no member, no offsets";
}

TEST_F(G, DescribeAndList) {
  std::int32_t gen = 0;
  auto a = stable_single(&gen, "asg");
  auto d = mgr->describe("g");
  EXPECT_EQ(d.state, group_state::stable);
  EXPECT_STREQ(state_name(d.state), "Stable");
  EXPECT_EQ(d.protocol_type, "consumer");
  EXPECT_EQ(d.protocol_name, "range");
  ASSERT_EQ(d.members.size(), 1u);
  EXPECT_EQ(d.members[0].member_id, a);
  EXPECT_EQ(d.members[0].client_host, "/127.0.0.1");
  EXPECT_EQ(d.members[0].assignment, (sd::bytes{'a', 's', 'g'}));
  auto l = mgr->list();
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l[0].group_id, "g");
  EXPECT_EQ(mgr->describe("nope").state, group_state::dead);
  EXPECT_EQ(code_of(mgr->describe("").error), errc::invalid_group_id);
}

}  // namespace
}  // namespace sd::group::testing
