// The API versions the broker advertises (issue 21's list), each exercised at its highest version over the
// project's codec (support/codec_conn.h) with the semantics that version adds, and the oldest versions still
// answered: topic ids in Metadata/Fetch/CreateTopics/DeleteTopics (UNKNOWN_TOPIC_ID for an id no topic has,
// a new id for a re-created topic, the same id after a restart), ListOffsets MAX_TIMESTAMP and the leader
// epoch check, Produce's error message, the group APIs at their newest versions (batched FindCoordinator,
// SyncGroup's protocol check, several groups in one OffsetFetch, ListGroups' state and type filters),
// InitProducerId's epoch-bump form, DescribeCluster and DescribeLogDirs.
#include <gtest/gtest.h>

#include <map>
#include <type_traits>

#include "protocol/generated/all_messages.h"
#include "protocol/record_batch.h"
#include "support/broker_process.h"
#include "support/codec_conn.h"

namespace sd::itest {
namespace {

namespace p = sd::protocol;
using uuid = p::uuid;

constexpr std::int16_t unknown_topic_or_partition = 3, invalid_timestamp = 32, invalid_request = 42,
                       unknown_leader_epoch = 75, inconsistent_group_protocol = 23, member_id_required = 79,
                       unknown_topic_id = 100;

class CurrentVersions : public ::testing::Test {
 protected:
  void SetUp() override {
    broker_config cfg;
    cfg.sets = {{"group.initial.rebalance.delay.ms", "0"}, {"group.min.session.timeout.ms", "1000"}};
    broker = std::make_unique<broker_process>(cfg);
    broker->start();
    conn = std::make_unique<codec_conn>(broker->kafka_port());
  }
  void TearDown() override {
    conn.reset();
    if (broker && broker->running()) {
      EXPECT_NO_THROW(broker->stop());
    }
  }

  /// CreateTopics v7; returns the topic's id (asserting success).
  uuid create(const std::string& name, int partitions, std::map<std::string, std::string> configs = {}) {
    auto r = create_topic_v7(*conn, name, partitions, configs);
    EXPECT_EQ(r.error_code, 0) << r.error_message.value_or("");
    return r.topic_id;
  }

  /// Produce v11 of records with these timestamps to partition 0; the partition's answer.
  p::produce_response::topic_produce_response::partition_produce_response produce(
      const std::string& topic, const std::vector<std::int64_t>& timestamps) {
    std::vector<p::record> recs;
    for (std::size_t i = 0; i < timestamps.size(); ++i) {
      p::record r;
      std::string v = "v" + std::to_string(i);
      r.value = sd::bytes(v.begin(), v.end());
      r.timestamp = timestamps[i];
      recs.push_back(std::move(r));
    }
    auto batch = p::build_batch(recs);
    EXPECT_TRUE(batch);
    return produce_batch(*conn, topic, 0, *batch, -1, 11);
  }

  /// Fetch v16 of partition 0 by topic id from `offset` (no wait).
  p::fetch_response fetch_by_id(const uuid& id, std::int64_t offset) {
    return fetch_partition(*conn, "", id, 0, offset, 1 << 20, 16);
  }

  /// Metadata v12 for one topic named by id.
  p::metadata_response::metadata_response_topic metadata_by_id(const uuid& id) {
    p::metadata_request req;
    req.topics.emplace().emplace_back().topic_id = id;
    req.topics->back().name = std::nullopt;
    auto r = conn->call<p::metadata_response>(req, 12);
    EXPECT_EQ(r.topics.size(), 1u);
    return r.topics.at(0);
  }

  std::unique_ptr<broker_process> broker;
  std::unique_ptr<codec_conn> conn;
};

bool is_zero(const uuid& u) { return u == uuid{}; }

/// A request with every field at its default, sent on a fresh connection at `version`; throws harness_error
/// when the broker does not answer or the answer does not decode. Defaults that would be malformed at old
/// versions are made valid (a null topic list where only v1+/v2+ allow null; the broker rightly closes on
/// that), and Produce asks for acks=1 so it is answered.
template <class Req, class Resp>
void exchange_defaults(std::uint16_t port, std::int16_t version) {
  codec_conn c(port);
  Req req;
  if constexpr (std::is_same_v<Req, p::produce_request>) req.acks = 1;
  if constexpr (std::is_same_v<Req, p::metadata_request> || std::is_same_v<Req, p::offset_fetch_request>)
    req.topics.emplace();
  (void)c.call<Resp>(req, version);
}

void exchange_defaults(p::api_key api, std::uint16_t port, std::int16_t version) {
  switch (api) {
#define SD_EXCHANGE_CASE(key, Req, Resp) \
  case p::api_key::key:                  \
    return exchange_defaults<p::Req, p::Resp>(port, version);
    SD_PROTOCOL_FOR_EACH_API(SD_EXCHANGE_CASE)
#undef SD_EXCHANGE_CASE
    default:
      throw harness_error("no generated messages for API key " + std::to_string(static_cast<int>(api)));
  }
}

TEST_F(CurrentVersions, AdvertisesTheListedMaxima) {
  const std::map<std::int16_t, std::int16_t> expected = {
      {0, 11} /* Produce */,         {1, 16} /* Fetch */,           {2, 8} /* ListOffsets */,
      {3, 12} /* Metadata */,        {8, 9} /* OffsetCommit */,     {9, 9} /* OffsetFetch */,
      {10, 4} /* FindCoordinator */, {11, 9} /* JoinGroup */,       {12, 4} /* Heartbeat */,
      {13, 5} /* LeaveGroup */,      {14, 5} /* SyncGroup */,       {15, 5} /* DescribeGroups */,
      {16, 5} /* ListGroups */,      {19, 7} /* CreateTopics */,    {20, 6} /* DeleteTopics */,
      {21, 2} /* DeleteRecords */,   {22, 4} /* InitProducerId */,  {32, 4} /* DescribeConfigs */,
      {35, 4} /* DescribeLogDirs */, {37, 3} /* CreatePartitions */, {42, 2} /* DeleteGroups */,
      {44, 1} /* IncrementalAlterConfigs */, {47, 0} /* OffsetDelete */, {60, 1} /* DescribeCluster */,
      {61, 0} /* DescribeProducers */};
  auto r = conn->call<p::api_versions_response>(p::api_versions_request{}, 3);
  ASSERT_EQ(r.error_code, 0);
  std::map<std::int16_t, std::int16_t> got;
  for (const auto& k : r.api_keys) got[k.api_key] = k.max_version;
  for (const auto& [key, max] : expected) {
    ASSERT_TRUE(got.count(key)) << "API key " << key << " not advertised";
    EXPECT_EQ(got[key], max) << "API key " << key;
  }
}

// Every advertised API answers a request of defaults at its lowest and its highest version with a response
// that decodes at that version (errors such as INVALID_GROUP_ID are fine; silence or garbage is not).
// SaslAuthenticate is left out: without a handshake first the broker closes the connection, as Kafka does.
TEST_F(CurrentVersions, EveryAdvertisedApiAnswersAtItsLowestAndHighestVersion) {
  auto r = conn->call<p::api_versions_response>(p::api_versions_request{}, 3);
  ASSERT_EQ(r.error_code, 0);
  int exercised = 0;
  for (const auto& k : r.api_keys) {
    const auto api = static_cast<p::api_key>(k.api_key);
    if (api == p::api_key::sasl_authenticate) continue;
    for (std::int16_t v : {k.min_version, k.max_version}) {
      SCOPED_TRACE(std::string(p::find_api(k.api_key)->name) + " v" + std::to_string(v));
      EXPECT_NO_THROW(exchange_defaults(api, broker->kafka_port(), v));
      ++exercised;
    }
  }
  EXPECT_GE(exercised, 60);
  EXPECT_NO_THROW(conn->call<p::api_versions_response>(p::api_versions_request{}, 0)) << "the broker is still up";
}

TEST_F(CurrentVersions, TopicIdsAreStableNewWhenRecreatedAndUsableInMetadataFetchAndDelete) {
  const uuid id = create("ids", 1);
  ASSERT_FALSE(is_zero(id)) << "CreateTopics v7 answers the topic id";

  // Metadata v12 by id answers the name; v10 by name answers the same id; v9 with an id is refused.
  auto by_id = metadata_by_id(id);
  EXPECT_EQ(by_id.error_code, 0);
  EXPECT_EQ(by_id.name.value_or(""), "ids");
  EXPECT_EQ(by_id.topic_id, id);
  {
    p::metadata_request req;
    req.topics.emplace().emplace_back().name = "ids";
    auto r = conn->call<p::metadata_response>(req, 10);
    ASSERT_EQ(r.topics.size(), 1u);
    EXPECT_EQ(r.topics[0].topic_id, id);
    p::metadata_request with_id;
    auto& t = with_id.topics.emplace().emplace_back();
    t.name = "ids";
    t.topic_id = id;
    auto old = conn->call<p::metadata_response>(with_id, 11);
    ASSERT_EQ(old.topics.size(), 1u);
    EXPECT_EQ(old.topics[0].error_code, invalid_request) << "an id before v12";
  }

  // Produce v11, Fetch v16 by id reads it back.
  auto pr = produce("ids", {1000, 2000, 3000});
  ASSERT_EQ(pr.error_code, 0);
  EXPECT_EQ(pr.base_offset, 0);
  auto f = fetch_by_id(id, 0);
  ASSERT_EQ(f.responses.size(), 1u);
  EXPECT_EQ(f.responses[0].topic_id, id);
  ASSERT_EQ(f.responses[0].partitions.size(), 1u);
  const auto& fp = f.responses[0].partitions[0];
  EXPECT_EQ(fp.error_code, 0);
  EXPECT_EQ(fp.high_watermark, 3);
  auto batches = p::read_batches(fp.records.data);
  ASSERT_TRUE(batches);
  ASSERT_EQ(batches->size(), 1u);
  EXPECT_EQ((*batches)[0].records.size(), 3u);

  // The id survives a restart.
  conn.reset();
  broker->restart();
  conn = std::make_unique<codec_conn>(broker->kafka_port());
  EXPECT_EQ(metadata_by_id(id).name.value_or(""), "ids") << "the id is durable";

  // Deleted by id (v6) and re-created under the same name: a new id; the old one is unknown everywhere.
  {
    p::delete_topics_request del;
    del.timeout_ms = 10000;
    auto& d = del.topics.emplace_back();
    d.name = std::nullopt;
    d.topic_id = id;
    auto r = conn->call<p::delete_topics_response>(del, 6);
    ASSERT_EQ(r.responses.size(), 1u);
    EXPECT_EQ(r.responses[0].error_code, 0);
    EXPECT_EQ(r.responses[0].name.value_or(""), "ids");
  }
  const uuid again = create("ids", 1);
  ASSERT_FALSE(is_zero(again));
  EXPECT_NE(again, id) << "a re-created topic gets a new id";
  auto stale = fetch_by_id(id, 0);
  ASSERT_EQ(stale.responses.size(), 1u);
  ASSERT_EQ(stale.responses[0].partitions.size(), 1u);
  EXPECT_EQ(stale.responses[0].partitions[0].error_code, unknown_topic_id);
  auto gone = metadata_by_id(id);
  EXPECT_EQ(gone.error_code, unknown_topic_id);
  EXPECT_FALSE(gone.name.has_value()) << "no name for an unknown id";
  EXPECT_EQ(fetch_by_id(again, 0).responses.at(0).partitions.at(0).error_code, 0);

  // DeleteTopics v6: an unknown id, and a name and an id together, are refused; nothing is deleted.
  p::delete_topics_request bad;
  bad.timeout_ms = 10000;
  auto& u = bad.topics.emplace_back();
  u.name = std::nullopt;
  u.topic_id = id;
  auto& both = bad.topics.emplace_back();
  both.name = "ids";
  both.topic_id = again;
  auto r = conn->call<p::delete_topics_response>(bad, 6);
  ASSERT_EQ(r.responses.size(), 2u);
  EXPECT_EQ(r.responses[0].error_code, unknown_topic_id);
  EXPECT_EQ(r.responses[1].error_code, invalid_request);
  EXPECT_EQ(metadata_by_id(again).error_code, 0) << "still there";
}

TEST_F(CurrentVersions, CreateTopicsV7AnswersConfigsAndValidateOnlyCreatesNothing) {
  p::create_topics_request req;
  req.timeout_ms = 10000;
  req.validate_only = true;
  auto& t = req.topics.emplace_back();
  t.name = "validated";
  t.num_partitions = 3;
  t.replication_factor = 1;
  auto& c = t.configs.emplace_back();
  c.name = "retention.ms";
  c.value = "12345";
  auto r = conn->call<p::create_topics_response>(req, 7);
  ASSERT_EQ(r.topics.size(), 1u);
  EXPECT_EQ(r.topics[0].error_code, 0);
  EXPECT_EQ(r.topics[0].num_partitions, 3);
  EXPECT_TRUE(is_zero(r.topics[0].topic_id)) << "nothing was created, so no id";
  ASSERT_TRUE(r.topics[0].configs.has_value());
  bool saw = false;
  for (const auto& e : *r.topics[0].configs)
    if (e.name == "retention.ms") {
      saw = true;
      EXPECT_EQ(e.value.value_or(""), "12345");
      EXPECT_EQ(e.config_source, 1) << "DYNAMIC_TOPIC_CONFIG";
    }
  EXPECT_TRUE(saw) << "v5+ lists the topic's configs";
  p::metadata_request md;
  md.topics.emplace().emplace_back().name = "validated";
  md.allow_auto_topic_creation = false;
  auto m = conn->call<p::metadata_response>(md, 12);
  ASSERT_EQ(m.topics.size(), 1u);
  EXPECT_EQ(m.topics[0].error_code, unknown_topic_or_partition);
}

TEST_F(CurrentVersions, ListOffsetsV8MaxTimestampEarliestLocalAndLeaderEpoch) {
  create("times", 1);
  ASSERT_EQ(produce("times", {5000, 9000, 7000}).error_code, 0);
  ASSERT_EQ(produce("times", {6000, 8000}).error_code, 0);
  auto ask = [&](std::int64_t ts, std::int32_t epoch, std::int16_t version) {
    p::list_offsets_request req;
    req.replica_id = -1;
    auto& t = req.topics.emplace_back();
    t.name = "times";
    auto& pp = t.partitions.emplace_back();
    pp.partition_index = 0;
    pp.timestamp = ts;
    pp.current_leader_epoch = epoch;
    pp.max_num_offsets = 1;
    auto r = conn->call<p::list_offsets_response>(req, version);
    EXPECT_EQ(r.topics.size(), 1u);
    return r.topics.at(0).partitions.at(0);
  };
  auto max = ask(-3, -1, 8);
  EXPECT_EQ(max.error_code, 0);
  EXPECT_EQ(max.offset, 1) << "the record with timestamp 9000";
  EXPECT_EQ(max.timestamp, 9000);
  EXPECT_EQ(ask(-4, -1, 8).offset, 0) << "EARLIEST_LOCAL: every segment is local";
  EXPECT_EQ(ask(-1, 0, 8).offset, 5);
  EXPECT_EQ(ask(7500, 0, 8).offset, 1) << "first record at or after 7500";
  EXPECT_EQ(ask(-1, 3, 8).error_code, unknown_leader_epoch) << "a newer epoch than this node's";
  auto v0 = ask(-1, -1, 0);
  EXPECT_EQ(v0.error_code, 0);
  ASSERT_EQ(v0.old_style_offsets.size(), 1u);
  EXPECT_EQ(v0.old_style_offsets[0], 5);
}

TEST_F(CurrentVersions, ProduceV11RefusalCarriesAMessage) {
  create("stamped", 1, {{"message.timestamp.difference.max.ms", "60000"}});
  auto pr = produce("stamped", {1000});  // 1970: far outside the allowed difference
  EXPECT_EQ(pr.error_code, invalid_timestamp);
  EXPECT_FALSE(pr.error_message.value_or("").empty()) << "v8+ says why";
}

TEST_F(CurrentVersions, GroupApisAtTheirNewestVersions) {
  create("gt", 2);
  // FindCoordinator v4: two keys, each answered.
  {
    p::find_coordinator_request req;
    req.key_type = 0;
    req.coordinator_keys = {"g1", "g2"};
    auto r = conn->call<p::find_coordinator_response>(req, 4);
    ASSERT_EQ(r.coordinators.size(), 2u);
    EXPECT_EQ(r.coordinators[0].key, "g1");
    EXPECT_EQ(r.coordinators[1].key, "g2");
    for (const auto& c : r.coordinators) {
      EXPECT_EQ(c.error_code, 0);
      EXPECT_EQ(c.port, broker->kafka_port());
    }
  }
  // JoinGroup v9: a member id is required first, then the join completes.
  p::join_group_request join;
  join.group_id = "g1";
  join.session_timeout_ms = 10000;
  join.rebalance_timeout_ms = 10000;
  join.protocol_type = "consumer";
  join.reason = "itest";
  auto& proto = join.protocols.emplace_back();
  proto.name = "range";
  auto first = conn->call<p::join_group_response>(join, 9);
  ASSERT_EQ(first.error_code, member_id_required);
  join.member_id = first.member_id;
  auto joined = conn->call<p::join_group_response>(join, 9);
  ASSERT_EQ(joined.error_code, 0);
  EXPECT_EQ(joined.protocol_type.value_or(""), "consumer");
  EXPECT_EQ(joined.protocol_name.value_or(""), "range");
  EXPECT_FALSE(joined.skip_assignment);
  // SyncGroup v5: a wrong protocol name is refused, the right one completes the rebalance.
  p::sync_group_request sync;
  sync.group_id = "g1";
  sync.generation_id = joined.generation_id;
  sync.member_id = joined.member_id;
  sync.protocol_type = "consumer";
  sync.protocol_name = "roundrobin";
  EXPECT_EQ(conn->call<p::sync_group_response>(sync, 5).error_code, inconsistent_group_protocol);
  sync.protocol_name = "range";
  auto& a = sync.assignments.emplace_back();
  a.member_id = joined.member_id;
  a.assignment = {0, 1, 2};
  auto synced = conn->call<p::sync_group_response>(sync, 5);
  ASSERT_EQ(synced.error_code, 0);
  EXPECT_EQ(synced.protocol_name.value_or(""), "range");
  EXPECT_EQ(synced.assignment, (sd::bytes{0, 1, 2}));
  // Heartbeat v4.
  p::heartbeat_request hb;
  hb.group_id = "g1";
  hb.generation_id = joined.generation_id;
  hb.member_id = joined.member_id;
  EXPECT_EQ(conn->call<p::heartbeat_response>(hb, 4).error_code, 0);
  // OffsetCommit v9 for g1 (as the member) and g2 (a simple commit).
  auto commit = [&](const std::string& group, std::int32_t generation, const std::string& member, std::int64_t off) {
    p::offset_commit_request req;
    req.group_id = group;
    req.generation_id_or_member_epoch = generation;
    req.member_id = member;
    auto& t = req.topics.emplace_back();
    t.name = "gt";
    for (std::int32_t part = 0; part < 2; ++part) {
      auto& pp = t.partitions.emplace_back();
      pp.partition_index = part;
      pp.committed_offset = off + part;
    }
    auto r = conn->call<p::offset_commit_response>(req, 9);
    for (const auto& tr : r.topics)
      for (const auto& pp : tr.partitions) EXPECT_EQ(pp.error_code, 0) << group;
  };
  commit("g1", joined.generation_id, joined.member_id, 10);
  commit("g2", -1, "", 20);
  // OffsetFetch v9: two groups in one request, one for all topics (null), one for one partition.
  {
    p::offset_fetch_request req;
    auto& g1 = req.groups.emplace_back();
    g1.group_id = "g1";
    auto& g2 = req.groups.emplace_back();
    g2.group_id = "g2";
    auto& t = g2.topics.emplace().emplace_back();
    t.name = "gt";
    t.partition_indexes = {1};
    auto r = conn->call<p::offset_fetch_response>(req, 9);
    ASSERT_EQ(r.groups.size(), 2u);
    EXPECT_EQ(r.groups[0].group_id, "g1");
    EXPECT_EQ(r.groups[0].error_code, 0);
    ASSERT_EQ(r.groups[0].topics.size(), 1u);
    ASSERT_EQ(r.groups[0].topics[0].partitions.size(), 2u) << "null topics: every committed partition";
    EXPECT_EQ(r.groups[0].topics[0].partitions[0].committed_offset, 10);
    EXPECT_EQ(r.groups[0].topics[0].partitions[1].committed_offset, 11);
    ASSERT_EQ(r.groups[1].topics.size(), 1u);
    ASSERT_EQ(r.groups[1].topics[0].partitions.size(), 1u);
    EXPECT_EQ(r.groups[1].topics[0].partitions[0].committed_offset, 21);
  }
  // OffsetFetch v6 (flexible, one group, null topics) answers the same for g2.
  {
    p::offset_fetch_request req;
    req.group_id = "g2";
    req.topics = std::nullopt;
    auto r = conn->call<p::offset_fetch_response>(req, 6);
    EXPECT_EQ(r.error_code, 0);
    ASSERT_EQ(r.topics.size(), 1u);
    EXPECT_EQ(r.topics[0].partitions.size(), 2u);
  }
  // DescribeGroups v5.
  {
    p::describe_groups_request req;
    req.groups = {"g1"};
    auto r = conn->call<p::describe_groups_response>(req, 5);
    ASSERT_EQ(r.groups.size(), 1u);
    EXPECT_EQ(r.groups[0].group_state, "Stable");
    EXPECT_EQ(r.groups[0].members.size(), 1u);
  }
  // ListGroups v5: the states filter (any case) and the types filter.
  auto list = [&](std::vector<std::string> states, std::vector<std::string> types) {
    p::list_groups_request req;
    req.states_filter = std::move(states);
    req.types_filter = std::move(types);
    auto r = conn->call<p::list_groups_response>(req, 5);
    EXPECT_EQ(r.error_code, 0);
    std::map<std::string, std::string> out;
    for (const auto& g : r.groups) {
      out[g.group_id] = g.group_state;
      EXPECT_EQ(g.group_type, "classic");
    }
    return out;
  };
  auto all = list({}, {});
  EXPECT_EQ(all["g1"], "Stable");
  EXPECT_EQ(all["g2"], "Empty");
  auto stable = list({"stable"}, {});
  EXPECT_EQ(stable.size(), 1u);
  EXPECT_TRUE(stable.count("g1"));
  auto empty = list({"Empty"}, {"Classic"});
  EXPECT_EQ(empty.size(), 1u);
  EXPECT_TRUE(empty.count("g2"));
  EXPECT_TRUE(list({}, {"consumer"}).empty()) << "no KIP-848 groups here";
  // LeaveGroup v5 with a reason, then DeleteGroups v2 removes both groups.
  {
    p::leave_group_request req;
    req.group_id = "g1";
    auto& m = req.members.emplace_back();
    m.member_id = joined.member_id;
    m.reason = "done";
    auto r = conn->call<p::leave_group_response>(req, 5);
    EXPECT_EQ(r.error_code, 0);
    ASSERT_EQ(r.members.size(), 1u);
    EXPECT_EQ(r.members[0].error_code, 0);
  }
  {
    p::delete_groups_request req;
    req.groups_names = {"g1", "g2"};
    auto r = conn->call<p::delete_groups_response>(req, 2);
    ASSERT_EQ(r.results.size(), 2u);
    for (const auto& x : r.results) EXPECT_EQ(x.error_code, 0) << x.group_id;
  }
  EXPECT_TRUE(list({}, {}).empty());
}

TEST_F(CurrentVersions, AdminApisAtTheirNewestVersions) {
  const uuid id = create("adm", 1);
  ASSERT_EQ(produce("adm", {1, 2, 3, 4}).error_code, 0);
  // Metadata v12 with authorized operations: no authorizer, so every topic operation is allowed.
  {
    p::metadata_request req;
    req.topics.emplace().emplace_back().name = "adm";
    req.include_topic_authorized_operations = true;
    auto r = conn->call<p::metadata_response>(req, 12);
    ASSERT_EQ(r.topics.size(), 1u);
    EXPECT_EQ(r.topics[0].topic_id, id);
    const std::int32_t topic_ops = (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 10) |
                                   (1 << 11);  // READ WRITE CREATE DELETE ALTER DESCRIBE DESCRIBE/ALTER_CONFIGS
    EXPECT_EQ(r.topics[0].topic_authorized_operations, topic_ops);
  }
  // DeleteRecords v2.
  {
    p::delete_records_request req;
    req.timeout_ms = 10000;
    auto& t = req.topics.emplace_back();
    t.name = "adm";
    auto& pp = t.partitions.emplace_back();
    pp.partition_index = 0;
    pp.offset = 2;
    auto r = conn->call<p::delete_records_response>(req, 2);
    ASSERT_EQ(r.topics.size(), 1u);
    EXPECT_EQ(r.topics[0].partitions.at(0).error_code, 0);
    EXPECT_EQ(r.topics[0].partitions.at(0).low_watermark, 2);
  }
  // CreatePartitions v3.
  {
    p::create_partitions_request req;
    req.timeout_ms = 10000;
    auto& t = req.topics.emplace_back();
    t.name = "adm";
    t.count = 3;
    auto r = conn->call<p::create_partitions_response>(req, 3);
    ASSERT_EQ(r.results.size(), 1u);
    EXPECT_EQ(r.results[0].error_code, 0);
  }
  // IncrementalAlterConfigs v1 and DescribeConfigs v4, on a TOPIC (2) and on the BROKER (4) resource.
  constexpr std::int8_t topic_resource = 2, broker_resource = 4;
  constexpr std::int8_t set_op = 0, delete_op = 1, append_op = 2;
  auto alter = [&](std::int8_t type, const std::string& name, const std::string& key, std::int8_t op,
                   std::optional<std::string> v) {
    p::incremental_alter_configs_request req;
    auto& res = req.resources.emplace_back();
    res.resource_type = type;
    res.resource_name = name;
    auto& c = res.configs.emplace_back();
    c.name = key;
    c.config_operation = op;
    c.value = std::move(v);
    auto r = conn->call<p::incremental_alter_configs_response>(req, 1);
    EXPECT_EQ(r.responses.size(), 1u);
    return r.responses.at(0).error_code;
  };
  auto describe_one = [&](std::int8_t type, const std::string& name, const std::string& key) {
    p::describe_configs_request d;
    auto& dr = d.resources.emplace_back();
    dr.resource_type = type;
    dr.resource_name = name;
    dr.configuration_keys = std::vector<std::string>{key};
    d.include_synonyms = true;
    auto got = conn->call<p::describe_configs_response>(d, 4);
    EXPECT_EQ(got.results.size(), 1u);
    EXPECT_EQ(got.results.at(0).configs.size(), 1u);
    return got.results.at(0).configs.at(0);
  };
  EXPECT_EQ(alter(topic_resource, "adm", "retention.ms", set_op, "3600000"), 0);
  EXPECT_EQ(describe_one(topic_resource, "adm", "retention.ms").value.value_or(""), "3600000");
  // On the broker: SET and DELETE on this broker's layer; another broker's id, a key that cannot change at
  // run time and APPEND on a non-list key are refused.
  EXPECT_EQ(alter(broker_resource, "0", "log.retention.ms", set_op, "1234567"), 0);
  auto set = describe_one(broker_resource, "0", "log.retention.ms");
  EXPECT_EQ(set.value.value_or(""), "1234567");
  EXPECT_EQ(set.config_source, 2) << "DYNAMIC_BROKER_CONFIG";
  EXPECT_EQ(set.synonyms.size(), 2u);
  EXPECT_EQ(alter(broker_resource, "0", "log.retention.ms", delete_op, std::nullopt), 0);
  EXPECT_EQ(describe_one(broker_resource, "0", "log.retention.ms").config_source, 5) << "DELETE: back to the default";
  EXPECT_EQ(alter(broker_resource, "5", "log.retention.ms", set_op, "1"), invalid_request) << "another broker";
  EXPECT_EQ(alter(broker_resource, "0", "node.id", set_op, "3"), invalid_request) << "not dynamic";
  EXPECT_NE(alter(broker_resource, "0", "log.retention.ms", append_op, "1"), 0) << "APPEND on a non-list key";
  // InitProducerId v4: a fresh id; with the current id and epoch (KIP-360) another fresh id; an id without an
  // epoch is refused.
  {
    p::init_producer_id_request req;
    req.transaction_timeout_ms = 60000;
    auto first = conn->call<p::init_producer_id_response>(req, 4);
    ASSERT_EQ(first.error_code, 0);
    EXPECT_GE(first.producer_id, 0);
    req.producer_id = first.producer_id;
    req.producer_epoch = first.producer_epoch;
    auto bumped = conn->call<p::init_producer_id_response>(req, 4);
    EXPECT_EQ(bumped.error_code, 0);
    EXPECT_NE(bumped.producer_id, first.producer_id);
    req.producer_epoch = -1;
    EXPECT_EQ(conn->call<p::init_producer_id_response>(req, 4).error_code, invalid_request);
  }
  // DescribeCluster v1 and v0.
  for (std::int16_t v : {0, 1}) {
    p::describe_cluster_request req;
    req.include_cluster_authorized_operations = true;
    auto r = conn->call<p::describe_cluster_response>(req, v);
    EXPECT_EQ(r.error_code, 0);
    EXPECT_FALSE(r.cluster_id.empty());
    ASSERT_EQ(r.brokers.size(), 1u);
    EXPECT_EQ(r.brokers[0].port, broker->kafka_port());
    EXPECT_EQ(r.controller_id, r.brokers[0].broker_id);
    EXPECT_NE(r.cluster_authorized_operations, INT32_MIN) << "asked for";
    EXPECT_NE(r.cluster_authorized_operations & (1 << 8), 0) << "DESCRIBE";
  }
  {
    p::describe_cluster_request req;
    req.endpoint_type = 7;
    EXPECT_EQ(conn->call<p::describe_cluster_response>(req, 1).error_code, invalid_request);
  }
  // DescribeLogDirs v4 (all topics) and v0 (one partition; unknown topics left out).
  {
    p::describe_log_dirs_request req;
    req.topics = std::nullopt;
    auto r = conn->call<p::describe_log_dirs_response>(req, 4);
    EXPECT_EQ(r.error_code, 0);
    ASSERT_EQ(r.results.size(), 1u);
    EXPECT_GT(r.results[0].total_bytes, 0);
    EXPECT_GE(r.results[0].usable_bytes, 0);
    EXPECT_LE(r.results[0].usable_bytes, r.results[0].total_bytes);
    bool saw = false;
    for (const auto& t : r.results[0].topics)
      if (t.name == "adm") {
        saw = true;
        EXPECT_EQ(t.partitions.size(), 3u);
        for (const auto& pp : t.partitions)
          if (pp.partition_index == 0) {
            EXPECT_GT(pp.partition_size, 0) << "four records are on disk";
          }
      }
    EXPECT_TRUE(saw);
    p::describe_log_dirs_request one;
    auto& t = one.topics.emplace();
    t.emplace_back().topic = "adm";
    t.back().partitions = {0, 9};
    t.emplace_back().topic = "missing";
    t.back().partitions = {0};
    auto r0 = conn->call<p::describe_log_dirs_response>(one, 0);
    ASSERT_EQ(r0.results.size(), 1u);
    ASSERT_EQ(r0.results[0].topics.size(), 1u);
    EXPECT_EQ(r0.results[0].topics[0].partitions.size(), 1u);
  }
}

}  // namespace
}  // namespace sd::itest
