// The topic-admin APIs through librdkafka's Admin API (the C API; the C++ API has none): CreatePartitions,
// DescribeConfigs, AlterConfigs, DeleteRecords, DeleteTopics, each checked by its effect as clients see it.
// (IncrementalAlterConfigs is newer than Debian's librdkafka 2.0.2; kafkajs covers the other admin calls.) Dynamic
// broker configs, ListConsumerGroups states and ListConsumerGroupOffsets of every partition too.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <functional>
#include <map>
#include <optional>

#include "protocol/generated/alter_configs.h"
#include "support/broker_process.h"
#include "support/codec_conn.h"
#include "support/kafka_client.h"
#include "support/payload.h"

namespace sd::itest {
namespace {

using namespace std::chrono_literals;

// One admin request: builds it on a fresh handle, waits for its result event and hands it to check.
class admin {
 public:
  explicit admin(const std::string& bootstrap) {
    auto conf = make_conf(client_defaults(bootstrap));
    std::string err;
    _handle.reset(RdKafka::Producer::create(conf.get(), err));
    if (!_handle) throw harness_error("admin client: " + err);
    _queue = rd_kafka_queue_new(rk());
  }
  ~admin() { rd_kafka_queue_destroy(_queue); }
  rd_kafka_t* rk() { return _handle->c_ptr(); }
  rd_kafka_AdminOptions_t* options(rd_kafka_admin_op_t op) {
    auto* o = rd_kafka_AdminOptions_new(rk(), op);
    char err[256];
    rd_kafka_AdminOptions_set_request_timeout(o, 30000, err, sizeof err);
    return o;
  }
  rd_kafka_queue_t* queue() { return _queue; }
  /// Waits for the result event; fails the test on a request-level error. The caller destroys the event.
  rd_kafka_event_t* wait() {
    rd_kafka_event_t* ev = rd_kafka_queue_poll(_queue, 45000);
    if (ev == nullptr) throw harness_error("no admin result within 45 s");
    if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::string msg = rd_kafka_event_error_string(ev);
      rd_kafka_event_destroy(ev);
      throw harness_error("admin request failed: " + msg);
    }
    return ev;
  }

 private:
  std::unique_ptr<RdKafka::Producer> _handle;
  rd_kafka_queue_t* _queue = nullptr;
};

std::pair<std::int64_t, std::int64_t> watermarks(const std::string& bootstrap, const std::string& topic, int p) {
  auto conf = make_conf(client_defaults(bootstrap));
  std::string err;
  std::unique_ptr<RdKafka::Producer> h(RdKafka::Producer::create(conf.get(), err));
  std::int64_t low = -1, high = -1;
  auto e = h->query_watermark_offsets(topic, p, &low, &high, 20000);
  if (e != RdKafka::ERR_NO_ERROR) throw harness_error("watermarks: " + RdKafka::err2str(e));
  return {low, high};
}

struct described {
  std::string value;
  rd_kafka_ConfigSource_t source = RD_KAFKA_CONFIG_SOURCE_UNKNOWN_CONFIG;
  bool read_only = true;
  std::vector<std::pair<std::string, rd_kafka_ConfigSource_t>> synonyms;  // value, source
};

/// DescribeConfigs of one resource (librdkafka's admin API): every entry by name.
std::map<std::string, described> describe_configs(const std::string& bootstrap, rd_kafka_ResourceType_t type,
                                                  const std::string& name) {
  admin a(bootstrap);
  rd_kafka_ConfigResource_t* res = rd_kafka_ConfigResource_new(type, name.c_str());
  auto* o = a.options(RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
  rd_kafka_DescribeConfigs(a.rk(), &res, 1, o, a.queue());
  rd_kafka_event_t* ev = a.wait();
  std::map<std::string, described> out;
  std::string failure;
  size_t n = 0;
  const rd_kafka_ConfigResource_t** rs =
      rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev), &n);
  if (n != 1) {
    failure = "DescribeConfigs returned " + std::to_string(n) + " resources";
  } else if (rd_kafka_ConfigResource_error(rs[0]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    failure = std::string("DescribeConfigs: ") + rd_kafka_err2str(rd_kafka_ConfigResource_error(rs[0]));
  } else {
    size_t cn = 0;
    const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(rs[0], &cn);
    for (size_t i = 0; i < cn; ++i) {
      const char* v = rd_kafka_ConfigEntry_value(entries[i]);
      auto& d = out[rd_kafka_ConfigEntry_name(entries[i])];
      d.value = v ? v : "<null>";
      d.source = rd_kafka_ConfigEntry_source(entries[i]);
      d.read_only = rd_kafka_ConfigEntry_is_read_only(entries[i]) != 0;
      size_t sn = 0;
      const rd_kafka_ConfigEntry_t** syn = rd_kafka_ConfigEntry_synonyms(entries[i], &sn);
      for (size_t k = 0; k < sn; ++k) {
        const char* sv = rd_kafka_ConfigEntry_value(syn[k]);
        d.synonyms.emplace_back(sv ? sv : "<null>", rd_kafka_ConfigEntry_source(syn[k]));
      }
    }
  }
  rd_kafka_event_destroy(ev);
  rd_kafka_AdminOptions_destroy(o);
  rd_kafka_ConfigResource_destroy(res);
  if (!failure.empty()) throw harness_error(failure);
  return out;
}

std::map<std::string, std::string> describe_topic_configs(const std::string& bootstrap, const std::string& topic) {
  std::map<std::string, std::string> out;
  for (auto& [k, d] : describe_configs(bootstrap, RD_KAFKA_RESOURCE_TOPIC, topic)) out[k] = d.value;
  return out;
}

class Admin : public ::testing::Test {
 protected:
  void SetUp() override { broker.start(); }
  void TearDown() override {
    if (broker.running()) {
      EXPECT_NO_THROW(broker.stop());
    }
  }
  broker_process broker;
};

TEST_F(Admin, CreatePartitionsGrowsTheTopic) {
  create_topic(broker.bootstrap(), "grow", 1);
  admin a(broker.bootstrap());
  char err[256];
  rd_kafka_NewPartitions_t* np = rd_kafka_NewPartitions_new("grow", 4, err, sizeof err);
  auto* o = a.options(RD_KAFKA_ADMIN_OP_CREATEPARTITIONS);
  rd_kafka_CreatePartitions(a.rk(), &np, 1, o, a.queue());
  rd_kafka_event_t* ev = a.wait();
  size_t n = 0;
  const rd_kafka_topic_result_t** tr =
      rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(ev), &n);
  ASSERT_EQ(n, 1u);
  EXPECT_EQ(rd_kafka_topic_result_error(tr[0]), RD_KAFKA_RESP_ERR_NO_ERROR)
      << rd_kafka_err2str(rd_kafka_topic_result_error(tr[0]));
  rd_kafka_event_destroy(ev);
  rd_kafka_AdminOptions_destroy(o);
  rd_kafka_NewPartitions_destroy(np);
  EXPECT_EQ(partition_count(broker.bootstrap(), "grow"), 4);
  // The new partitions take writes and survive a restart.
  auto s = produce_and_wait(broker.bootstrap(), "grow", {{std::nullopt, "in-p3", 3}}, {{"acks", "all"}});
  ASSERT_TRUE(s.failed.empty()) << s.first_error();
  broker.restart();
  EXPECT_EQ(partition_count(broker.bootstrap(), "grow"), 4);
  auto got = consume(broker.bootstrap(), "grow", {3}, {.expected = 1});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].value, "in-p3");
}

TEST_F(Admin, CreatePartitionsCannotShrink) {
  create_topic(broker.bootstrap(), "noshrink", 3);
  admin a(broker.bootstrap());
  char err[256];
  rd_kafka_NewPartitions_t* np = rd_kafka_NewPartitions_new("noshrink", 2, err, sizeof err);
  auto* o = a.options(RD_KAFKA_ADMIN_OP_CREATEPARTITIONS);
  rd_kafka_CreatePartitions(a.rk(), &np, 1, o, a.queue());
  rd_kafka_event_t* ev = a.wait();
  size_t n = 0;
  const rd_kafka_topic_result_t** tr =
      rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(ev), &n);
  ASSERT_EQ(n, 1u);
  EXPECT_NE(rd_kafka_topic_result_error(tr[0]), RD_KAFKA_RESP_ERR_NO_ERROR) << "shrinking 3 -> 2 was accepted";
  rd_kafka_event_destroy(ev);
  rd_kafka_AdminOptions_destroy(o);
  rd_kafka_NewPartitions_destroy(np);
  EXPECT_EQ(partition_count(broker.bootstrap(), "noshrink"), 3);
}

/// AlterConfigs of one resource (librdkafka's admin API; it replaces the resource's whole set with these keys),
/// optionally validate-only: the resource's error, or nullopt when the answer does not hold exactly one
/// resource.
std::optional<rd_kafka_resp_err_t> alter_configs(const std::string& bootstrap, rd_kafka_ResourceType_t type,
                                                 const std::string& name,
                                                 const std::map<std::string, std::string>& values,
                                                 bool validate_only) {
  admin a(bootstrap);
  rd_kafka_ConfigResource_t* res = rd_kafka_ConfigResource_new(type, name.c_str());
  for (const auto& [k, v] : values) rd_kafka_ConfigResource_set_config(res, k.c_str(), v.c_str());
  auto* o = a.options(RD_KAFKA_ADMIN_OP_ALTERCONFIGS);
  char err[256];
  if (rd_kafka_AdminOptions_set_validate_only(o, validate_only ? 1 : 0, err, sizeof err) != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw harness_error(err);
  rd_kafka_AlterConfigs(a.rk(), &res, 1, o, a.queue());
  rd_kafka_event_t* ev = a.wait();
  size_t n = 0;
  const rd_kafka_ConfigResource_t** rs =
      rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(ev), &n);
  std::optional<rd_kafka_resp_err_t> result;
  if (n == 1) result = rd_kafka_ConfigResource_error(rs[0]);
  rd_kafka_event_destroy(ev);
  rd_kafka_AdminOptions_destroy(o);
  rd_kafka_ConfigResource_destroy(res);
  return result;
}

std::optional<rd_kafka_resp_err_t> alter_topic_config(const std::string& bootstrap, const std::string& topic,
                                                      const char* key, const char* value, bool validate_only) {
  return alter_configs(bootstrap, RD_KAFKA_RESOURCE_TOPIC, topic, {{key, value}}, validate_only);
}

TEST_F(Admin, DescribeAndAlterTopicConfigs) {
  create_topic(broker.bootstrap(), "configured", 1);
  auto before = describe_topic_configs(broker.bootstrap(), "configured");
  ASSERT_TRUE(before.count("retention.ms")) << "DescribeConfigs has no retention.ms";
  EXPECT_TRUE(before.count("segment.bytes") || before.count("max.message.bytes")) << "few topic configs described";

  const auto altered = alter_topic_config(broker.bootstrap(), "configured", "retention.ms", "3600000", false);
  ASSERT_TRUE(altered) << "AlterConfigs did not answer for exactly one resource";
  EXPECT_EQ(*altered, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(*altered);
  EXPECT_EQ(describe_topic_configs(broker.bootstrap(), "configured")["retention.ms"], "3600000");
  broker.restart();  // topic configs are persistent
  EXPECT_EQ(describe_topic_configs(broker.bootstrap(), "configured")["retention.ms"], "3600000");
}

TEST_F(Admin, AlterConfigsRejectsUnknownKeyAndBadValue) {
  create_topic(broker.bootstrap(), "strict", 1);
  for (auto [k, v] : {std::pair<const char*, const char*>{"no.such.topic.config", "1"}, {"retention.ms", "soon"}}) {
    const auto r = alter_topic_config(broker.bootstrap(), "strict", k, v, false);
    ASSERT_TRUE(r) << "AlterConfigs did not answer for exactly one resource";
    EXPECT_NE(*r, RD_KAFKA_RESP_ERR_NO_ERROR) << k << "=" << v << " accepted";
  }
  EXPECT_NE(describe_topic_configs(broker.bootstrap(), "strict")["retention.ms"], "soon");
}

TEST_F(Admin, ValidateOnlyAlterConfigsValidatesAndChangesNothing) {
  create_topic(broker.bootstrap(), "dryrun", 1);
  const auto before = describe_topic_configs(broker.bootstrap(), "dryrun")["retention.ms"];
  ASSERT_NE(before, "3600000");
  EXPECT_EQ(alter_topic_config(broker.bootstrap(), "dryrun", "retention.ms", "3600000", /*validate_only=*/true),
            std::optional(RD_KAFKA_RESP_ERR_NO_ERROR));
  EXPECT_EQ(describe_topic_configs(broker.bootstrap(), "dryrun")["retention.ms"], before) << "validate_only changed it";
  for (auto [k, v] : {std::pair<const char*, const char*>{"retention.ms", "soon"}, {"no.such.topic.config", "1"}}) {
    const auto r = alter_topic_config(broker.bootstrap(), "dryrun", k, v, /*validate_only=*/true);
    ASSERT_TRUE(r) << "AlterConfigs did not answer for exactly one resource";
    EXPECT_NE(*r, RD_KAFKA_RESP_ERR_NO_ERROR) << k << "=" << v << " passed validate_only";
  }
  EXPECT_EQ(alter_topic_config(broker.bootstrap(), "dryrun", "retention.ms", "3600000", /*validate_only=*/false),
            std::optional(RD_KAFKA_RESP_ERR_NO_ERROR));
  EXPECT_EQ(describe_topic_configs(broker.bootstrap(), "dryrun")["retention.ms"], "3600000");
}

TEST_F(Admin, DeleteRecordsMovesLogStart) {
  create_topic(broker.bootstrap(), "trim", 1);
  std::vector<message_spec> msgs;
  for (int i = 0; i < 20; ++i) msgs.push_back({std::nullopt, make_value(static_cast<std::uint64_t>(i), 200), 0});
  auto s = produce_and_wait(broker.bootstrap(), "trim", msgs, {{"acks", "all"}});
  ASSERT_TRUE(s.failed.empty()) << s.first_error();

  admin a(broker.bootstrap());
  rd_kafka_topic_partition_list_t* offsets = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(offsets, "trim", 0)->offset = 12;
  rd_kafka_DeleteRecords_t* dr = rd_kafka_DeleteRecords_new(offsets);
  auto* o = a.options(RD_KAFKA_ADMIN_OP_DELETERECORDS);
  rd_kafka_DeleteRecords(a.rk(), &dr, 1, o, a.queue());
  rd_kafka_event_t* ev = a.wait();
  const rd_kafka_topic_partition_list_t* res =
      rd_kafka_DeleteRecords_result_offsets(rd_kafka_event_DeleteRecords_result(ev));
  ASSERT_EQ(res->cnt, 1);
  EXPECT_EQ(res->elems[0].err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(res->elems[0].err);
  EXPECT_EQ(res->elems[0].offset, 12) << "the reported low watermark";
  rd_kafka_event_destroy(ev);
  rd_kafka_AdminOptions_destroy(o);
  rd_kafka_DeleteRecords_destroy(dr);
  rd_kafka_topic_partition_list_destroy(offsets);

  EXPECT_EQ(watermarks(broker.bootstrap(), "trim", 0), (std::pair<std::int64_t, std::int64_t>{12, 20}));
  auto got = consume(broker.bootstrap(), "trim", {0}, {.expected = 8});
  ASSERT_EQ(got.size(), 8u) << "reading from the beginning after DeleteRecords";
  EXPECT_EQ(got.front().offset, 12);
  EXPECT_EQ(got.front().value, make_value(12, 200));
  broker.restart();  // the new log start is persistent
  EXPECT_EQ(watermarks(broker.bootstrap(), "trim", 0).first, 12);
}

TEST_F(Admin, DeleteTopicRemovesItAndItsData) {
  create_topic(broker.bootstrap(), "doomed", 2);
  auto s = produce_and_wait(broker.bootstrap(), "doomed", {{std::nullopt, "old-data", 0}}, {{"acks", "all"}});
  ASSERT_TRUE(s.failed.empty()) << s.first_error();
  {
    admin a(broker.bootstrap());
    rd_kafka_DeleteTopic_t* dt = rd_kafka_DeleteTopic_new("doomed");
    auto* o = a.options(RD_KAFKA_ADMIN_OP_DELETETOPICS);
    rd_kafka_DeleteTopics(a.rk(), &dt, 1, o, a.queue());
    rd_kafka_event_t* ev = a.wait();
    size_t n = 0;
    const rd_kafka_topic_result_t** tr =
        rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n);
    ASSERT_EQ(n, 1u);
    EXPECT_EQ(rd_kafka_topic_result_error(tr[0]), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_DeleteTopic_destroy(dt);
  }
  broker.restart();  // the deletion is persistent
  // Re-created with the same name, it starts empty: nothing of the old log comes back.
  create_topic(broker.bootstrap(), "doomed", 1);
  EXPECT_EQ(high_watermarks(broker.bootstrap(), "doomed", 1)[0], 0);
}

// librdkafka's ListConsumerGroups shows each group's state (ListGroups v4+; "Unknown" before) and filters by
// it; ListConsumerGroupOffsets without partitions lists every offset the group committed (OffsetFetch with
// null topics).
TEST_F(Admin, ListConsumerGroupsStatesAndAllCommittedOffsets) {
  create_topic(broker.bootstrap(), "lg", 2);
  std::vector<message_spec> ten;
  for (int i = 0; i < 10; ++i) ten.push_back({std::nullopt, "r" + std::to_string(i), i % 2});
  ASSERT_TRUE(produce_and_wait(broker.bootstrap(), "lg", ten).failed.empty());
  auto group_conf = [&](const std::string& group) {
    auto values = client_defaults(broker.bootstrap());
    values["group.id"] = group;
    values["enable.auto.commit"] = "false";
    return make_conf(values);
  };
  std::string err;
  {
    // "empty-g": offsets committed by a consumer that assigned partitions itself, then left: Empty.
    std::unique_ptr<RdKafka::KafkaConsumer> c(RdKafka::KafkaConsumer::create(group_conf("empty-g").get(), err));
    ASSERT_TRUE(c) << err;
    std::vector<RdKafka::TopicPartition*> offsets = {RdKafka::TopicPartition::create("lg", 0, 3),
                                                     RdKafka::TopicPartition::create("lg", 1, 1)};
    EXPECT_EQ(c->assign(offsets), RdKafka::ERR_NO_ERROR);
    EXPECT_EQ(c->commitSync(offsets), RdKafka::ERR_NO_ERROR);
    RdKafka::TopicPartition::destroy(offsets);
    c->close();
  }
  // "stable-g": a subscribed consumer that has its assignment: Stable while it runs.
  std::unique_ptr<RdKafka::KafkaConsumer> live(RdKafka::KafkaConsumer::create(group_conf("stable-g").get(), err));
  ASSERT_TRUE(live) << err;
  ASSERT_EQ(live->subscribe({"lg"}), RdKafka::ERR_NO_ERROR);
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  std::vector<RdKafka::TopicPartition*> assigned;
  while (assigned.empty() && std::chrono::steady_clock::now() < deadline) {
    delete live->consume(200);
    live->assignment(assigned);
  }
  ASSERT_FALSE(assigned.empty()) << "the consumer never got its assignment";
  RdKafka::TopicPartition::destroy(assigned);

  auto list = [&](std::vector<rd_kafka_consumer_group_state_t> states) {
    admin a(broker.bootstrap());
    auto* o = a.options(RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS);
    if (!states.empty()) {
      rd_kafka_error_t* e = rd_kafka_AdminOptions_set_match_consumer_group_states(o, states.data(), states.size());
      EXPECT_EQ(e, nullptr);
      if (e) rd_kafka_error_destroy(e);
    }
    rd_kafka_ListConsumerGroups(a.rk(), o, a.queue());
    rd_kafka_event_t* ev = a.wait();
    const auto* res = rd_kafka_event_ListConsumerGroups_result(ev);
    size_t n = 0, ne = 0;
    const rd_kafka_ConsumerGroupListing_t** groups = rd_kafka_ListConsumerGroups_result_valid(res, &n);
    rd_kafka_ListConsumerGroups_result_errors(res, &ne);
    EXPECT_EQ(ne, 0u);
    std::map<std::string, std::string> out;
    for (size_t i = 0; i < n; ++i)
      out[rd_kafka_ConsumerGroupListing_group_id(groups[i])] =
          rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupListing_state(groups[i]));
    rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(o);
    return out;
  };
  auto all = list({});
  EXPECT_EQ(all["empty-g"], "Empty");
  EXPECT_EQ(all["stable-g"], "Stable");
  auto stable = list({RD_KAFKA_CONSUMER_GROUP_STATE_STABLE});
  EXPECT_EQ(stable.size(), 1u);
  EXPECT_EQ(stable.count("stable-g"), 1u);
  auto empty = list({RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY});
  EXPECT_EQ(empty.size(), 1u);
  EXPECT_EQ(empty.count("empty-g"), 1u);

  // Every committed offset of empty-g, without naming partitions.
  {
    admin a(broker.bootstrap());
    rd_kafka_ListConsumerGroupOffsets_t* req = rd_kafka_ListConsumerGroupOffsets_new("empty-g", nullptr);
    auto* o = a.options(RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS);
    rd_kafka_ListConsumerGroupOffsets(a.rk(), &req, 1, o, a.queue());
    rd_kafka_event_t* ev = a.wait();
    size_t n = 0;
    const rd_kafka_group_result_t** gr =
        rd_kafka_ListConsumerGroupOffsets_result_groups(rd_kafka_event_ListConsumerGroupOffsets_result(ev), &n);
    ASSERT_EQ(n, 1u);
    EXPECT_EQ(rd_kafka_group_result_error(gr[0]), nullptr);
    const rd_kafka_topic_partition_list_t* parts = rd_kafka_group_result_partitions(gr[0]);
    ASSERT_NE(parts, nullptr);
    std::map<int, std::int64_t> got;
    for (int i = 0; i < parts->cnt; ++i) {
      EXPECT_STREQ(parts->elems[i].topic, "lg");
      EXPECT_EQ(parts->elems[i].err, RD_KAFKA_RESP_ERR_NO_ERROR);
      got[parts->elems[i].partition] = parts->elems[i].offset;
    }
    EXPECT_EQ(got, (std::map<int, std::int64_t>{{0, 3}, {1, 1}}));
    rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_ListConsumerGroupOffsets_destroy(req);
  }
  live->close();
}

// Dynamic broker configs (AlterConfigs on the BROKER resource, librdkafka's admin API): this broker's layer
// ("0") and the cluster-wide default layer (""), their sources and synonyms in DescribeConfigs, topics
// inheriting the new defaults (and acting on them: a lowered message.max.bytes refuses a larger batch),
// num.partitions for new topics, keys that cannot change at run time refused, validate-only, and the layers
// surviving a restart.
TEST_F(Admin, DynamicBrokerConfigsLayerPersistAndTakeEffect) {
  const auto bs = broker.bootstrap();
  create_topic(bs, "inherits", 1);
  auto before = describe_configs(bs, RD_KAFKA_RESOURCE_BROKER, "0");
  ASSERT_TRUE(before.count("log.retention.ms"));
  EXPECT_FALSE(before["log.retention.ms"].read_only) << "a dynamic key is writable";
  EXPECT_TRUE(before["node.id"].read_only);
  EXPECT_EQ(before["log.retention.ms"].source, RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG);

  // A key that cannot change at run time, and a bad value: refused, nothing changes.
  EXPECT_NE(alter_configs(bs, RD_KAFKA_RESOURCE_BROKER, "0", {{"node.id", "7"}}, false),
            std::optional(RD_KAFKA_RESP_ERR_NO_ERROR));
  EXPECT_NE(alter_configs(bs, RD_KAFKA_RESOURCE_BROKER, "0", {{"log.retention.ms", "soon"}}, false),
            std::optional(RD_KAFKA_RESP_ERR_NO_ERROR));
  // Validate-only: accepted, nothing changes.
  EXPECT_EQ(alter_configs(bs, RD_KAFKA_RESOURCE_BROKER, "0", {{"log.retention.ms", "3600000"}}, true),
            std::optional(RD_KAFKA_RESP_ERR_NO_ERROR));
  EXPECT_EQ(describe_configs(bs, RD_KAFKA_RESOURCE_BROKER, "0")["log.retention.ms"].value, before["log.retention.ms"].value);

  // The cluster default layer (librdkafka cannot name the resource "": AlterConfigs v1 over the project's
  // codec), then this broker's layer above it.
  {
    codec_conn c(broker.kafka_port());
    protocol::alter_configs_request req;
    auto& res = req.resources.emplace_back();
    res.resource_type = RD_KAFKA_RESOURCE_BROKER;
    res.resource_name = "";
    for (auto [k, v] : {std::pair{"log.retention.ms", "7200000"}, std::pair{"num.partitions", "3"}}) {
      auto& e = res.configs.emplace_back();
      e.name = k;
      e.value = v;
    }
    auto r = c.call<protocol::alter_configs_response>(req, 1);
    ASSERT_EQ(r.responses.size(), 1u);
    ASSERT_EQ(r.responses[0].error_code, 0) << r.responses[0].error_message.value_or("");
  }
  auto d1 = describe_configs(bs, RD_KAFKA_RESOURCE_BROKER, "0");
  EXPECT_EQ(d1["log.retention.ms"].value, "7200000");
  EXPECT_EQ(d1["log.retention.ms"].source, RD_KAFKA_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER_CONFIG);
  ASSERT_EQ(alter_configs(bs, RD_KAFKA_RESOURCE_BROKER, "0", {{"log.retention.ms", "3600000"}, {"message.max.bytes", "2000"}}, false),
            std::optional(RD_KAFKA_RESP_ERR_NO_ERROR));
  auto d2 = describe_configs(bs, RD_KAFKA_RESOURCE_BROKER, "0");
  EXPECT_EQ(d2["log.retention.ms"].value, "3600000");
  EXPECT_EQ(d2["log.retention.ms"].source, RD_KAFKA_CONFIG_SOURCE_DYNAMIC_BROKER_CONFIG);
  const std::vector<std::pair<std::string, rd_kafka_ConfigSource_t>> layers = {
      {"3600000", RD_KAFKA_CONFIG_SOURCE_DYNAMIC_BROKER_CONFIG},
      {"7200000", RD_KAFKA_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER_CONFIG},
      {"604800000", RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG}};
  EXPECT_EQ(d2["log.retention.ms"].synonyms, layers) << "every layer, highest first";

  // A topic without an override inherits the broker's value, and says where it comes from.
  auto t = describe_configs(bs, RD_KAFKA_RESOURCE_TOPIC, "inherits");
  EXPECT_EQ(t["retention.ms"].value, "3600000");
  EXPECT_EQ(t["retention.ms"].source, RD_KAFKA_CONFIG_SOURCE_DYNAMIC_BROKER_CONFIG);
  EXPECT_EQ(t["max.message.bytes"].value, "2000");
  // ... and acts on it: a batch over the new message.max.bytes is refused.
  std::string big(4000, 'b');
  auto refused = produce_and_wait(bs, "inherits", {{std::nullopt, big, 0}}, {{"message.send.max.retries", "0"}});
  ASSERT_EQ(refused.failed.size(), 1u);
  EXPECT_EQ(refused.failed[0].err, RdKafka::ERR_MSG_SIZE_TOO_LARGE) << refused.first_error();
  // num.partitions applies to topics created afterwards (auto-created by Metadata here).
  produce_and_wait(bs, "auto-three", {{std::nullopt, "x", 0}});
  EXPECT_EQ(partition_count(bs, "auto-three"), 3);

  broker.restart();  // the layers are durable
  auto d3 = describe_configs(bs, RD_KAFKA_RESOURCE_BROKER, "0");
  EXPECT_EQ(d3["log.retention.ms"].value, "3600000");
  EXPECT_EQ(d3["log.retention.ms"].synonyms, layers);
  EXPECT_EQ(d3["message.max.bytes"].value, "2000");
  EXPECT_EQ(describe_topic_configs(bs, "inherits")["retention.ms"], "3600000");

  // AlterConfigs replaces a layer: an empty set for "0" leaves the cluster default in force.
  ASSERT_EQ(alter_configs(bs, RD_KAFKA_RESOURCE_BROKER, "0", {}, false), std::optional(RD_KAFKA_RESP_ERR_NO_ERROR));
  auto d4 = describe_configs(bs, RD_KAFKA_RESOURCE_BROKER, "0");
  EXPECT_EQ(d4["log.retention.ms"].value, "7200000");
  EXPECT_EQ(d4["message.max.bytes"].source, RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG);
  auto fine = produce_and_wait(bs, "inherits", {{std::nullopt, big, 0}});
  EXPECT_TRUE(fine.failed.empty()) << fine.first_error();
}

}  // namespace
}  // namespace sd::itest
