#include "txn_support.h"

#include "support/process.h"
#include "support/test_env.h"

namespace sd::itest {

txn_error to_txn_error(RdKafka::Error* e) {
  txn_error out;
  if (!e) return out;
  out.code = e->code();
  out.fatal = e->is_fatal();
  out.abortable = e->txn_requires_abort();
  out.message = e->str();
  delete e;
  return out;
}

namespace {
void check(RdKafka::Error* e, const char* what) {
  auto err = to_txn_error(e);
  if (err.code != RdKafka::ERR_NO_ERROR)
    throw harness_error(std::string(what) + ": " + RdKafka::err2str(err.code) + ": " + err.message);
}
}  // namespace

txn_producer::txn_producer(const std::string& bootstrap, const std::string& transactional_id,
                           const conf_map& overrides) {
  conf_map values = client_defaults(bootstrap);
  values["transactional.id"] = transactional_id;
  values["message.timeout.ms"] = "60000";
  values["transaction.timeout.ms"] = "60000";
  for (auto& [k, v] : overrides) values[k] = v;
  if (std::stoll(values["message.timeout.ms"]) > std::stoll(values["transaction.timeout.ms"]))
    values["message.timeout.ms"] = values["transaction.timeout.ms"];
  auto conf = make_conf(values);
  std::string err;
  if (conf->set("dr_cb", &_cb, err) != RdKafka::Conf::CONF_OK) throw harness_error(err);
  _p.reset(RdKafka::Producer::create(conf.get(), err));
  if (!_p) throw harness_error("cannot create transactional producer: " + err);
  check(_p->init_transactions(30000), "init_transactions");
}

txn_producer::~txn_producer() {
  if (_p) _p->flush(2000);
}

void txn_producer::begin() { check(_p->begin_transaction(), "begin_transaction"); }

void txn_producer::produce(const std::string& topic, std::int32_t partition, const std::optional<std::string>& key,
                           const std::string& value) {
  for (int attempt = 0;; ++attempt) {
    auto e = _p->produce(topic, partition, RdKafka::Producer::RK_MSG_COPY, const_cast<char*>(value.data()),
                         value.size(), key ? key->data() : nullptr, key ? key->size() : 0, 0, nullptr);
    if (e == RdKafka::ERR_NO_ERROR) return;
    if (e != RdKafka::ERR__QUEUE_FULL || attempt > 1000) throw harness_error("produce: " + RdKafka::err2str(e));
    _p->poll(10);
  }
}

void txn_producer::flush() { _p->flush(30000); }

void txn_producer::commit() { check(_p->commit_transaction(30000), "commit_transaction"); }
void txn_producer::abort() { check(_p->abort_transaction(30000), "abort_transaction"); }
txn_error txn_producer::try_commit() { return to_txn_error(_p->commit_transaction(30000)); }
txn_error txn_producer::try_abort() { return to_txn_error(_p->abort_transaction(30000)); }

void txn_producer::send_offsets(RdKafka::KafkaConsumer& consumer, const std::string& topic, std::int32_t partition,
                                std::int64_t next_offset) {
  std::vector<RdKafka::TopicPartition*> offsets{RdKafka::TopicPartition::create(topic, partition, next_offset)};
  std::unique_ptr<RdKafka::ConsumerGroupMetadata> md(consumer.groupMetadata());
  auto* e = _p->send_offsets_to_transaction(offsets, md.get(), 30000);
  RdKafka::TopicPartition::destroy(offsets);
  check(e, "send_offsets_to_transaction");
}

std::vector<consumed> read_all(const std::string& bootstrap, const std::string& topic, std::int32_t partitions,
                               const std::string& isolation, std::chrono::milliseconds timeout) {
  consume_options o;
  o.timeout = timeout;
  o.overrides = {{"isolation.level", isolation}};
  return consume(bootstrap, topic, partitions_upto(partitions), o);
}

std::vector<std::string> read_all_values(const std::string& bootstrap, const std::string& topic) {
  std::vector<std::string> out;
  for (auto& c : read_all(bootstrap, topic, 1, "read_committed")) out.push_back(c.value);
  return out;
}

std::unique_ptr<RdKafka::KafkaConsumer> group_consumer(const std::string& bootstrap, const std::string& group,
                                                       const std::string& topic, const conf_map& overrides) {
  conf_map values = client_defaults(bootstrap);
  values["group.id"] = group;
  values["enable.auto.commit"] = "false";
  values["auto.offset.reset"] = "earliest";
  values["isolation.level"] = "read_committed";
  for (auto& [k, v] : overrides) values[k] = v;
  auto conf = make_conf(values);
  std::string err;
  std::unique_ptr<RdKafka::KafkaConsumer> c(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!c) throw harness_error("cannot create consumer: " + err);
  if (auto e = c->subscribe({topic}); e != RdKafka::ERR_NO_ERROR) throw harness_error(RdKafka::err2str(e));
  return c;
}

std::vector<consumed> poll_records(RdKafka::KafkaConsumer& consumer, std::size_t n, std::chrono::milliseconds timeout) {
  std::vector<consumed> out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out.size() < n && std::chrono::steady_clock::now() < deadline) {
    std::unique_ptr<RdKafka::Message> m(consumer.consume(100));
    if (!m || m->err() != RdKafka::ERR_NO_ERROR) continue;
    consumed c;
    c.partition = m->partition();
    c.offset = m->offset();
    if (m->key()) c.key = *m->key();
    if (m->payload()) c.value.assign(static_cast<const char*>(m->payload()), m->len());
    out.push_back(std::move(c));
  }
  return out;
}

std::int64_t committed_offset(const std::string& bootstrap, const std::string& group, const std::string& topic,
                              std::int32_t partition) {
  conf_map values = client_defaults(bootstrap);
  values["group.id"] = group;
  auto conf = make_conf(values);
  std::string err;
  std::unique_ptr<RdKafka::KafkaConsumer> c(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!c) throw harness_error("cannot create consumer: " + err);
  std::vector<RdKafka::TopicPartition*> tps{RdKafka::TopicPartition::create(topic, partition)};
  auto e = c->committed(tps, 20000);
  const auto off = tps[0]->offset();
  RdKafka::TopicPartition::destroy(tps);
  c->close();
  if (e != RdKafka::ERR_NO_ERROR) throw harness_error("committed: " + RdKafka::err2str(e));
  return off;
}

}  // namespace sd::itest
