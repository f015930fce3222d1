// Consumer groups over hand-made frames (built with src/protocol's codec, sent over a raw socket): the error
// codes for bad input (session timeout, unknown member, stale generation, wrong protocol type, commit during a
// rebalance, unknown topic, non-empty or unknown group) and that the group stays usable after each.
#include <gtest/gtest.h>

#include <thread>

#include "protocol/generated/all_messages.h"
#include "protocol/header.h"
#include "support/broker_process.h"
#include "support/kafka_client.h"
#include "support/raw_client.h"
#include "groups/group_support.h"

namespace sd::itest::groups {
namespace {

using namespace std::chrono_literals;
namespace p = sd::protocol;

class conn {
 public:
  explicit conn(std::uint16_t port) : _c(port) {}

  template <class Req>
  void send(std::int16_t version, const Req& req) {
    p::request_header h;
    h.correlation_id = ++_corr;
    h.client_id = "raw-groups";
    auto buf = p::encode_request(h, version, req);
    auto bytes = buf.flatten();
    ASSERT_TRUE(bytes);
    ASSERT_TRUE(_c.send_all(byte_span(bytes->data(), bytes->size())));
  }
  template <class Resp>
  Resp receive(std::int16_t version) {
    auto f = _c.receive_frame(30s);
    Resp out;
    EXPECT_EQ(f.st, raw_client::status::frame) << to_string(f.st);
    if (f.st != raw_client::status::frame || f.payload.size() < 4) return out;
    EXPECT_EQ(load_be<std::int32_t>(f.payload.data()), _corr) << "correlation id";
    auto st = p::decode_body(byte_span(f.payload.data() + 4, f.payload.size() - 4), version, out);
    EXPECT_TRUE(st) << "response does not decode";
    return out;
  }
  template <class Resp, class Req>
  Resp call(std::int16_t version, const Req& req) {
    send(version, req);
    return receive<Resp>(version);
  }

 private:
  raw_client _c;
  std::int32_t _corr = 0;
};

p::join_group_request join_req(const std::string& member, const std::string& type = "consumer") {
  p::join_group_request r;
  r.group_id = "raw";
  r.session_timeout_ms = 10000;
  r.rebalance_timeout_ms = 20000;
  r.member_id = member;
  r.protocol_type = type;
  r.protocols.push_back({"range", sd::bytes{0, 1, 2}});
  return r;
}
p::heartbeat_request hb(const std::string& member, std::int32_t gen) {
  p::heartbeat_request r;
  r.group_id = "raw";
  r.member_id = member;
  r.generation_id = gen;
  return r;
}
p::sync_group_request sync_req(const std::string& member, std::int32_t gen,
                               std::vector<std::pair<std::string, std::string>> assignments = {}) {
  p::sync_group_request r;
  r.group_id = "raw";
  r.member_id = member;
  r.generation_id = gen;
  for (auto& [m, a] : assignments) r.assignments.push_back({m, sd::bytes(a.begin(), a.end())});
  return r;
}
p::offset_commit_request commit_req(const std::string& member, std::int32_t gen, std::int64_t offset,
                                    const std::string& topic = "raw-topic") {
  p::offset_commit_request r;
  r.group_id = "raw";
  r.member_id = member;
  r.generation_id_or_member_epoch = gen;
  auto& t = r.topics.emplace_back();
  t.name = topic;
  auto& pt = t.partitions.emplace_back();
  pt.partition_index = 1;
  pt.committed_offset = offset;
  pt.committed_metadata = "m";
  return r;
}
std::int16_t commit_error(const p::offset_commit_response& r) {
  if (r.topics.size() != 1 || r.topics[0].partitions.size() != 1) return -999;
  return r.topics[0].partitions[0].error_code;
}

TEST(GroupProtocol, ErrorCodesForBadInputAndTheGroupStaysUsable) {
  broker_process broker(group_broker_config());
  broker.start();
  create_topic(broker.bootstrap(), "raw-topic", 2);
  conn a(broker.kafka_port());

  // FindCoordinator: this node, for groups and transactional ids; other key types: 15.
  p::find_coordinator_request fc;
  fc.key = "raw";
  auto fr = a.call<p::find_coordinator_response>(2, fc);
  EXPECT_EQ(fr.error_code, 0);
  EXPECT_EQ(fr.port, broker.kafka_port());
  fc.key_type = 1;
  EXPECT_EQ(a.call<p::find_coordinator_response>(2, fc).error_code, 0);
  fc.key_type = 2;
  EXPECT_EQ(a.call<p::find_coordinator_response>(2, fc).error_code, 15);

  // Session timeout below group.min.session.timeout.ms (1000 here): 26.
  auto bad = join_req("");
  bad.session_timeout_ms = 10;
  EXPECT_EQ(a.call<p::join_group_response>(5, bad).error_code, 26);

  // v4+: MEMBER_ID_REQUIRED with a "clientId-uuid" id, then the join completes (initial delay 0).
  auto j1 = a.call<p::join_group_response>(5, join_req(""));
  ASSERT_EQ(j1.error_code, 79);
  const std::string ma = j1.member_id;
  EXPECT_EQ(ma.rfind("raw-groups-", 0), 0u) << ma;
  auto j2 = a.call<p::join_group_response>(5, join_req(ma));
  ASSERT_EQ(j2.error_code, 0);
  EXPECT_EQ(j2.leader, ma);
  EXPECT_EQ(j2.protocol_name, "range");
  ASSERT_EQ(j2.members.size(), 1u);
  const std::int32_t gen1 = j2.generation_id;

  EXPECT_EQ(a.call<p::sync_group_response>(3, sync_req(ma, gen1 + 1)).error_code, 22);
  auto s1 = a.call<p::sync_group_response>(3, sync_req(ma, gen1, {{ma, "A1"}}));
  EXPECT_EQ(s1.error_code, 0);
  EXPECT_EQ(std::string(s1.assignment.begin(), s1.assignment.end()), "A1");

  EXPECT_EQ(a.call<p::heartbeat_response>(3, hb("nobody", gen1)).error_code, 25);
  EXPECT_EQ(a.call<p::heartbeat_response>(3, hb(ma, gen1 + 5)).error_code, 22);
  EXPECT_EQ(a.call<p::heartbeat_response>(3, hb(ma, gen1)).error_code, 0);

  // Wrong protocol type: 23, and the group is untouched.
  EXPECT_EQ(a.call<p::join_group_response>(5, join_req("", "connect")).error_code, 23);
  EXPECT_EQ(a.call<p::heartbeat_response>(3, hb(ma, gen1)).error_code, 0);

  // Commits: stale generation 22, unknown member 25, unknown topic 3, a good one 0.
  EXPECT_EQ(commit_error(a.call<p::offset_commit_response>(7, commit_req(ma, gen1 - 1, 5))), 22);
  EXPECT_EQ(commit_error(a.call<p::offset_commit_response>(7, commit_req("stranger", gen1, 5))), 25);
  EXPECT_EQ(commit_error(a.call<p::offset_commit_response>(7, commit_req(ma, gen1, 5, "no-such-topic"))), 3);
  EXPECT_EQ(commit_error(a.call<p::offset_commit_response>(7, commit_req(ma, gen1, 5))), 0);

  // A second member joins (v3: no MEMBER_ID_REQUIRED); its answer waits for the rebalance.
  conn b(broker.kafka_port());
  b.send(3, join_req(""));
  // b's JoinGroup travels on another connection: poll until the rebalance shows (bounded).
  std::int16_t hb_err = 0;
  for (int i = 0; i < 100 && hb_err == 0; ++i) {
    hb_err = a.call<p::heartbeat_response>(3, hb(ma, gen1)).error_code;
    if (hb_err == 0) std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(hb_err, 27);
  EXPECT_EQ(commit_error(a.call<p::offset_commit_response>(7, commit_req(ma, gen1, 6))), 0)
      << "the current generation may commit while the group prepares a rebalance";
  auto j3 = a.call<p::join_group_response>(5, join_req(ma));
  auto jb = b.receive<p::join_group_response>(3);
  ASSERT_EQ(j3.error_code, 0);
  ASSERT_EQ(jb.error_code, 0);
  const std::int32_t gen2 = j3.generation_id;
  EXPECT_EQ(gen2, gen1 + 1);
  EXPECT_EQ(jb.generation_id, gen2);
  const std::string mb = jb.member_id;
  EXPECT_EQ(j3.members.size() + jb.members.size(), 2u) << "only the leader gets the member list";
  const bool a_leads = j3.leader == ma;
  // CompletingRebalance: commits get 27, the old generation 22 on heartbeat.
  EXPECT_EQ(commit_error(a.call<p::offset_commit_response>(7, commit_req(ma, gen2, 7))), 27);
  EXPECT_EQ(a.call<p::heartbeat_response>(3, hb(ma, gen1)).error_code, 22);
  // Follower syncs first (waits), then the leader.
  conn& follower = a_leads ? b : a;
  conn& leader = a_leads ? a : b;
  const std::string fid = a_leads ? mb : ma, lid = a_leads ? ma : mb;
  follower.send(3, sync_req(fid, gen2));
  auto ls = leader.call<p::sync_group_response>(3, sync_req(lid, gen2, {{lid, "L"}, {fid, "F"}}));
  auto fs = follower.receive<p::sync_group_response>(3);
  EXPECT_EQ(ls.error_code, 0);
  EXPECT_EQ(fs.error_code, 0);
  EXPECT_EQ(std::string(fs.assignment.begin(), fs.assignment.end()), "F");
  EXPECT_EQ(commit_error(a.call<p::offset_commit_response>(7, commit_req(ma, gen2, 8))), 0);

  // OffsetFetch: the commit, -1 without error for an uncommitted partition, null topics = all.
  p::offset_fetch_request of;
  of.group_id = "raw";
  of.topics.emplace();
  of.topics->push_back({"raw-topic", {0, 1}});
  auto ofr = a.call<p::offset_fetch_response>(5, of);
  ASSERT_EQ(ofr.topics.size(), 1u);
  ASSERT_EQ(ofr.topics[0].partitions.size(), 2u);
  EXPECT_EQ(ofr.topics[0].partitions[0].committed_offset, -1);
  EXPECT_EQ(ofr.topics[0].partitions[0].error_code, 0);
  EXPECT_EQ(ofr.topics[0].partitions[1].committed_offset, 8);
  EXPECT_EQ(ofr.topics[0].partitions[1].metadata, "m");
  of.topics.reset();
  auto all = a.call<p::offset_fetch_response>(5, of);
  ASSERT_EQ(all.topics.size(), 1u);
  EXPECT_EQ(all.topics[0].partitions.size(), 1u);

  // DescribeGroups and ListGroups.
  p::describe_groups_request dg;
  dg.groups = {"raw", "unknown-group"};
  auto dr = a.call<p::describe_groups_response>(4, dg);
  ASSERT_EQ(dr.groups.size(), 2u);
  EXPECT_EQ(dr.groups[0].group_state, "Stable");
  EXPECT_EQ(dr.groups[0].protocol_data, "range");
  EXPECT_EQ(dr.groups[0].members.size(), 2u);
  EXPECT_EQ(dr.groups[1].group_state, "Dead");
  auto lg = a.call<p::list_groups_response>(2, p::list_groups_request{});
  ASSERT_EQ(lg.groups.size(), 1u);
  EXPECT_EQ(lg.groups[0].group_id, "raw");

  // OffsetDelete on an unknown group: 69. DeleteGroups: 68 with members, 69 unknown.
  p::offset_delete_request od;
  od.group_id = "unknown-group";
  EXPECT_EQ(a.call<p::offset_delete_response>(0, od).error_code, 69);
  p::delete_groups_request del;
  del.groups_names = {"raw", "unknown-group"};
  auto delr = a.call<p::delete_groups_response>(1, del);
  ASSERT_EQ(delr.results.size(), 2u);
  EXPECT_EQ(delr.results[0].error_code, 68);
  EXPECT_EQ(delr.results[1].error_code, 69);

  // LeaveGroup v3, both members in one batch plus an unknown one.
  p::leave_group_request lv;
  lv.group_id = "raw";
  lv.members.push_back({ma, std::nullopt, std::nullopt});
  lv.members.push_back({mb, std::nullopt, std::nullopt});
  lv.members.push_back({"ghost", std::nullopt, std::nullopt});
  auto lr = a.call<p::leave_group_response>(3, lv);
  EXPECT_EQ(lr.error_code, 0);
  ASSERT_EQ(lr.members.size(), 3u);
  EXPECT_EQ(lr.members[0].error_code, 0);
  EXPECT_EQ(lr.members[1].error_code, 0);
  EXPECT_EQ(lr.members[2].error_code, 25);
  EXPECT_EQ(a.call<p::heartbeat_response>(3, hb(ma, gen2)).error_code, 25) << "Empty group";
  // Empty now: a simple commit (generation -1, no member) is allowed, then the group can be deleted.
  EXPECT_EQ(commit_error(a.call<p::offset_commit_response>(7, commit_req("", -1, 9))), 0);
  auto del2 = a.call<p::delete_groups_response>(1, del);
  ASSERT_EQ(del2.results.size(), 2u);
  EXPECT_EQ(del2.results[0].error_code, 0);
  auto gone = a.call<p::offset_fetch_response>(5, of);
  EXPECT_TRUE(gone.topics.empty()) << "deleted group has no offsets";
  // And the same group id works again from scratch.
  auto j4 = a.call<p::join_group_response>(3, join_req(""));
  EXPECT_EQ(j4.error_code, 0);
  EXPECT_EQ(j4.leader, j4.member_id);
  EXPECT_TRUE(broker.running());
  broker.stop();
}

TEST(GroupProtocol, OldVersionsDecodeAndAnswer) {
  broker_process broker(group_broker_config());
  broker.start();
  create_topic(broker.bootstrap(), "raw-topic", 2);
  conn a(broker.kafka_port());
  auto j = a.call<p::join_group_response>(0, join_req(""));  // v0: no rebalance timeout field
  ASSERT_EQ(j.error_code, 0);
  auto s = a.call<p::sync_group_response>(0, sync_req(j.member_id, j.generation_id, {{j.member_id, "x"}}));
  EXPECT_EQ(s.error_code, 0);
  EXPECT_EQ(a.call<p::heartbeat_response>(0, hb(j.member_id, j.generation_id)).error_code, 0);
  for (std::int16_t v = 0; v <= 7; ++v) {
    auto r = a.call<p::offset_commit_response>(v, commit_req(v == 0 ? "" : j.member_id, v == 0 ? -1 : j.generation_id, 100 + v));
    EXPECT_EQ(commit_error(r), v == 0 ? 25 : 0) << "OffsetCommit v" << v << " (v0 has no membership: unknown member on a Stable group)";
  }
  for (std::int16_t v = 1; v <= 5; ++v) {
    p::offset_fetch_request of;
    of.group_id = "raw";
    of.topics.emplace();
    of.topics->push_back({"raw-topic", {1}});
    auto r = a.call<p::offset_fetch_response>(v, of);
    ASSERT_EQ(r.topics.size(), 1u) << v;
    EXPECT_EQ(r.topics[0].partitions.at(0).committed_offset, 107) << "OffsetFetch v" << v;
  }
  for (std::int16_t v = 0; v <= 4; ++v) {
    p::describe_groups_request dg;
    dg.groups = {"raw"};
    EXPECT_EQ(a.call<p::describe_groups_response>(v, dg).groups.at(0).group_state, "Stable") << v;
  }
  for (std::int16_t v = 0; v <= 2; ++v) EXPECT_EQ(a.call<p::list_groups_response>(v, p::list_groups_request{}).groups.size(), 1u);
  for (std::int16_t v = 0; v <= 2; ++v) {
    p::leave_group_request lv;
    lv.group_id = "raw";
    lv.member_id = "ghost";
    EXPECT_EQ(a.call<p::leave_group_response>(v, lv).error_code, 25) << "LeaveGroup v" << v;
  }
  p::leave_group_request lv;
  lv.group_id = "raw";
  lv.member_id = j.member_id;
  EXPECT_EQ(a.call<p::leave_group_response>(1, lv).error_code, 0);
  p::delete_groups_request del;
  del.groups_names = {"raw"};
  EXPECT_EQ(a.call<p::delete_groups_response>(0, del).results.at(0).error_code, 0);
  broker.stop();
}

}  // namespace
}  // namespace sd::itest::groups

namespace sd::itest::groups {
namespace {

TEST(GroupProtocol, DeletingATopicRemovesItsCommittedOffsets) {
  broker_process broker(group_broker_config());
  broker.start();
  create_topic(broker.bootstrap(), "raw-topic", 2);
  create_topic(broker.bootstrap(), "doomed", 2);
  conn a(broker.kafka_port());
  // Simple commits (no membership) to both topics.
  EXPECT_EQ(commit_error(a.call<p::offset_commit_response>(7, commit_req("", -1, 3))), 0);
  EXPECT_EQ(commit_error(a.call<p::offset_commit_response>(7, commit_req("", -1, 4, "doomed"))), 0);
  p::offset_fetch_request all;
  all.group_id = "raw";  // null topics: every committed partition
  ASSERT_EQ(a.call<p::offset_fetch_response>(5, all).topics.size(), 2u);

  p::delete_topics_request dt;
  dt.topic_names = {"doomed"};
  dt.timeout_ms = 5000;
  auto dr = a.call<p::delete_topics_response>(3, dt);
  ASSERT_EQ(dr.responses.size(), 1u);
  ASSERT_EQ(dr.responses[0].error_code, 0);

  auto after = a.call<p::offset_fetch_response>(5, all);
  ASSERT_EQ(after.topics.size(), 1u) << "the deleted topic's offsets are gone";
  EXPECT_EQ(after.topics[0].name, "raw-topic");
  EXPECT_EQ(after.topics[0].partitions.at(0).committed_offset, 3);
  broker.restart();  // and stay gone: the removal was written to the offsets log
  conn b(broker.kafka_port());
  auto reopened = b.call<p::offset_fetch_response>(5, all);
  ASSERT_EQ(reopened.topics.size(), 1u);
  EXPECT_EQ(reopened.topics[0].name, "raw-topic");
  broker.stop();
}

}  // namespace
}  // namespace sd::itest::groups
