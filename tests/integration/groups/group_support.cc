#include "groups/group_support.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafkacpp.h>

#include <fstream>
#include <sstream>
#include <thread>

namespace sd::itest::groups {

using namespace std::chrono_literals;

broker_config group_broker_config() {
  broker_config cfg;
  cfg.sets = {{"group.initial.rebalance.delay.ms", "0"}, {"group.min.session.timeout.ms", "1000"}};
  return cfg;
}

worker_process start_worker(const temp_dir& dir, const std::string& name, const std::string& bootstrap,
                            const std::string& group, const std::string& topic, const std::string& assignor,
                            const std::vector<std::string>& extra) {
  worker_process w;
  w.name = name;
  w.out = dir.file(name + ".out");
  w.status = dir.file(name + ".status");
  w.log = dir.file(name + ".stderr");
  command cmd;
  cmd.argv = {SD_GROUP_WORKER, "bootstrap=" + bootstrap, "group=" + group, "topic=" + topic, "out=" + w.out,
              "status=" + w.status, "assignor=" + assignor};
  for (const auto& e : extra) cmd.argv.push_back(e);
  cmd.stderr_path = w.log;
  cmd.append_output = true;
  w.pid = spawn(cmd);
  return w;
}

exit_info stop_worker(worker_process& w) {
  if (w.pid <= 0) return {};
  ::kill(w.pid, SIGTERM);
  auto e = wait_for_exit(w.pid, 60s);
  if (e.timed_out) {
    ::kill(w.pid, SIGKILL);
    wait_for_exit(w.pid, 10s);
  }
  w.pid = -1;
  return e;
}

void kill_worker(worker_process& w) {
  if (w.pid <= 0) return;
  ::kill(w.pid, SIGKILL);
  wait_for_exit(w.pid, 10s);
  w.pid = -1;
}

int assigned(const worker_process& w) {
  std::istringstream in(read_file(w.status));
  std::string line;
  int n = -1;
  while (std::getline(in, line))
    if (line.rfind("ASSIGNED ", 0) == 0) n = std::stoi(line.substr(9));
  return n;
}

std::vector<processed_line> processed(const worker_process& w) {
  std::vector<processed_line> out;
  std::istringstream in(read_file(w.out));
  processed_line p;
  while (in >> p.seq >> p.key >> p.partition >> p.offset) out.push_back(p);
  return out;
}

bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return pred();
}

void produce_range(const std::string& bootstrap, const std::string& topic, std::int64_t from, std::int64_t to,
                   int keys) {
  std::vector<message_spec> ms;
  for (auto i = from; i < to; ++i) ms.push_back({"k" + std::to_string(i % keys), std::to_string(i), -1});
  auto s = produce_and_wait(bootstrap, topic, ms, {{"acks", "all"}}, 120s);
  ASSERT_TRUE(s.failed.empty()) << s.first_error();
  ASSERT_EQ(s.ok.size(), ms.size());
}

std::set<std::int64_t> distinct_seqs(const std::vector<worker_process>& ws) {
  std::set<std::int64_t> out;
  for (const auto& w : ws)
    for (const auto& p : processed(w)) out.insert(p.seq);
  return out;
}

void expect_per_key_order(const worker_process& w) {
  std::map<std::string, std::int64_t> last;
  for (const auto& p : processed(w)) {
    auto it = last.find(p.key);
    if (it != last.end()) {
      EXPECT_LT(it->second, p.seq) << w.name << ": key " << p.key << " out of order";
    }
    last[p.key] = p.seq;
  }
}

std::vector<std::int64_t> committed_offsets(const std::string& bootstrap, const std::string& group,
                                            const std::string& topic, int partitions) {
  auto values = client_defaults(bootstrap);
  values["group.id"] = group;
  values["enable.auto.commit"] = "false";
  auto conf = make_conf(values);
  std::string err;
  std::unique_ptr<RdKafka::KafkaConsumer> c(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!c) throw harness_error("consumer: " + err);
  std::vector<RdKafka::TopicPartition*> tps;
  for (int p = 0; p < partitions; ++p) tps.push_back(RdKafka::TopicPartition::create(topic, p));
  auto rc = c->committed(tps, 20000);
  std::vector<std::int64_t> out;
  for (auto* tp : tps) out.push_back(tp->offset() < 0 ? -1 : tp->offset());
  RdKafka::TopicPartition::destroy(tps);
  c->close();
  if (rc != RdKafka::ERR_NO_ERROR) throw harness_error("committed(): " + RdKafka::err2str(rc));
  return out;
}

}  // namespace sd::itest::groups
