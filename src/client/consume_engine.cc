#include "client/consume_engine.h"

#include "record_json/record_json.h"

#include <algorithm>
#include <atomic>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <map>
#include <set>
#include <memory>
#include <queue>
#include <unordered_map>

#include "client/admin.h"
#include "client/key_scheduler.h"
#include "client/partitioner.h"
#include "client/record_reader.h"
#include "client/transactional_pipe.h"
#include "client/worker_pool.h"

namespace sd::client {

namespace {

using steady = std::chrono::steady_clock;
using topic_partition = std::pair<std::string, std::int32_t>;

std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) { g_stop.store(true); }

constexpr const char* h_source_topic = "streamdown.source.topic";
constexpr const char* h_source_partition = "streamdown.source.partition";
constexpr const char* h_source_offset = "streamdown.source.offset";
constexpr const char* h_error = "streamdown.error";
constexpr const char* h_attempts = "streamdown.attempts";

struct record_item {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::int64_t timestamp_ms = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;
  header_list headers;
  std::string base_topic;  // the source topic (differs from `topic` for retry topics)
  int stage = 0;           // 0: source topic; i >= 1: retry topic i
  int attempts = 0;        // attempts at this stage
  int prior_attempts = 0;  // attempts at earlier stages (streamdown.attempts header)
  std::string last_error;
  steady::time_point not_before{};
};

struct partition_state {
  key_scheduler scheduler;
  offset_tracker tracker;
  bool eof = false;
  std::optional<std::int64_t> committed;  // last offset sent in a commit
};

std::optional<std::string> header_value(const header_list& h, const std::string& name) {
  for (auto it = h.rbegin(); it != h.rend(); ++it)
    if (it->first == name) return it->second;
  return std::nullopt;
}

class engine : public RdKafka::RebalanceCb, public RdKafka::DeliveryReportCb {
 public:
  explicit engine(const consume_options& o) : _o(o) {}
  int run();

  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& partitions) override;
  void dr_cb(RdKafka::Message& m) override;

 private:
  bool exec_mode() const { return _o.exec.has_value(); }
  bool group_mode() const { return !_o.group.empty(); }
  std::string dlq_of(const std::string& base) const { return _o.dlq_topic.empty() ? base + ".dlq" : _o.dlq_topic; }
  std::string retry_topic(const std::string& base, int stage) const {
    return base + ".retry." + _o.retry_delays[static_cast<std::size_t>(stage - 1)];
  }
  void prepare_topics(admin_client& admin);
  void create_clients(admin_client& admin);
  void on_message(RdKafka::Message& m);
  void dispatch();
  void start(std::uint64_t id, record_item& item);
  void handle_results();
  void fire_timers();
  void failed(std::uint64_t id, record_item& item, const std::string& error);
  void escalate(std::uint64_t id, record_item& item);
  void finish(std::uint64_t id);
  void output(const record_item& item);
  void commit(bool sync, const std::vector<topic_partition>* only = nullptr);
  void update_pause();
  bool reached_end() const;
  int shut_down(int code);

  const consume_options& _o;
  std::unique_ptr<RdKafka::KafkaConsumer> _consumer;
  std::unique_ptr<RdKafka::Producer> _producer;  // exec mode: dead-letter and retry writes
  std::unique_ptr<worker_pool> _pool;
  error_log _log;
  error_log _producer_log;

  std::map<topic_partition, partition_state> _parts;
  std::unordered_map<std::uint64_t, record_item> _items;
  std::uint64_t _next_id = 1;
  std::map<std::string, std::pair<std::string, int>> _retry_stage_of;  // retry topic -> {base, stage}
  std::set<std::string> _broker_delayed;  // retry topics whose broker delays delivery (prepare_topics)
  static constexpr std::string_view delay_key = "streamdown.delivery.delay.ms";
  std::vector<std::chrono::milliseconds> _delays;
  using timer = std::pair<steady::time_point, std::uint64_t>;
  std::priority_queue<timer, std::vector<timer>, std::greater<>> _timers;
  bool _paused = false;
  bool _assigned = false;
  std::uint64_t _received = 0;
  std::uint64_t _finished = 0;
  std::string _fatal;
  steady::time_point _next_commit{};
};

void engine::prepare_topics(admin_client& admin) {
  for (const auto& t : _o.topics) {
    auto info = admin.require_topic(t);
    if (!exec_mode()) continue;
    const int parts = static_cast<int>(info.partitions.size());
    // Retry topics delay delivery on the broker (streamdown.delivery.delay.ms): their records reach this
    // consumer only once due, so nothing waits here. A broker without that key (Kafka) gets plain topics,
    // and the engine then holds each retried record until it is due (record_item::not_before).
    for (std::size_t i = 0; i < _delays.size(); ++i) {
      const auto name = retry_topic(t, int(i) + 1);
      const std::map<std::string, std::string> delayed{{std::string(delay_key), std::to_string(_delays[i].count())}};
      if (!admin.find_topic(name)) {
        try {
          admin.create_topic(name, parts, 1, delayed);
        } catch (const tool_error&) {
          try {
            if (!admin.find_topic(name)) admin.create_topic(name, parts, 1, {});
          } catch (const tool_error&) {
            if (!admin.find_topic(name)) throw;  // lost a race with another consumer: fine if it exists now
          }
        }
      }
      try {
        for (const auto& c : admin.describe_topic_configs(name))
          if (c.name == delay_key && c.value && *c.value == delayed.begin()->second) _broker_delayed.insert(name);
        if (!_broker_delayed.contains(name)) {  // made before delays existed (or by hand): set the delay
          admin.alter_topic_configs(name, delayed);
          _broker_delayed.insert(name);
        }
      } catch (const tool_error&) {
      }
    }
    const auto dlq = dlq_of(t);
    if (!admin.find_topic(dlq)) {
      try {
        admin.create_topic(dlq, parts, 1, {});
      } catch (const tool_error&) {
        if (!admin.find_topic(dlq)) throw;
      }
    }
  }
}

void engine::create_clients(admin_client& admin) {
  conf_map defaults{
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", _o.from_beginning ? "earliest" : "latest"},
      {"enable.partition.eof", _o.exit_at_end ? "true" : "false"},
  };
  // librdkafka's KafkaConsumer needs a group.id even for assign(); without -g it is never joined or committed.
  defaults["group.id"] = group_mode() ? _o.group : "streamdown-consume-" + std::to_string(::getpid());
  auto conf = make_conf(_o.conn, defaults, &_log);
  std::string err;
  if (group_mode() && conf->set("rebalance_cb", static_cast<RdKafka::RebalanceCb*>(this), err) != RdKafka::Conf::CONF_OK)
    throw tool_error(err);
  _consumer.reset(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!_consumer) throw usage_error("cannot create the consumer: " + err);

  if (exec_mode()) {
    auto pconf = make_conf(_o.conn, {{"acks", "all"}, {"enable.idempotence", "true"}, {"linger.ms", "5"}},
                           &_producer_log);
    install_murmur2_partitioner(*pconf);
    if (pconf->set("dr_cb", static_cast<RdKafka::DeliveryReportCb*>(this), err) != RdKafka::Conf::CONF_OK)
      throw tool_error(err);
    _producer.reset(RdKafka::Producer::create(pconf.get(), err));
    if (!_producer) throw usage_error("cannot create the dead-letter producer: " + err);
    _pool = std::make_unique<worker_pool>(_o.parallel);
  }

  if (group_mode()) {
    std::vector<std::string> subscription = _o.topics;
    for (const auto& [name, stage] : _retry_stage_of) subscription.push_back(name);
    if (auto e = _consumer->subscribe(subscription); e != RdKafka::ERR_NO_ERROR)
      throw tool_error(describe_failure("cannot subscribe", e, &_log));
    return;
  }
  // Fixed partitions and offsets, no group.
  std::vector<RdKafka::TopicPartition*> assignment;
  for (const auto& t : _o.topics) {
    auto info = admin.require_topic(t);
    std::vector<std::int32_t> parts = _o.partitions;
    if (parts.empty())
      for (const auto& p : info.partitions) parts.push_back(p.id);
    std::string spec = _o.offset_spec.empty() ? (_o.from_beginning ? "beginning" : "end") : _o.offset_spec;
    std::map<std::int32_t, std::int64_t> by_time;
    if (!spec.empty() && spec[0] == '@') {
      std::int64_t ts = 0;
      try {
        ts = std::stoll(spec.substr(1));
      } catch (const std::exception&) {
        throw usage_error("--offset '" + spec + "': expected beginning, end, N or @TIMESTAMP_MS");
      }
      by_time = admin.offsets_for_time(t, parts, ts);
    }
    for (auto p : parts) {
      if (p < 0 || p >= static_cast<std::int32_t>(info.partitions.size()))
        throw usage_error("topic '" + t + "' has no partition " + std::to_string(p));
      std::int64_t off = RdKafka::Topic::OFFSET_END;
      if (spec == "beginning") off = RdKafka::Topic::OFFSET_BEGINNING;
      else if (spec == "end") off = RdKafka::Topic::OFFSET_END;
      else if (spec[0] == '@') off = by_time[p] < 0 ? RdKafka::Topic::OFFSET_END : by_time[p];
      else {
        try {
          off = std::stoll(spec);
        } catch (const std::exception&) {
          throw usage_error("--offset '" + spec + "': expected beginning, end, N or @TIMESTAMP_MS");
        }
        if (off < 0) throw usage_error("--offset must not be negative");
      }
      assignment.push_back(RdKafka::TopicPartition::create(t, p, off));
      _parts[{t, p}];
    }
  }
  auto e = _consumer->assign(assignment);
  RdKafka::TopicPartition::destroy(assignment);
  if (e != RdKafka::ERR_NO_ERROR) throw tool_error(describe_failure("cannot assign partitions", e, &_log));
  _assigned = true;
}

void engine::rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                          std::vector<RdKafka::TopicPartition*>& partitions) {
  const bool cooperative = consumer->rebalance_protocol() == "COOPERATIVE";
  if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
    for (auto* tp : partitions) _parts[{tp->topic(), tp->partition()}];
    if (cooperative) consumer->incremental_assign(partitions);
    else consumer->assign(partitions);
    if (_paused) consumer->pause(partitions);
    _assigned = true;
    return;
  }
  // Revoked (or lost): commit what finished, drop the rest (redelivered to the next owner).
  std::vector<topic_partition> revoked;
  for (auto* tp : partitions) revoked.emplace_back(tp->topic(), tp->partition());
  if (err == RdKafka::ERR__REVOKE_PARTITIONS) commit(true, &revoked);
  for (const auto& tp : revoked) _parts.erase(tp);
  for (auto it = _items.begin(); it != _items.end();) {
    if (_parts.count({it->second.topic, it->second.partition}) == 0) it = _items.erase(it);
    else ++it;
  }
  if (cooperative) consumer->incremental_unassign(partitions);
  else consumer->unassign();
}

void engine::on_message(RdKafka::Message& m) {
  switch (m.err()) {
    case RdKafka::ERR_NO_ERROR: break;
    case RdKafka::ERR__TIMED_OUT: return;
    case RdKafka::ERR__PARTITION_EOF:
      if (auto it = _parts.find({m.topic_name(), m.partition()}); it != _parts.end()) it->second.eof = true;
      return;
    case RdKafka::ERR_UNKNOWN_TOPIC_OR_PART:
    case RdKafka::ERR__UNKNOWN_TOPIC:
    case RdKafka::ERR_TOPIC_AUTHORIZATION_FAILED:
    case RdKafka::ERR_GROUP_AUTHORIZATION_FAILED:
      _fatal = "consumer error: " + m.errstr();
      return;
    default:
      std::cerr << "streamdown consume: " << m.errstr() << "\n";
      return;
  }
  const topic_partition tp{m.topic_name(), m.partition()};
  auto pit = _parts.find(tp);
  if (pit == _parts.end()) return;  // not (or no longer) ours
  auto& part = pit->second;
  part.eof = false;
  if (auto h = part.tracker.highest(); h && m.offset() <= *h) return;  // already received (re-fetch)
  if (_o.count > 0 && _received >= _o.count) return;  // past --count: left for the next run
  record_item item;
  item.topic = tp.first;
  item.partition = tp.second;
  item.offset = m.offset();
  item.timestamp_ms = m.timestamp().timestamp;
  if (m.key()) item.key = *m.key();
  if (m.payload()) item.value.emplace(static_cast<const char*>(m.payload()), m.len());
  if (const auto* hs = m.headers()) {
    for (const auto& h : hs->get_all())
      item.headers.emplace_back(h.key(), h.value() ? std::string(h.value_string(), h.value_size()) : std::string());
  }
  item.base_topic = item.topic;
  if (auto r = _retry_stage_of.find(item.topic); r != _retry_stage_of.end()) {
    item.base_topic = r->second.first;
    item.stage = r->second.second;
    if (auto a = header_value(item.headers, h_attempts)) item.prior_attempts = std::atoi(a->c_str());
    if (!_broker_delayed.contains(item.topic)) {  // the broker did not hold it back: hold it here
      const auto due_ms = item.timestamp_ms + _delays[static_cast<std::size_t>(item.stage - 1)].count();
      const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch()).count();
      item.not_before = steady::now() + std::chrono::milliseconds(std::max<std::int64_t>(0, due_ms - now_ms));
    }
  }
  const auto id = _next_id++;
  ++_received;
  part.tracker.received(item.offset);
  part.scheduler.submit(id, item.key);
  _items.emplace(id, std::move(item));
}

void engine::dispatch() {
  const auto now = steady::now();
  for (auto& [tp, part] : _parts) {
    while (auto id = part.scheduler.ready()) {
      auto it = _items.find(*id);
      if (it == _items.end()) continue;
      if (it->second.not_before > now) _timers.emplace(it->second.not_before, *id);
      else start(*id, it->second);
    }
  }
}

void engine::start(std::uint64_t id, record_item& item) {
  if (!exec_mode()) {
    output(item);
    finish(id);
    return;
  }
  exec_job job;
  job.id = id;
  job.request = {*_o.exec, item.key, item.value, item.topic, item.partition, item.offset};
  _pool->submit(std::move(job));
}

void engine::fire_timers() {
  const auto now = steady::now();
  while (!_timers.empty() && _timers.top().first <= now) {
    const auto id = _timers.top().second;
    _timers.pop();
    if (auto it = _items.find(id); it != _items.end()) start(id, it->second);
  }
}

void engine::handle_results() {
  if (!_pool) return;
  for (auto& r : _pool->drain()) {
    auto it = _items.find(r.id);
    if (it == _items.end()) continue;  // its partition was revoked meanwhile
    if (r.outcome.ok) finish(r.id);
    else failed(r.id, it->second, r.outcome.error);
  }
}

void engine::failed(std::uint64_t id, record_item& item, const std::string& error) {
  ++item.attempts;
  item.last_error = error;
  if (item.attempts < _o.max_attempts && !g_stop.load()) {
    _timers.emplace(steady::now() + _o.backoff.delay_after(item.attempts), id);  // stays its lane's head
    return;
  }
  if (g_stop.load() && item.attempts < _o.max_attempts) return;  // left unfinished: redelivered after restart
  escalate(id, item);
}

void engine::escalate(std::uint64_t id, record_item& item) {
  const int next = item.stage + 1;
  const bool to_retry = next <= static_cast<int>(_o.retry_delays.size());
  const std::string target = to_retry ? retry_topic(item.base_topic, next) : dlq_of(item.base_topic);
  header_list out;
  for (const auto& h : item.headers)
    if (h.first != h_error && h.first != h_attempts) out.push_back(h);
  if (!header_value(item.headers, h_source_topic)) {
    out.emplace_back(h_source_topic, item.topic);
    out.emplace_back(h_source_partition, std::to_string(item.partition));
    out.emplace_back(h_source_offset, std::to_string(item.offset));
  }
  out.emplace_back(h_error, item.last_error);
  out.emplace_back(h_attempts, std::to_string(item.prior_attempts + item.attempts));
  auto* headers = RdKafka::Headers::create();
  for (const auto& [k, v] : out) headers->add(k, v.data(), v.size());
  while (true) {
    auto e = _producer->produce(target, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                                item.value ? const_cast<char*>(item.value->data()) : nullptr,
                                item.value ? item.value->size() : 0, item.key ? item.key->data() : nullptr,
                                item.key ? item.key->size() : 0, 0, headers,
                                reinterpret_cast<void*>(static_cast<std::uintptr_t>(id)));
    if (e == RdKafka::ERR_NO_ERROR) return;  // finished when the write is acknowledged (dr_cb)
    if (e != RdKafka::ERR__QUEUE_FULL) {
      delete headers;
      _fatal = "cannot write to " + target + ": " + RdKafka::err2str(e);
      return;
    }
    _producer->poll(50);
  }
}

void engine::dr_cb(RdKafka::Message& m) {
  const auto id = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(m.msg_opaque()));
  if (m.err() != RdKafka::ERR_NO_ERROR) {
    if (_fatal.empty()) _fatal = "write to " + m.topic_name() + " not acknowledged: " + m.errstr();
    return;
  }
  if (_items.count(id) == 0) return;
  // A retry topic partition we also consume is no longer at its end, unless we already read this record.
  if (auto it = _parts.find({m.topic_name(), m.partition()}); it != _parts.end()) {
    auto h = it->second.tracker.highest();
    if (!h || *h < m.offset()) it->second.eof = false;
  }
  finish(id);
}

void engine::finish(std::uint64_t id) {
  auto it = _items.find(id);
  if (it == _items.end()) return;
  auto pit = _parts.find({it->second.topic, it->second.partition});
  if (pit != _parts.end()) {
    pit->second.scheduler.complete(id);
    pit->second.tracker.finished(it->second.offset);
  }
  _items.erase(it);
  ++_finished;
}

void engine::output(const record_item& item) {
  std::string line;
  switch (_o.format) {
    case output_format::value: line = item.value.value_or(""); break;
    case output_format::key_value: line = item.key.value_or("") + _o.key_separator + item.value.value_or(""); break;
    case output_format::json:  // the shared record shape (record_json/record_json.h)
      line = record_json::to_json_line({item.topic, item.partition, item.offset, item.timestamp_ms, item.key,
                                        item.value, item.headers});
      break;
  }
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stdout);
}

void engine::commit(bool sync, const std::vector<topic_partition>* only) {
  std::fflush(stdout);  // printed records count as processed only once they left the process
  if (!group_mode()) return;
  std::vector<RdKafka::TopicPartition*> list;
  for (auto& [tp, part] : _parts) {
    if (only && std::find(only->begin(), only->end(), tp) == only->end()) continue;
    auto c = part.tracker.committable();
    if (!c || (!sync && part.committed == c)) continue;
    list.push_back(RdKafka::TopicPartition::create(tp.first, tp.second, *c));
    part.committed = c;
  }
  if (list.empty()) return;
  auto e = sync ? _consumer->commitSync(list) : _consumer->commitAsync(list);
  std::string part_error;
  if (sync)
    for (auto* tp : list)
      if (tp->err() != RdKafka::ERR_NO_ERROR && part_error.empty())
        part_error = tp->topic() + "/" + std::to_string(tp->partition()) + ": " + RdKafka::err2str(tp->err());
  RdKafka::TopicPartition::destroy(list);
  if (sync && e != RdKafka::ERR_NO_ERROR && _fatal.empty())
    _fatal = describe_failure("commit failed", e, &_log) + (part_error.empty() ? "" : " (" + part_error + ")");
}

void engine::update_pause() {
  const std::size_t in_flight = _items.size();
  const bool pause = !_paused && in_flight >= _o.max_in_flight;
  const bool resume = _paused && in_flight <= _o.max_in_flight / 2;
  if (!pause && !resume) return;
  std::vector<RdKafka::TopicPartition*> assignment;
  _consumer->assignment(assignment);
  if (pause) _consumer->pause(assignment);
  else _consumer->resume(assignment);
  RdKafka::TopicPartition::destroy(assignment);
  _paused = pause;
}

bool engine::reached_end() const {
  if (!_assigned || _parts.empty() || !_items.empty()) return false;
  for (const auto& [tp, part] : _parts)
    if (!part.eof) return false;
  return true;
}

int engine::shut_down(int code) {
  if (_pool) _pool->cancel_queued_and_wait();
  handle_results();
  if (_producer) {
    const auto deadline = steady::now() + timeout_of(_o.conn) + std::chrono::seconds(5);
    while (_producer->outq_len() > 0 && steady::now() < deadline) _producer->poll(100);
  }
  // Safe even after a failure: only finished records are below a committable offset.
  commit(true);
  if (!_fatal.empty()) {
    std::cerr << "streamdown consume: " << _fatal << "\n";
    code = 1;
  }
  _consumer->close();
  return code;
}

int engine::run() {
  for (const auto& d : _o.retry_delays) {
    auto ms = parse_duration(d);
    if (!ms || ms->count() <= 0) throw usage_error("--retry-delays '" + d + "': " + (ms ? "must be positive" : ms.error().message()));
    _delays.push_back(*ms);
  }
  if (!_delays.empty() && !group_mode()) throw usage_error("--retry-delays needs a group (-g)");
  for (const auto& t : _o.topics)
    for (std::size_t i = 0; i < _delays.size(); ++i) _retry_stage_of[retry_topic(t, int(i) + 1)] = {t, int(i) + 1};
  g_stop.store(false);
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  std::signal(SIGPIPE, SIG_IGN);  // a command that does not read its stdin must not kill the tool
  {
    admin_client admin(_o.conn);
    prepare_topics(admin);
    create_clients(admin);
  }
  const auto assign_deadline = steady::now() + timeout_of(_o.conn);
  bool warned = false;
  while (!g_stop.load()) {
    if (group_mode() && !_assigned && !warned && steady::now() > assign_deadline) {
      std::cerr << "streamdown consume: no partitions assigned to group '" << _o.group << "' after "
                << _o.conn.timeout << " (does the broker support consumer groups? still waiting)\n";
      warned = true;
    }
    update_pause();
    const bool busy = !_items.empty();
    // Every message taken from librdkafka is handled: stop taking (not handling) at the batch or the bound.
    std::unique_ptr<RdKafka::Message> m(_consumer->consume(busy ? 10 : 100));
    for (int taken = 1; m; ++taken) {
      on_message(*m);
      if (m->err() != RdKafka::ERR_NO_ERROR || taken >= 500) break;
      // At the bound, pause now: pausing drops what librdkafka already fetched for those partitions (it is
      // fetched again from the consumed position after resume), so nothing beyond the bound is handed out.
      if (_items.size() >= _o.max_in_flight) {
        update_pause();
        break;
      }
      m.reset(_consumer->consume(0));
    }
    if (_producer) _producer->poll(0);
    handle_results();
    fire_timers();
    dispatch();
    if (!_fatal.empty()) return shut_down(1);
    if (steady::now() >= _next_commit) {
      commit(false);
      _next_commit = steady::now() + std::chrono::milliseconds(200);
    }
    if (_o.count > 0 && _finished >= _o.count) break;
    if (_o.exit_at_end && reached_end()) break;
  }
  return shut_down(0);
}

}  // namespace

int run_consume(const consume_options& o) {
  if (o.max_attempts < 1) throw usage_error("--max-attempts must be at least 1");
  if (o.parallel < 1) throw usage_error("--parallel must be at least 1");
  if (o.max_in_flight < 1) throw usage_error("--max-in-flight must be at least 1");
  if (!o.exec && (!o.retry_delays.empty() || !o.dlq_topic.empty()))
    throw usage_error("--dlq-topic and --retry-delays need --exec");
  if (!o.transactional_output.empty()) return run_transactional_pipe(o);
  engine e(o);
  return e.run();
}

}  // namespace sd::client
