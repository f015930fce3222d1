#include "compaction_support.h"

#include <chrono>
#include <fstream>
#include <set>
#include <thread>

#include "support/codec_conn.h"
#include "support/http_client.h"
#include "support/kafka_client.h"

namespace sd::itest {

using namespace std::chrono_literals;

void create_compacted(broker_process& b, const std::string& topic, std::map<std::string, std::string> extra) {
  std::map<std::string, std::string> configs{{"cleanup.policy", "compact"},
                                             {"segment.bytes", "4096"},
                                             {"min.cleanable.dirty.ratio", "0.01"},
                                             {"delete.retention.ms", "0"}};
  for (auto& [k, v] : extra) configs[k] = v;
  codec_conn c(b.kafka_port());
  auto r = create_topic_v7(c, topic, 1, configs);
  if (r.error_code != 0)
    throw harness_error("CreateTopics " + topic + ": " + std::to_string(r.error_code) + " " + r.error_message.value_or(""));
}

namespace {
struct collect_reports : RdKafka::DeliveryReportCb {
  std::set<std::uint64_t> ok;
  std::map<std::uint64_t, RdKafka::ErrorCode> failed;
  void dr_cb(RdKafka::Message& m) override {
    const auto id = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(m.msg_opaque()));
    if (m.err() == RdKafka::ERR_NO_ERROR)
      ok.insert(id);
    else
      failed[id] = m.err();
  }
};
}  // namespace

std::size_t produce_keyed(const std::string& bootstrap, const std::string& topic,
                          const std::vector<std::pair<std::string, std::optional<std::string>>>& records,
                          model_map& model) {
  auto values = client_defaults(bootstrap);
  values["acks"] = "all";
  values["enable.idempotence"] = "true";
  values["linger.ms"] = "2";
  values["batch.size"] = "1000";  // many batches, so segments roll and the cleaner has sealed ones to clean
  values["message.timeout.ms"] = "30000";
  auto conf = make_conf(values);
  collect_reports reports;
  std::string err;
  if (conf->set("dr_cb", &reports, err) != RdKafka::Conf::CONF_OK) throw harness_error("dr_cb: " + err);
  std::unique_ptr<RdKafka::Producer> p(RdKafka::Producer::create(conf.get(), err));
  if (!p) throw harness_error("producer: " + err);
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& [k, v] = records[i];
    for (;;) {
      auto e = p->produce(topic, 0, RdKafka::Producer::RK_MSG_COPY, v ? const_cast<char*>(v->data()) : nullptr,
                          v ? v->size() : 0, k.data(), k.size(), 0,
                          reinterpret_cast<void*>(static_cast<std::uintptr_t>(i + 1)));
      if (e == RdKafka::ERR_NO_ERROR) break;
      if (e != RdKafka::ERR__QUEUE_FULL) throw harness_error("produce: " + RdKafka::err2str(e));
      p->poll(10);
    }
  }
  p->flush(40000);
  p->purge(RdKafka::Producer::PURGE_QUEUE | RdKafka::Producer::PURGE_INFLIGHT);
  p->flush(5000);
  // Acknowledged records enter the model in produce order (one partition, idempotent: the log has that order).
  for (std::size_t i = 0; i < records.size(); ++i)
    if (reports.ok.contains(i + 1)) model[records[i].first] = records[i].second;
  return reports.ok.size();
}

std::vector<read_record> read_partition0(const std::string& bootstrap, const std::string& topic) {
  const auto end = high_watermarks(bootstrap, topic, 1)[0];
  std::vector<read_record> out;
  auto conf = make_conf(client_defaults(bootstrap));
  std::string err;
  conf->set("group.id", "model-reader", err);
  conf->set("enable.auto.commit", "false", err);
  conf->set("enable.partition.eof", "true", err);
  std::unique_ptr<RdKafka::KafkaConsumer> c(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!c) throw harness_error("consumer: " + err);
  std::vector<RdKafka::TopicPartition*> parts{RdKafka::TopicPartition::create(topic, 0, 0)};
  c->assign(parts);
  RdKafka::TopicPartition::destroy(parts);
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  bool at_end = end == 0;
  while (!at_end && std::chrono::steady_clock::now() < deadline) {
    std::unique_ptr<RdKafka::Message> m(c->consume(200));
    if (m->err() == RdKafka::ERR__PARTITION_EOF) {
      at_end = m->offset() >= end;
      continue;
    }
    if (m->err() != RdKafka::ERR_NO_ERROR) continue;
    read_record r{m->offset(), std::nullopt, std::nullopt};
    if (m->key()) r.key = *m->key();
    if (m->payload()) r.value.emplace(static_cast<const char*>(m->payload()), m->len());
    out.push_back(std::move(r));
    if (m->offset() + 1 >= end) at_end = true;
  }
  c->close();
  if (!at_end) throw harness_error("reading " + topic + " did not reach offset " + std::to_string(end));
  return out;
}

std::string check_model(const std::vector<read_record>& recs, const model_map& model, std::int64_t unique_below,
                        const std::string& ignore_key) {
  model_map last;
  std::map<std::string, int> below;
  for (std::size_t i = 0; i < recs.size(); ++i) {
    if (i > 0 && recs[i].offset <= recs[i - 1].offset) return "offsets out of order at " + std::to_string(recs[i].offset);
    if (!recs[i].key) return "a record without a key at " + std::to_string(recs[i].offset);
    if (*recs[i].key == ignore_key) continue;
    last[*recs[i].key] = recs[i].value;
    if (recs[i].offset < unique_below && ++below[*recs[i].key] > 1)
      return "key " + *recs[i].key + " twice below the cleaner checkpoint (" + std::to_string(unique_below) + ")";
  }
  for (const auto& [k, v] : model) {
    auto it = last.find(k);
    if (!v) {
      if (it != last.end() && it->second) return "deleted key " + k + " reads as " + *it->second;
      continue;
    }
    if (it == last.end()) return "key " + k + " lost (model: " + *v + ")";
    if (it->second != v) return "key " + k + " reads " + it->second.value_or("<null>") + ", model " + *v;
  }
  for (const auto& [k, v] : last)
    if (!model.contains(k)) return "unknown key " + k;
  return {};
}

std::int64_t cleaner_checkpoint(const broker_process& b, const std::string& topic) {
  std::ifstream in(b.data_dir() + "/" + topic + "-0/cleaner-checkpoint", std::ios::binary);
  unsigned char buf[16];
  if (!in.read(reinterpret_cast<char*>(buf), 16)) return 0;
  std::int64_t v = 0;
  for (int i = 4; i < 12; ++i) v = (v << 8) | buf[i];
  return v;
}

std::optional<double> scrape(const broker_process& b, const std::string& series) {
  auto r = http_get(b.http_port(), "/metrics");
  if (r.status != 200) return std::nullopt;
  return metric_value(r.body, series);
}

}  // namespace sd::itest
