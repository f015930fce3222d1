#include "support/kafka_client.h"

#include <librdkafka/rdkafka.h>

#include <set>
#include <thread>

#include "support/test_env.h"

namespace sd::itest {

conf_map client_defaults(const std::string& bootstrap) {
  return {
      {"bootstrap.servers", bootstrap},
      {"client.id", "sd-itest"},
      {"socket.timeout.ms", "10000"},
      {"api.version.request.timeout.ms", "10000"},
      {"reconnect.backoff.ms", "50"},
      {"reconnect.backoff.max.ms", "1000"},
      {"topic.metadata.refresh.interval.ms", "2000"},
      {"log_level", "4"},  // warnings and worse: enough to explain a failure without flooding
  };
}

std::unique_ptr<RdKafka::Conf> make_conf(const conf_map& values) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string err;
  for (const auto& [k, v] : values) {
    if (conf->set(k, v, err) != RdKafka::Conf::CONF_OK) {
      throw harness_error("librdkafka config " + k + "=" + v + ": " + err);
    }
  }
  return conf;
}

namespace {
conf_map merged(conf_map base, const conf_map& overrides) {
  for (const auto& [k, v] : overrides) base[k] = v;
  return base;
}
}  // namespace

// ---- tracking_producer ----

void tracking_producer::report_cb::dr_cb(RdKafka::Message& m) {
  auto* p = static_cast<pending*>(m.msg_opaque());
  delivery d;
  d.err = m.err();
  d.partition = m.partition();
  d.offset = m.offset();
  if (p != nullptr) {
    d.id = p->id;
    d.latency = std::chrono::steady_clock::now() - p->enqueued;
    delete p;
  }
  std::lock_guard lk(owner->_mu);
  if (d.err == RdKafka::ERR_NO_ERROR) ++owner->_ok;
  owner->_reports.push_back(d);
}

tracking_producer::tracking_producer(const std::string& bootstrap, const conf_map& overrides) {
  _cb.owner = this;
  conf_map values = merged(client_defaults(bootstrap), {{"message.timeout.ms", "60000"}, {"linger.ms", "5"}});
  values = merged(values, overrides);
  auto conf = make_conf(values);
  std::string err;
  if (conf->set("dr_cb", &_cb, err) != RdKafka::Conf::CONF_OK) throw harness_error("dr_cb: " + err);
  _producer.reset(RdKafka::Producer::create(conf.get(), err));
  if (!_producer) throw harness_error("cannot create producer: " + err);
}

tracking_producer::~tracking_producer() {
  if (!_producer) return;
  _producer->purge(RdKafka::Producer::PURGE_QUEUE | RdKafka::Producer::PURGE_INFLIGHT);
  _producer->flush(10000);
}

void tracking_producer::produce(const std::string& topic, std::int32_t partition,
                                const std::optional<std::string>& key, const std::string& value, std::uint64_t id,
                                std::chrono::milliseconds queue_timeout) {
  if (!try_produce(topic, partition, key, value, id, queue_timeout)) {
    throw harness_error("produce to " + topic + ": local queue still full after " +
                        std::to_string(queue_timeout.count()) + " ms");
  }
}

bool tracking_producer::try_produce(const std::string& topic, std::int32_t partition,
                                    const std::optional<std::string>& key, const std::string& value,
                                    std::uint64_t id, std::chrono::milliseconds queue_timeout) {
  auto deadline = std::chrono::steady_clock::now() + queue_timeout;
  auto* p = new pending{id, std::chrono::steady_clock::now()};
  for (;;) {
    RdKafka::ErrorCode e = _producer->produce(
        topic, partition == -1 ? RdKafka::Topic::PARTITION_UA : partition, RdKafka::Producer::RK_MSG_COPY,
        const_cast<char*>(value.data()), value.size(), key ? key->data() : nullptr, key ? key->size() : 0, 0, p);
    if (e == RdKafka::ERR_NO_ERROR) return true;
    if (e == RdKafka::ERR__QUEUE_FULL) {
      if (std::chrono::steady_clock::now() >= deadline) {
        delete p;
        return false;
      }
      _producer->poll(10);
      continue;
    }
    delete p;
    throw harness_error("produce to " + topic + " failed: " + RdKafka::err2str(e));
  }
}

void tracking_producer::poll(int timeout_ms) { _producer->poll(timeout_ms); }

bool tracking_producer::flush(std::chrono::milliseconds timeout) {
  _producer->flush(static_cast<int>(timeout.count()));
  return _producer->outq_len() == 0;
}

void tracking_producer::purge_all(std::chrono::milliseconds timeout) {
  _producer->purge(RdKafka::Producer::PURGE_QUEUE | RdKafka::Producer::PURGE_INFLIGHT);
  flush(timeout);
}

int tracking_producer::outstanding() const { return _producer->outq_len(); }

std::vector<delivery> tracking_producer::deliveries() const {
  std::lock_guard lk(_mu);
  return _reports;
}

std::size_t tracking_producer::delivered_ok() const {
  std::lock_guard lk(_mu);
  return _ok;
}

// ---- produce_and_wait ----

std::string produce_summary::first_error() const {
  if (failed.empty()) return "none";
  return std::to_string(failed.size()) + " failed, first: id " + std::to_string(failed.front().id) + ": " +
         RdKafka::err2str(failed.front().err);
}

produce_summary produce_and_wait(const std::string& bootstrap, const std::string& topic,
                                 const std::vector<message_spec>& messages, const conf_map& overrides,
                                 std::chrono::milliseconds timeout) {
  tracking_producer p(bootstrap, overrides);
  for (std::size_t i = 0; i < messages.size(); ++i) {
    p.produce(topic, messages[i].partition, messages[i].key, messages[i].value, i, timeout);
    p.poll(0);
  }
  if (!p.flush(timeout)) {
    throw harness_error(std::to_string(p.outstanding()) + " of " + std::to_string(messages.size()) +
                        " messages without a delivery report after " + std::to_string(timeout.count()) + " ms");
  }
  produce_summary s;
  for (auto& d : p.deliveries()) (d.err == RdKafka::ERR_NO_ERROR ? s.ok : s.failed).push_back(d);
  return s;
}

// ---- consume ----

std::vector<std::int32_t> partitions_upto(std::int32_t n) {
  std::vector<std::int32_t> v;
  for (std::int32_t i = 0; i < n; ++i) v.push_back(i);
  return v;
}

std::vector<consumed> consume(const std::string& bootstrap, const std::string& topic,
                              const std::vector<std::int32_t>& partitions, const consume_options& opts) {
  conf_map values = merged(client_defaults(bootstrap), {{"enable.partition.eof", "true"},
                                                        {"fetch.wait.max.ms", "100"},
                                                        {"fetch.error.backoff.ms", "100"},
                                                        {"check.crcs", "true"}});
  values = merged(values, opts.overrides);
  auto conf = make_conf(values);
  std::string err;
  std::unique_ptr<RdKafka::Consumer> consumer(RdKafka::Consumer::create(conf.get(), err));
  if (!consumer) throw harness_error("cannot create consumer: " + err);
  std::unique_ptr<RdKafka::Topic> t(RdKafka::Topic::create(consumer.get(), topic, nullptr, err));
  if (!t) throw harness_error("cannot create topic handle: " + err);
  std::unique_ptr<RdKafka::Queue> q(RdKafka::Queue::create(consumer.get()));
  for (auto p : partitions) {
    RdKafka::ErrorCode e = consumer->start(t.get(), p, opts.start_offset, q.get());
    if (e != RdKafka::ERR_NO_ERROR) throw harness_error("consume start partition " + std::to_string(p) + ": " +
                                                        RdKafka::err2str(e));
  }

  std::vector<consumed> out;
  std::set<std::int32_t> at_eof;
  auto deadline = std::chrono::steady_clock::now() + opts.timeout;
  auto done = [&] {
    bool count_ok = opts.expected < 0 || static_cast<std::int64_t>(out.size()) >= opts.expected;
    if (!opts.stop_at_eof) return opts.expected >= 0 && count_ok;
    return count_ok && at_eof.size() == partitions.size();
  };
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    std::unique_ptr<RdKafka::Message> m(consumer->consume(q.get(), 100));
    if (!m) continue;
    switch (m->err()) {
      case RdKafka::ERR_NO_ERROR: {
        consumed c;
        c.partition = m->partition();
        c.offset = m->offset();
        if (m->key() != nullptr) c.key = *m->key();
        if (m->payload() != nullptr) c.value.assign(static_cast<const char*>(m->payload()), m->len());
        at_eof.erase(c.partition);
        out.push_back(std::move(c));
        break;
      }
      case RdKafka::ERR__PARTITION_EOF:
        at_eof.insert(m->partition());
        break;
      default:
        break;  // transient (transport, leader lookups): librdkafka retries; the timeout bounds us
    }
  }
  for (auto p : partitions) consumer->stop(t.get(), p);
  return out;
}

// ---- metadata, watermarks, admin ----

namespace {
std::unique_ptr<RdKafka::Producer> plain_handle(const std::string& bootstrap) {
  auto conf = make_conf(client_defaults(bootstrap));
  std::string err;
  std::unique_ptr<RdKafka::Producer> p(RdKafka::Producer::create(conf.get(), err));
  if (!p) throw harness_error("cannot create client: " + err);
  return p;
}
}  // namespace

std::vector<std::int64_t> high_watermarks(const std::string& bootstrap, const std::string& topic,
                                          std::int32_t partitions, std::chrono::milliseconds timeout) {
  auto h = plain_handle(bootstrap);
  std::vector<std::int64_t> out;
  for (std::int32_t p = 0; p < partitions; ++p) {
    std::int64_t low = -1, high = -1;
    RdKafka::ErrorCode e = RdKafka::ERR_NO_ERROR;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    do {  // the first call may race the client's bootstrap; retry until the deadline
      e = h->query_watermark_offsets(topic, p, &low, &high, 5000);
      if (e == RdKafka::ERR_NO_ERROR) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    } while (std::chrono::steady_clock::now() < deadline);
    if (e != RdKafka::ERR_NO_ERROR) {
      throw harness_error("watermarks of " + topic + "/" + std::to_string(p) + ": " + RdKafka::err2str(e));
    }
    out.push_back(high);
  }
  return out;
}

std::int32_t partition_count(const std::string& bootstrap, const std::string& topic,
                             std::chrono::milliseconds timeout) {
  auto h = plain_handle(bootstrap);
  std::string err;
  std::unique_ptr<RdKafka::Topic> t(RdKafka::Topic::create(h.get(), topic, nullptr, err));
  if (!t) throw harness_error("topic handle: " + err);
  RdKafka::Metadata* md = nullptr;
  RdKafka::ErrorCode e = h->metadata(false, t.get(), &md, static_cast<int>(timeout.count()));
  std::unique_ptr<RdKafka::Metadata> owned(md);
  if (e != RdKafka::ERR_NO_ERROR) throw harness_error("metadata for " + topic + ": " + RdKafka::err2str(e));
  for (const auto* tm : *md->topics()) {
    if (tm->topic() == topic) {
      if (tm->err() != RdKafka::ERR_NO_ERROR) {
        throw harness_error("metadata for " + topic + ": " + RdKafka::err2str(tm->err()));
      }
      return static_cast<std::int32_t>(tm->partitions()->size());
    }
  }
  throw harness_error("metadata has no topic " + topic);
}

void create_topic(const std::string& bootstrap, const std::string& topic, int partitions,
                  std::chrono::milliseconds timeout) {
  create_topics(bootstrap, {topic}, partitions, timeout);
}

void create_topics(const std::string& bootstrap, const std::vector<std::string>& names, int partitions,
                   std::chrono::milliseconds timeout) {
  auto h = plain_handle(bootstrap);
  rd_kafka_t* rk = h->c_ptr();
  char errbuf[512];
  std::vector<rd_kafka_NewTopic_t*> nts;
  for (const auto& topic : names) {
    rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), partitions, 1, errbuf, sizeof errbuf);
    if (nt == nullptr) {
      for (auto* t : nts) rd_kafka_NewTopic_destroy(t);
      throw harness_error(std::string("NewTopic: ") + errbuf);
    }
    nts.push_back(nt);
  }
  rd_kafka_AdminOptions_t* ao = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_request_timeout(ao, static_cast<int>(timeout.count()), errbuf, sizeof errbuf);
  rd_kafka_AdminOptions_set_operation_timeout(ao, static_cast<int>(timeout.count()), errbuf, sizeof errbuf);
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, nts.data(), nts.size(), ao, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, static_cast<int>(timeout.count()) + 5000);
  std::string failure;
  if (ev == nullptr) {
    failure = "no CreateTopics result";
  } else if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    failure = rd_kafka_event_error_string(ev);
  } else {
    const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev);
    size_t n = 0;
    const rd_kafka_topic_result_t** topics = rd_kafka_CreateTopics_result_topics(res, &n);
    if (n != names.size()) failure = "CreateTopics returned " + std::to_string(n) + " results";
    for (size_t i = 0; i < n && failure.empty(); ++i) {
      if (rd_kafka_topic_result_error(topics[i]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* msg = rd_kafka_topic_result_error_string(topics[i]);
        failure = std::string(rd_kafka_topic_result_name(topics[i])) + ": " +
                  rd_kafka_err2str(rd_kafka_topic_result_error(topics[i])) + (msg ? std::string(": ") + msg : "");
      }
    }
  }
  if (ev != nullptr) rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  rd_kafka_AdminOptions_destroy(ao);
  for (auto* t : nts) rd_kafka_NewTopic_destroy(t);
  if (!failure.empty()) throw harness_error("create topics: " + failure);
}

}  // namespace sd::itest
