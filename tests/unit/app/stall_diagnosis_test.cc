// stall_diagnosis: each reason in its order of precedence, the grace periods after a rebalance, and the cases
// that must not be called a stall (no lag; one rebalance in progress; a healthy member).
#include "app/stall_diagnosis.h"

#include <gtest/gtest.h>

namespace sd::app {
namespace {

constexpr std::int64_t now = 10'000'000;
const group::topic_partition tp{"orders", 0};

member_view member(std::vector<group::topic_partition> assigned = {tp}) {
  return {"m-1", "app", "/10.0.0.5", std::move(assigned)};
}

group_view stable(std::vector<member_view> members, std::vector<std::int64_t> rebalances = {now - 600'000 + 1}) {
  return {group::group_state::stable, std::move(members), std::move(rebalances)};
}

partition_view lagging(std::int64_t lag, std::int64_t commit_age_ms = 1000) {
  partition_view p;
  p.tp = tp;
  p.committed = 100;
  p.commit_ms = now - commit_age_ms;
  p.lag = lag;
  return p;
}

std::vector<broker::fetch_report> fetched(std::int64_t age_ms, std::string client = "app",
                                          std::string host = "/10.0.0.5") {
  return {{std::move(client), std::move(host), now - age_ms, {{"orders", 0, 150}, {"orders", 1, 7}}}};
}

TEST(StallDiagnosis, NoLagIsNeverAStall) {
  EXPECT_FALSE(diagnose(group_view{}, lagging(0), {}, now));
  EXPECT_FALSE(diagnose(group_view{}, lagging(-1), {}, now)) << "unknown lag";
}

TEST(StallDiagnosis, NoMembers) {
  group_view empty{group::group_state::empty, {}, {now - 5000, now - 4000, now - 3000, now - 2000}};
  auto s = diagnose(empty, lagging(42), {}, now);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->reason, "no_member") << "before rebalancing: an empty group's churn is not the story";
  EXPECT_NE(s->detail.find("42"), std::string::npos) << s->detail;
}

TEST(StallDiagnosis, MembersButNoneAssignedThePartition) {
  auto s = diagnose(stable({member({{"payments", 0}})}), lagging(5), fetched(100), now);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->reason, "no_member");
  EXPECT_NE(s->detail.find("no member is assigned"), std::string::npos) << s->detail;
}

TEST(StallDiagnosis, RepeatedRebalancesWithinTheWindow) {
  auto g = stable({member()}, {now - 700'000, now - 300'000, now - 200'000, now - 100'000});
  auto s = diagnose(g, lagging(5), fetched(100), now);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->reason, "rebalancing");
  EXPECT_NE(s->detail.find("3 times"), std::string::npos) << "the one outside 10 minutes is not counted: " << s->detail;
  g.recent_rebalances_ms = {now - 700'000, now - 300'000, now - 200'000};
  EXPECT_FALSE(diagnose(g, lagging(5), fetched(100), now)) << "two in the window: healthy";
}

TEST(StallDiagnosis, ARebalanceInProgressIsNotAStall) {
  auto g = stable({member()});
  g.state = group::group_state::preparing_rebalance;
  EXPECT_FALSE(diagnose(g, lagging(5), {}, now));
}

TEST(StallDiagnosis, AssignedButNotFetching) {
  auto s = diagnose(stable({member()}), lagging(5), fetched(45'000), now);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->reason, "not_fetching");
  EXPECT_NE(s->detail.find("45 s"), std::string::npos) << s->detail;
  s = diagnose(stable({member()}), lagging(5), {}, now);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->reason, "not_fetching");
  EXPECT_NE(s->detail.find("since it was assigned"), std::string::npos) << s->detail;
  // Fetches by another client (or the same client id on another host) do not count for this member.
  s = diagnose(stable({member()}), lagging(5), fetched(100, "other"), now);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->reason, "not_fetching");
  s = diagnose(stable({member()}), lagging(5), fetched(100, "app", "/10.0.0.6"), now);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->reason, "not_fetching");
}

TEST(StallDiagnosis, JustAssignedMembersGetAGracePeriod) {
  EXPECT_FALSE(diagnose(stable({member()}, {now - 10'000}), lagging(5), {}, now));
  EXPECT_FALSE(diagnose(stable({member()}, {now - 10'000}), lagging(5, 600'000), fetched(100), now))
      << "no commit yet shortly after the rebalance is normal";
}

TEST(StallDiagnosis, FetchingButNotCommitting) {
  auto s = diagnose(stable({member()}), lagging(5, 90'000), fetched(500), now);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->reason, "not_committing");
  EXPECT_NE(s->detail.find("position 150"), std::string::npos) << s->detail;
  EXPECT_NE(s->detail.find("90 s"), std::string::npos) << s->detail;
  auto never = lagging(5);
  never.committed = -1;
  never.commit_ms = 0;
  s = diagnose(stable({member()}), never, fetched(500), now);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->reason, "not_committing");
  EXPECT_NE(s->detail.find("never committed"), std::string::npos) << s->detail;
}

TEST(StallDiagnosis, LagGrowingFasterThanConsumption) {
  auto p = lagging(500);
  p.lag_before = 100;
  p.lag_before_age_ms = 60'000;
  auto s = diagnose(stable({member()}), p, fetched(500), now);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->reason, "falling_behind");
  EXPECT_NE(s->detail.find("from 100 to 500"), std::string::npos) << s->detail;
  p.lag_before = 498;  // within noise
  EXPECT_FALSE(diagnose(stable({member()}), p, fetched(500), now));
  p.lag_before = 900;  // shrinking: catching up
  EXPECT_FALSE(diagnose(stable({member()}), p, fetched(500), now));
}

TEST(StallDiagnosis, HelpersFindTheAssigneeAndItsLatestFetch) {
  auto g = stable({member({{"orders", 1}}), {"m-2", "app", "/10.0.0.5", {tp}}});
  ASSERT_NE(assignee_of(g, tp), nullptr);
  EXPECT_EQ(assignee_of(g, tp)->member_id, "m-2");
  EXPECT_EQ(assignee_of(g, {"orders", 9}), nullptr);
  std::vector<broker::fetch_report> reports = fetched(5000);
  reports.push_back({"app", "/10.0.0.5", now - 1000, {{"orders", 1, 3}}});
  std::int64_t at = 0;
  auto f = last_fetch_of(g.members[1], tp, reports, &at);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->offset, 150);
  EXPECT_EQ(at, now - 5000) << "the newer report does not name partition 0";
  EXPECT_EQ(last_fetch_ms(g.members[1], reports), now - 1000);
  EXPECT_FALSE(last_fetch_ms(member_view{"x", "nobody", "/1.1.1.1", {}}, reports));
}

}  // namespace
}  // namespace sd::app
