#include "client/admin.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>

namespace sd::client {

namespace {

template <class T, void (*F)(T*)>
struct c_deleter {
  void operator()(T* p) const { F(p); }
};
using queue_ptr = std::unique_ptr<rd_kafka_queue_t, c_deleter<rd_kafka_queue_t, rd_kafka_queue_destroy>>;
using options_ptr =
    std::unique_ptr<rd_kafka_AdminOptions_t, c_deleter<rd_kafka_AdminOptions_t, rd_kafka_AdminOptions_destroy>>;
using tpl_ptr = std::unique_ptr<rd_kafka_topic_partition_list_t,
                                c_deleter<rd_kafka_topic_partition_list_t, rd_kafka_topic_partition_list_destroy>>;

std::string failure(const std::string& what, rd_kafka_resp_err_t err, const char* detail, const error_log& log) {
  std::string msg = what + ": " + (detail && *detail ? std::string(detail) : std::string(rd_kafka_err2str(err)));
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__TRANSPORT) {
    const auto last = log.last();
    if (!last.empty()) msg += " (last connection error: " + last + ")";
  }
  return msg;
}

void check_topic_results(const char* what, const rd_kafka_topic_result_t** results, std::size_t n,
                         const error_log& log) {
  for (std::size_t i = 0; i < n; ++i) {
    if (auto err = rd_kafka_topic_result_error(results[i]))
      throw tool_error(failure(std::string(what) + " '" + rd_kafka_topic_result_name(results[i]) + "'", err,
                               rd_kafka_topic_result_error_string(results[i]), log));
  }
}

void check_group_results(const char* what, const rd_kafka_group_result_t** results, std::size_t n,
                         const error_log& log) {
  for (std::size_t i = 0; i < n; ++i) {
    if (const rd_kafka_error_t* e = rd_kafka_group_result_error(results[i]))
      throw tool_error(failure(std::string(what) + " '" + rd_kafka_group_result_name(results[i]) + "'",
                               rd_kafka_error_code(e), rd_kafka_error_string(e), log));
  }
}

}  // namespace

void admin_client::event_deleter::operator()(void* ev) const {
  rd_kafka_event_destroy(static_cast<rd_kafka_event_t*>(ev));
}

admin_client::admin_client(const connection_options& o) : _timeout(timeout_of(o)), _bootstrap(o.bootstrap) {
  auto conf = make_conf(o, {}, &_log);
  std::string err;
  _handle.reset(RdKafka::Producer::create(conf.get(), err));
  if (!_handle) throw usage_error("cannot create the Kafka client: " + err);
}

admin_client::~admin_client() = default;

template <class Call>
admin_client::event_ptr admin_client::run(const char* what, Call&& call) {
  rd_kafka_t* rk = _handle->c_ptr();
  queue_ptr q(rd_kafka_queue_new(rk));
  options_ptr opts(rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_ANY));
  char err[256];
  const int ms = static_cast<int>(_timeout.count());
  rd_kafka_AdminOptions_set_request_timeout(opts.get(), ms, err, sizeof err);
  call(rk, opts.get(), q.get());
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q.get(), ms + 5000);
  _handle->poll(0);  // serves the error events that explain a failure (connection refused, ...)
  if (!ev) throw tool_error(failure(what, RD_KAFKA_RESP_ERR__TIMED_OUT, nullptr, _log));
  event_ptr owned(ev);
  if (auto e = rd_kafka_event_error(ev)) throw tool_error(failure(what, e, rd_kafka_event_error_string(ev), _log));
  return owned;
}

std::vector<topic_info> admin_client::metadata(const std::string* topic) {
  RdKafka::Metadata* md = nullptr;
  auto err = _handle->metadata(true, nullptr, &md, static_cast<int>(_timeout.count()));
  std::unique_ptr<RdKafka::Metadata> owned(md);
  if (err != RdKafka::ERR_NO_ERROR) {
    _handle->poll(0);  // serves the error events that say why (connection refused, ...)
    throw tool_error(describe_failure("cannot read metadata from " + _bootstrap, err, &_log));
  }
  std::vector<topic_info> out;
  for (const auto* t : *md->topics()) {
    if (topic && t->topic() != *topic) continue;
    if (t->err() == RdKafka::ERR_UNKNOWN_TOPIC_OR_PART) continue;
    topic_info info;
    info.name = t->topic();
    for (const auto* p : *t->partitions()) {
      partition_info pi;
      pi.id = p->id();
      pi.leader = p->leader();
      if (p->err() != RdKafka::ERR_NO_ERROR) pi.error = RdKafka::err2str(p->err());
      info.partitions.push_back(pi);
    }
    std::sort(info.partitions.begin(), info.partitions.end(),
              [](const partition_info& a, const partition_info& b) { return a.id < b.id; });
    out.push_back(std::move(info));
  }
  std::sort(out.begin(), out.end(), [](const topic_info& a, const topic_info& b) { return a.name < b.name; });
  return out;
}

std::vector<topic_info> admin_client::list_topics() { return metadata(nullptr); }

std::optional<topic_info> admin_client::find_topic(const std::string& name) {
  auto all = metadata(&name);
  if (all.empty()) return std::nullopt;
  return all.front();
}

topic_info admin_client::require_topic(const std::string& name) {
  auto t = find_topic(name);
  if (!t) throw tool_error("topic '" + name + "' does not exist");
  return *t;
}

void admin_client::create_topic(const std::string& name, int partitions, int replication_factor,
                                const std::map<std::string, std::string>& configs) {
  char err[512];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(name.c_str(), partitions, replication_factor, err, sizeof err);
  if (!nt) throw usage_error("topic create '" + name + "': " + err);
  std::unique_ptr<rd_kafka_NewTopic_t, c_deleter<rd_kafka_NewTopic_t, rd_kafka_NewTopic_destroy>> owned(nt);
  for (const auto& [k, v] : configs) {
    if (auto e = rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str()))
      throw usage_error("topic config " + k + ": " + rd_kafka_err2str(e));
  }
  auto ev = run("cannot create topic", [&](rd_kafka_t* rk, rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
    rd_kafka_AdminOptions_set_operation_timeout(o, static_cast<int>(_timeout.count()), err, sizeof err);
    rd_kafka_CreateTopics(rk, &nt, 1, o, q);
  });
  std::size_t n = 0;
  auto* res = rd_kafka_event_CreateTopics_result(static_cast<rd_kafka_event_t*>(ev.get()));
  const auto** topics = rd_kafka_CreateTopics_result_topics(res, &n);
  check_topic_results("cannot create topic", topics, n, _log);
}

void admin_client::delete_topic(const std::string& name) {
  rd_kafka_DeleteTopic_t* dt = rd_kafka_DeleteTopic_new(name.c_str());
  std::unique_ptr<rd_kafka_DeleteTopic_t, c_deleter<rd_kafka_DeleteTopic_t, rd_kafka_DeleteTopic_destroy>> owned(dt);
  auto ev = run("cannot delete topic", [&](rd_kafka_t* rk, rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
    char err[256];
    rd_kafka_AdminOptions_set_operation_timeout(o, static_cast<int>(_timeout.count()), err, sizeof err);
    rd_kafka_DeleteTopics(rk, &dt, 1, o, q);
  });
  std::size_t n = 0;
  auto* res = rd_kafka_event_DeleteTopics_result(static_cast<rd_kafka_event_t*>(ev.get()));
  const auto** topics = rd_kafka_DeleteTopics_result_topics(res, &n);
  check_topic_results("cannot delete topic", topics, n, _log);
}

void admin_client::create_partitions(const std::string& name, int total_partitions) {
  char err[512];
  rd_kafka_NewPartitions_t* np =
      rd_kafka_NewPartitions_new(name.c_str(), static_cast<std::size_t>(total_partitions), err, sizeof err);
  if (!np) throw usage_error("topic alter '" + name + "': " + err);
  std::unique_ptr<rd_kafka_NewPartitions_t, c_deleter<rd_kafka_NewPartitions_t, rd_kafka_NewPartitions_destroy>>
      owned(np);
  auto ev = run("cannot add partitions", [&](rd_kafka_t* rk, rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
    rd_kafka_AdminOptions_set_operation_timeout(o, static_cast<int>(_timeout.count()), err, sizeof err);
    rd_kafka_CreatePartitions(rk, &np, 1, o, q);
  });
  std::size_t n = 0;
  auto* res = rd_kafka_event_CreatePartitions_result(static_cast<rd_kafka_event_t*>(ev.get()));
  const auto** topics = rd_kafka_CreatePartitions_result_topics(res, &n);
  check_topic_results("cannot add partitions to", topics, n, _log);
}

std::vector<config_entry> admin_client::describe_topic_configs(const std::string& name) {
  rd_kafka_ConfigResource_t* cr = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name.c_str());
  std::unique_ptr<rd_kafka_ConfigResource_t,
                  c_deleter<rd_kafka_ConfigResource_t, rd_kafka_ConfigResource_destroy>> owned(cr);
  auto ev = run("cannot describe configs", [&](rd_kafka_t* rk, rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
    rd_kafka_DescribeConfigs(rk, &cr, 1, o, q);
  });
  std::size_t n = 0;
  auto* res = rd_kafka_event_DescribeConfigs_result(static_cast<rd_kafka_event_t*>(ev.get()));
  const auto** resources = rd_kafka_DescribeConfigs_result_resources(res, &n);
  std::vector<config_entry> out;
  for (std::size_t i = 0; i < n; ++i) {
    if (auto e = rd_kafka_ConfigResource_error(resources[i]))
      throw tool_error(failure("cannot describe configs of '" + name + "'", e,
                               rd_kafka_ConfigResource_error_string(resources[i]), _log));
    std::size_t m = 0;
    const auto** entries = rd_kafka_ConfigResource_configs(resources[i], &m);
    for (std::size_t j = 0; j < m; ++j) {
      config_entry c;
      c.name = rd_kafka_ConfigEntry_name(entries[j]);
      if (const char* v = rd_kafka_ConfigEntry_value(entries[j])) c.value = v;
      c.source = rd_kafka_ConfigSource_name(rd_kafka_ConfigEntry_source(entries[j]));
      c.is_default = rd_kafka_ConfigEntry_is_default(entries[j]);
      c.read_only = rd_kafka_ConfigEntry_is_read_only(entries[j]);
      c.sensitive = rd_kafka_ConfigEntry_is_sensitive(entries[j]);
      out.push_back(std::move(c));
    }
  }
  std::sort(out.begin(), out.end(), [](const config_entry& a, const config_entry& b) { return a.name < b.name; });
  return out;
}

void admin_client::alter_topic_configs(const std::string& name, const std::map<std::string, std::string>& changes) {
  std::map<std::string, std::string> full;
  for (const auto& c : describe_topic_configs(name)) {
    if (c.source == "DYNAMIC_TOPIC_CONFIG" && c.value) full[c.name] = *c.value;
  }
  for (const auto& [k, v] : changes) full[k] = v;
  rd_kafka_ConfigResource_t* cr = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name.c_str());
  std::unique_ptr<rd_kafka_ConfigResource_t,
                  c_deleter<rd_kafka_ConfigResource_t, rd_kafka_ConfigResource_destroy>> owned(cr);
  for (const auto& [k, v] : full) {
    if (auto e = rd_kafka_ConfigResource_set_config(cr, k.c_str(), v.c_str()))
      throw usage_error("topic config " + k + ": " + rd_kafka_err2str(e));
  }
  auto ev = run("cannot alter configs", [&](rd_kafka_t* rk, rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
    rd_kafka_AlterConfigs(rk, &cr, 1, o, q);
  });
  std::size_t n = 0;
  auto* res = rd_kafka_event_AlterConfigs_result(static_cast<rd_kafka_event_t*>(ev.get()));
  const auto** resources = rd_kafka_AlterConfigs_result_resources(res, &n);
  for (std::size_t i = 0; i < n; ++i) {
    if (auto e = rd_kafka_ConfigResource_error(resources[i]))
      throw tool_error(failure("cannot alter configs of '" + name + "'", e,
                               rd_kafka_ConfigResource_error_string(resources[i]), _log));
  }
}

watermarks admin_client::query_watermarks(const std::string& topic, std::int32_t partition) {
  watermarks w;
  auto err = _handle->query_watermark_offsets(topic, partition, &w.low, &w.high, static_cast<int>(_timeout.count()));
  if (err != RdKafka::ERR_NO_ERROR) _handle->poll(0);
  if (err != RdKafka::ERR_NO_ERROR)
    throw tool_error(describe_failure("cannot read offsets of " + topic + "/" + std::to_string(partition), err,
                                      &_log));
  return w;
}

std::map<std::int32_t, std::int64_t> admin_client::offsets_for_time(const std::string& topic,
                                                                    const std::vector<std::int32_t>& partitions,
                                                                    std::int64_t ts_ms) {
  std::vector<RdKafka::TopicPartition*> list;
  for (auto p : partitions) list.push_back(RdKafka::TopicPartition::create(topic, p, ts_ms));
  auto err = _handle->offsetsForTimes(list, static_cast<int>(_timeout.count()));
  std::map<std::int32_t, std::int64_t> out;
  std::string first_error;
  for (auto* tp : list) {
    if (tp->err() != RdKafka::ERR_NO_ERROR && first_error.empty()) first_error = RdKafka::err2str(tp->err());
    out[tp->partition()] = tp->offset();
  }
  RdKafka::TopicPartition::destroy(list);
  if (err != RdKafka::ERR_NO_ERROR) throw tool_error(describe_failure("cannot look up offsets by time", err, &_log));
  if (!first_error.empty()) throw tool_error("cannot look up offsets by time: " + first_error);
  return out;
}

std::vector<group_listing> admin_client::list_groups() {
  auto ev = run("cannot list groups", [&](rd_kafka_t* rk, rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
    rd_kafka_ListConsumerGroups(rk, o, q);
  });
  auto* res = rd_kafka_event_ListConsumerGroups_result(static_cast<rd_kafka_event_t*>(ev.get()));
  std::size_t n = 0;
  const auto** errors = rd_kafka_ListConsumerGroups_result_errors(res, &n);
  if (n > 0)
    throw tool_error(failure("cannot list groups", rd_kafka_error_code(errors[0]), rd_kafka_error_string(errors[0]),
                             _log));
  const auto** groups = rd_kafka_ListConsumerGroups_result_valid(res, &n);
  std::vector<group_listing> out;
  for (std::size_t i = 0; i < n; ++i) {
    group_listing g;
    g.group_id = rd_kafka_ConsumerGroupListing_group_id(groups[i]);
    g.state = rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupListing_state(groups[i]));
    g.simple = rd_kafka_ConsumerGroupListing_is_simple_consumer_group(groups[i]);
    out.push_back(std::move(g));
  }
  std::sort(out.begin(), out.end(),
            [](const group_listing& a, const group_listing& b) { return a.group_id < b.group_id; });
  return out;
}

group_description admin_client::describe_group(const std::string& group) {
  const char* name = group.c_str();
  auto ev = run("cannot describe group", [&](rd_kafka_t* rk, rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
    rd_kafka_DescribeConsumerGroups(rk, &name, 1, o, q);
  });
  auto* res = rd_kafka_event_DescribeConsumerGroups_result(static_cast<rd_kafka_event_t*>(ev.get()));
  std::size_t n = 0;
  const auto** groups = rd_kafka_DescribeConsumerGroups_result_groups(res, &n);
  if (n != 1) throw tool_error("cannot describe group '" + group + "': no answer for it");
  const auto* g = groups[0];
  if (const rd_kafka_error_t* e = rd_kafka_ConsumerGroupDescription_error(g))
    throw tool_error(failure("cannot describe group '" + group + "'", rd_kafka_error_code(e),
                             rd_kafka_error_string(e), _log));
  group_description d;
  d.group_id = rd_kafka_ConsumerGroupDescription_group_id(g);
  d.state = rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(g));
  if (const char* a = rd_kafka_ConsumerGroupDescription_partition_assignor(g)) d.assignor = a;
  d.simple = rd_kafka_ConsumerGroupDescription_is_simple_consumer_group(g);
  const std::size_t members = rd_kafka_ConsumerGroupDescription_member_count(g);
  for (std::size_t i = 0; i < members; ++i) {
    const auto* m = rd_kafka_ConsumerGroupDescription_member(g, i);
    group_member gm;
    gm.member_id = rd_kafka_MemberDescription_consumer_id(m);
    gm.client_id = rd_kafka_MemberDescription_client_id(m);
    gm.host = rd_kafka_MemberDescription_host(m);
    if (const char* id = rd_kafka_MemberDescription_group_instance_id(m)) gm.group_instance_id = id;
    const auto* assignment = rd_kafka_MemberDescription_assignment(m);
    if (const auto* parts = rd_kafka_MemberAssignment_partitions(assignment)) {
      for (int j = 0; j < parts->cnt; ++j) gm.assignment.emplace_back(parts->elems[j].topic, parts->elems[j].partition);
    }
    std::sort(gm.assignment.begin(), gm.assignment.end());
    d.members.push_back(std::move(gm));
  }
  return d;
}

std::map<topic_partition, std::int64_t> admin_client::group_offsets(const std::string& group) {
  auto all = group_offsets(group, {});
  if (!all.empty()) return all;
  std::vector<topic_partition> every;
  for (const auto& t : list_topics())
    for (const auto& p : t.partitions) every.emplace_back(t.name, p.id);
  if (every.empty()) return all;
  return group_offsets(group, every);
}

std::map<topic_partition, std::int64_t> admin_client::group_offsets(const std::string& group,
                                                                    const std::vector<topic_partition>& partitions) {
  tpl_ptr wanted;
  if (!partitions.empty()) {
    wanted.reset(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
    for (const auto& [t, p] : partitions) rd_kafka_topic_partition_list_add(wanted.get(), t.c_str(), p);
  }
  rd_kafka_ListConsumerGroupOffsets_t* req = rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), wanted.get());
  std::unique_ptr<rd_kafka_ListConsumerGroupOffsets_t,
                  c_deleter<rd_kafka_ListConsumerGroupOffsets_t, rd_kafka_ListConsumerGroupOffsets_destroy>>
      owned(req);
  auto ev = run("cannot read committed offsets", [&](rd_kafka_t* rk, rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
    rd_kafka_ListConsumerGroupOffsets(rk, &req, 1, o, q);
  });
  auto* res = rd_kafka_event_ListConsumerGroupOffsets_result(static_cast<rd_kafka_event_t*>(ev.get()));
  std::size_t n = 0;
  const auto** groups = rd_kafka_ListConsumerGroupOffsets_result_groups(res, &n);
  check_group_results("cannot read committed offsets of group", groups, n, _log);
  std::map<topic_partition, std::int64_t> out;
  for (std::size_t i = 0; i < n; ++i) {
    const auto* parts = rd_kafka_group_result_partitions(groups[i]);
    if (!parts) continue;
    for (int j = 0; j < parts->cnt; ++j) {
      const auto& p = parts->elems[j];
      if (p.err) throw tool_error(std::string("cannot read committed offset of ") + p.topic + "/" +
                                  std::to_string(p.partition) + ": " + rd_kafka_err2str(p.err));
      if (p.offset >= 0) out[{p.topic, p.partition}] = p.offset;
    }
  }
  return out;
}

void admin_client::alter_group_offsets(const std::string& group,
                                       const std::map<topic_partition, std::int64_t>& offsets) {
  tpl_ptr list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const auto& [tp, off] : offsets) rd_kafka_topic_partition_list_add(list.get(), tp.first.c_str(), tp.second)->offset = off;
  rd_kafka_AlterConsumerGroupOffsets_t* req = rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), list.get());
  std::unique_ptr<rd_kafka_AlterConsumerGroupOffsets_t,
                  c_deleter<rd_kafka_AlterConsumerGroupOffsets_t, rd_kafka_AlterConsumerGroupOffsets_destroy>>
      owned(req);
  auto ev = run("cannot reset offsets", [&](rd_kafka_t* rk, rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
    rd_kafka_AlterConsumerGroupOffsets(rk, &req, 1, o, q);
  });
  auto* res = rd_kafka_event_AlterConsumerGroupOffsets_result(static_cast<rd_kafka_event_t*>(ev.get()));
  std::size_t n = 0;
  const auto** groups = rd_kafka_AlterConsumerGroupOffsets_result_groups(res, &n);
  check_group_results("cannot reset offsets of group", groups, n, _log);
  for (std::size_t i = 0; i < n; ++i) {
    const auto* parts = rd_kafka_group_result_partitions(groups[i]);
    if (!parts) continue;
    for (int j = 0; j < parts->cnt; ++j) {
      if (parts->elems[j].err)
        throw tool_error(std::string("cannot reset offset of ") + parts->elems[j].topic + "/" +
                         std::to_string(parts->elems[j].partition) + ": " + rd_kafka_err2str(parts->elems[j].err));
    }
  }
}

void admin_client::delete_group(const std::string& group) {
  rd_kafka_DeleteGroup_t* dg = rd_kafka_DeleteGroup_new(group.c_str());
  std::unique_ptr<rd_kafka_DeleteGroup_t, c_deleter<rd_kafka_DeleteGroup_t, rd_kafka_DeleteGroup_destroy>> owned(dg);
  auto ev = run("cannot delete group", [&](rd_kafka_t* rk, rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
    rd_kafka_DeleteGroups(rk, &dg, 1, o, q);
  });
  auto* res = rd_kafka_event_DeleteGroups_result(static_cast<rd_kafka_event_t*>(ev.get()));
  std::size_t n = 0;
  const auto** groups = rd_kafka_DeleteGroups_result_groups(res, &n);
  check_group_results("cannot delete group", groups, n, _log);
}

}  // namespace sd::client
