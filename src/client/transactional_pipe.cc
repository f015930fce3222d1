#include "client/transactional_pipe.h"

#include <unistd.h>

#include <csignal>
#include <iostream>
#include <map>
#include <thread>

#include "client/admin.h"
#include "client/exec_runner.h"

namespace sd::client {
namespace {

using steady = std::chrono::steady_clock;
using topic_partition = std::pair<std::string, std::int32_t>;

std::atomic<bool> g_pipe_stop{false};
extern "C" void on_pipe_stop_signal(int) { g_pipe_stop.store(true); }

struct input_record {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;
};

/// Owns an RdKafka::Error and says what kind it is.
struct txn_failure {
  std::string message;
  bool fatal = false;
  bool abortable = false;
  bool retriable = false;
};
std::optional<txn_failure> failure_of(RdKafka::Error* e) {
  if (!e) return std::nullopt;
  txn_failure f{e->str(), e->is_fatal(), e->txn_requires_abort(), e->is_retriable()};
  delete e;
  return f;
}

class pipe_engine : public RdKafka::RebalanceCb {
 public:
  explicit pipe_engine(const consume_options& o) : _o(o) {}
  int run();
  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& partitions) override;

 private:
  void create_clients();
  std::vector<input_record> next_batch();
  /// Runs the command for each record (retrying a failure after backoff up to max_attempts, then writing
  /// the record to the dead-letter topic) and produces its output lines; false if a produce failed (the
  /// transaction must then be aborted).
  bool process(const std::vector<input_record>& batch);
  /// Enqueues one record in the open transaction; false (reported) when librdkafka refuses it.
  bool produce(const std::string& topic, const std::optional<std::string>& key, const std::string& value,
               RdKafka::Headers* headers = nullptr);
  /// Commits the batch's transaction with its offsets; on an abortable error aborts and rewinds the
  /// consumer to the batch's first offsets, so the batch is processed again. Returns false on a fatal error.
  bool commit(const std::vector<input_record>& batch);
  void rewind(const std::vector<input_record>& batch);
  bool reached_end() const;

  const consume_options& _o;
  std::unique_ptr<RdKafka::KafkaConsumer> _consumer;
  std::unique_ptr<RdKafka::Producer> _producer;
  error_log _log, _producer_log;
  std::map<topic_partition, bool> _eof;  // assigned partitions -> at their end
  std::uint64_t _finished = 0;
  bool _rebalanced = false;  // set by rebalance_cb, consumed by next_batch
  std::string _fatal;
};

void pipe_engine::rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                               std::vector<RdKafka::TopicPartition*>& partitions) {
  // Rebalances run inside consume(), which only next_batch() calls: no transaction is open, nothing was
  // produced for the batch being gathered; next_batch() drops it (rebalanced_mid_batch).
  _rebalanced = true;
  const bool cooperative = consumer->rebalance_protocol() == "COOPERATIVE";
  if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
    for (auto* tp : partitions) _eof[{tp->topic(), tp->partition()}] = false;
    if (cooperative) consumer->incremental_assign(partitions);
    else consumer->assign(partitions);
    return;
  }
  for (auto* tp : partitions) _eof.erase({tp->topic(), tp->partition()});
  if (cooperative) consumer->incremental_unassign(partitions);
  else consumer->unassign();
}

void pipe_engine::create_clients() {
  conf_map cdefaults{
      {"group.id", _o.group},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"isolation.level", "read_committed"},
      {"auto.offset.reset", _o.from_beginning ? "earliest" : "latest"},
      {"enable.partition.eof", _o.exit_at_end ? "true" : "false"},
  };
  auto conf = make_conf(_o.conn, cdefaults, &_log);
  std::string err;
  if (conf->set("rebalance_cb", static_cast<RdKafka::RebalanceCb*>(this), err) != RdKafka::Conf::CONF_OK)
    throw tool_error(err);
  _consumer.reset(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!_consumer) throw usage_error("cannot create the consumer: " + err);

  const std::string txn_id =
      _o.transactional_id.empty() ? "streamdown-" + _o.group + "-" + _o.transactional_output : _o.transactional_id;
  auto pconf = make_conf(_o.conn, {{"transactional.id", txn_id}, {"linger.ms", "5"}}, &_producer_log);
  _producer.reset(RdKafka::Producer::create(pconf.get(), err));
  if (!_producer) throw usage_error("cannot create the transactional producer: " + err);
  // Fences an older instance with the same transactional id and aborts its open transaction.
  if (auto f = failure_of(_producer->init_transactions(static_cast<int>(timeout_of(_o.conn).count()))))
    throw tool_error("cannot start transactions (transactional.id " + txn_id + "): " + f->message);
  if (auto e = _consumer->subscribe(_o.topics); e != RdKafka::ERR_NO_ERROR)
    throw tool_error(describe_failure("cannot subscribe", e, &_log));
}

std::vector<input_record> pipe_engine::next_batch() {
  std::vector<input_record> batch;
  const auto deadline = steady::now() + std::chrono::milliseconds(100);
  while (batch.size() < _o.transaction_records && !g_pipe_stop.load()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now()).count();
    if (left <= 0) break;
    std::unique_ptr<RdKafka::Message> m(_consumer->consume(static_cast<int>(left)));
    if (_rebalanced) {
      // The assignment changed under the batch: drop it. An eager rebalance restarts every partition at its
      // committed offset; a cooperative one keeps the partitions it did not move, so those are rewound to
      // their first record of the batch (revoked ones belong to their new owner now).
      _rebalanced = false;
      if (_consumer->rebalance_protocol() == "COOPERATIVE") {
        std::vector<input_record> kept;
        for (auto& r : batch)
          if (_eof.count({r.topic, r.partition})) kept.push_back(std::move(r));
        rewind(kept);
      }
      batch.clear();
      // A message returned by the same consume() comes from the new assignment (librdkafka drops what it had
      // fetched for revoked partitions): it starts the new batch.
    }
    if (!m) continue;
    switch (m->err()) {
      case RdKafka::ERR_NO_ERROR: break;
      case RdKafka::ERR__TIMED_OUT: continue;
      case RdKafka::ERR__PARTITION_EOF:
        if (auto it = _eof.find({m->topic_name(), m->partition()}); it != _eof.end()) it->second = true;
        continue;
      case RdKafka::ERR_UNKNOWN_TOPIC_OR_PART:
      case RdKafka::ERR__UNKNOWN_TOPIC:
      case RdKafka::ERR_TOPIC_AUTHORIZATION_FAILED:
      case RdKafka::ERR_GROUP_AUTHORIZATION_FAILED:
        _fatal = "consumer error: " + m->errstr();
        return {};
      default:
        std::cerr << "streamdown consume: " << m->errstr() << "\n";
        continue;
    }
    input_record r;
    r.topic = m->topic_name();
    r.partition = m->partition();
    r.offset = m->offset();
    if (m->key()) r.key = *m->key();
    if (m->payload()) r.value = std::string(static_cast<const char*>(m->payload()), m->len());
    if (auto it = _eof.find({r.topic, r.partition}); it != _eof.end()) it->second = false;
    batch.push_back(std::move(r));
    if (_o.count > 0 && _finished + batch.size() >= _o.count) break;
  }
  return batch;
}

bool pipe_engine::produce(const std::string& topic, const std::optional<std::string>& key, const std::string& value,
                          RdKafka::Headers* headers) {
  for (;;) {
    auto e = _producer->produce(topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                                const_cast<char*>(value.data()), value.size(), key ? key->data() : nullptr,
                                key ? key->size() : 0, 0, headers, nullptr);
    if (e == RdKafka::ERR_NO_ERROR) return true;
    if (e != RdKafka::ERR__QUEUE_FULL) {
      // ERR__STATE: the transaction hit an abortable error; the caller aborts and re-reads the batch.
      delete headers;  // not taken over on failure
      std::cerr << "streamdown consume: cannot produce to " << topic << ": " << RdKafka::err2str(e) << "\n";
      return false;
    }
    _producer->poll(10);
  }
}

bool pipe_engine::process(const std::vector<input_record>& batch) {
  for (const auto& r : batch) {
    std::string out, last_error;
    bool ok = false;
    for (int attempt = 1; attempt <= _o.max_attempts && !ok; ++attempt) {
      if (attempt > 1) std::this_thread::sleep_for(_o.backoff.delay_after(attempt - 1));
      out.clear();
      exec_request req{*_o.exec, r.key, r.value, r.topic, r.partition, r.offset, &out};
      auto res = run_exec(req);
      ok = res.ok;
      if (!ok) last_error = res.error;
    }
    if (ok) {
      // One output record per line, keyed like the input (the same key reaches the same output partition).
      std::size_t start = 0;
      while (start < out.size()) {
        auto nl = out.find('\n', start);
        const auto end = nl == std::string::npos ? out.size() : nl;
        if (!produce(_o.transactional_output, r.key, out.substr(start, end - start))) return false;
        start = end + 1;
      }
      continue;
    }
    // Still failing: the record goes to the dead-letter topic, in the same transaction.
    auto* h = RdKafka::Headers::create();
    h->add("streamdown.source.topic", r.topic);
    h->add("streamdown.source.partition", std::to_string(r.partition));
    h->add("streamdown.source.offset", std::to_string(r.offset));
    h->add("streamdown.error", last_error);
    h->add("streamdown.attempts", std::to_string(_o.max_attempts));
    if (!produce(_o.dlq_topic.empty() ? r.topic + ".dlq" : _o.dlq_topic, r.key, r.value.value_or(""), h))
      return false;
  }
  return true;
}

void pipe_engine::rewind(const std::vector<input_record>& batch) {
  std::map<topic_partition, std::int64_t> first;
  for (const auto& r : batch) first.emplace(topic_partition{r.topic, r.partition}, r.offset);
  for (const auto& [tp, off] : first) {
    std::unique_ptr<RdKafka::TopicPartition> p(RdKafka::TopicPartition::create(tp.first, tp.second, off));
    // Seeking a partition that was revoked meanwhile fails harmlessly: its next owner reads from the commit.
    _consumer->seek(*p, 5000);
  }
}

bool pipe_engine::commit(const std::vector<input_record>& batch) {
  std::map<topic_partition, std::int64_t> next;
  for (const auto& r : batch) next[{r.topic, r.partition}] = r.offset + 1;
  std::vector<RdKafka::TopicPartition*> offsets;
  for (const auto& [tp, off] : next) offsets.push_back(RdKafka::TopicPartition::create(tp.first, tp.second, off));
  std::unique_ptr<RdKafka::ConsumerGroupMetadata> md(_consumer->groupMetadata());
  const int timeout = static_cast<int>(timeout_of(_o.conn).count());
  auto failed = failure_of(_producer->send_offsets_to_transaction(offsets, md.get(), timeout));
  RdKafka::TopicPartition::destroy(offsets);
  for (int attempt = 0; !failed && attempt < 10; ++attempt) {
    failed = failure_of(_producer->commit_transaction(timeout));
    if (!failed) return true;
    if (failed->retriable && !failed->abortable && !failed->fatal) failed.reset();  // retry the commit
  }
  if (!failed) return true;
  if (failed->fatal) {
    _fatal = "transaction failed: " + failed->message;
    return false;
  }
  std::cerr << "streamdown consume: transaction aborted (" << failed->message << "); processing the batch again\n";
  if (auto f = failure_of(_producer->abort_transaction(timeout)); f && f->fatal) {
    _fatal = "cannot abort the transaction: " + f->message;
    return false;
  }
  rewind(batch);
  return true;
}

bool pipe_engine::reached_end() const {
  if (_eof.empty()) return false;
  for (const auto& [tp, at_end] : _eof)
    if (!at_end) return false;
  return true;
}

int pipe_engine::run() {
  g_pipe_stop.store(false);
  std::signal(SIGINT, on_pipe_stop_signal);
  std::signal(SIGTERM, on_pipe_stop_signal);
  std::signal(SIGPIPE, SIG_IGN);
  {
    admin_client admin(_o.conn);
    auto out = admin.require_topic(_o.transactional_output);
    (void)out;
    for (const auto& t : _o.topics) {
      auto info = admin.require_topic(t);
      const auto dlq = _o.dlq_topic.empty() ? t + ".dlq" : _o.dlq_topic;
      if (admin.find_topic(dlq)) continue;
      try {
        admin.create_topic(dlq, static_cast<int>(info.partitions.size()), 1, {});
      } catch (const tool_error&) {
        if (!admin.find_topic(dlq)) throw;
      }
    }
  }
  create_clients();
  while (!g_pipe_stop.load() && _fatal.empty()) {
    auto batch = next_batch();
    if (!_fatal.empty()) break;
    if (batch.empty()) {
      if (_o.exit_at_end && reached_end()) break;
      if (_o.count > 0 && _finished >= _o.count) break;
      continue;
    }
    if (auto f = failure_of(_producer->begin_transaction())) {
      _fatal = "cannot begin a transaction: " + f->message;
      break;
    }
    if (!process(batch)) {
      // A produce failed (the transaction needs an abort): abort, re-read the batch.
      const int timeout = static_cast<int>(timeout_of(_o.conn).count());
      if (auto f = failure_of(_producer->abort_transaction(timeout)); f && f->fatal) {
        _fatal = "cannot abort the transaction: " + f->message;
        break;
      }
      rewind(batch);
      continue;
    }
    if (!commit(batch)) break;
    _finished += batch.size();
    if (_o.count > 0 && _finished >= _o.count) break;
  }
  _consumer->close();
  if (!_fatal.empty()) {
    std::cerr << "streamdown consume: " << _fatal << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

int run_transactional_pipe(const consume_options& o) {
  if (!o.exec) throw usage_error("--transactional-output needs --exec");
  if (o.group.empty()) throw usage_error("--transactional-output needs a group (-g)");
  if (!o.retry_delays.empty()) throw usage_error("--retry-delays cannot be combined with --transactional-output");
  if (o.transaction_records < 1) throw usage_error("--transaction-records must be at least 1");
  pipe_engine e(o);
  return e.run();
}

}  // namespace sd::client
