// group_worker: one librdkafka KafkaConsumer in a consumer group, as a child process of the group tests (so a
// test can SIGKILL it: a member that dies without leaving). It processes each message by appending the line
//   "<value> <key> <partition> <offset>\n"
// to its output file (one write(2) per line, so a kill loses no processed line), and commits AFTER processing:
// synchronously every `commit.every` messages, when idle, before partitions are revoked and on SIGTERM (then
// it closes the consumer, leaving the group, and exits 0). Each time its assignment changes it appends
// "ASSIGNED <n> <p,p,...>" to its status file.
//
// Usage: group_worker bootstrap=H:P group=G topic=T out=FILE status=FILE [assignor=range,roundrobin]
//                     [session.ms=4000] [commit.every=20] [instance.id=ID]
#include <fcntl.h>
#include <librdkafka/rdkafkacpp.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace {

std::atomic<bool> stop{false};
void on_term(int) { stop = true; }

void write_line(int fd, const std::string& line) {
  std::size_t done = 0;
  while (done < line.size()) {
    auto n = ::write(fd, line.data() + done, line.size() - done);
    if (n <= 0) std::_Exit(3);
    done += static_cast<std::size_t>(n);
  }
}

struct worker final : RdKafka::RebalanceCb {
  RdKafka::KafkaConsumer* consumer = nullptr;
  std::string topic;
  int status_fd = -1;
  std::map<int, std::int64_t> processed;  // partition -> next offset to commit (processed and not committed)
  int since_commit = 0;

  void commit(const std::vector<RdKafka::TopicPartition*>* only = nullptr) {
    std::vector<RdKafka::TopicPartition*> tps;
    for (auto it = processed.begin(); it != processed.end();) {
      bool take = only == nullptr;
      if (only)
        for (auto* p : *only)
          if (p->partition() == it->first) take = true;
      if (take) {
        tps.push_back(RdKafka::TopicPartition::create(topic, it->first, it->second));
        it = processed.erase(it);
      } else {
        ++it;
      }
    }
    since_commit = 0;
    if (tps.empty()) return;
    auto err = consumer->commitSync(tps);
    if (err != RdKafka::ERR_NO_ERROR) write_line(status_fd, "COMMIT_FAILED " + RdKafka::err2str(err) + "\n");
    RdKafka::TopicPartition::destroy(tps);
  }

  // Tracked here rather than asked from librdkafka: calling assignment() inside the revoke callback while
  // close() terminates the group handler can block for ever (librdkafka 2.0).
  std::set<int> owned;
  void report() {
    std::string line = "ASSIGNED " + std::to_string(owned.size()) + " ";
    for (int p : owned) line += std::to_string(p) + ",";
    write_line(status_fd, line + "\n");
  }

  void rebalance_cb(RdKafka::KafkaConsumer* c, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& parts) override {
    const bool cooperative = c->rebalance_protocol() == "COOPERATIVE";
    if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
      if (cooperative) {
        delete c->incremental_assign(parts);
      } else {
        c->assign(parts);
        owned.clear();
      }
      for (auto* p : parts) owned.insert(p->partition());
    } else {
      commit(&parts);  // commit what was processed before the partitions go to another member
      if (cooperative) {
        delete c->incremental_unassign(parts);
        for (auto* p : parts) owned.erase(p->partition());
      } else {
        c->unassign();
        owned.clear();
      }
    }
    report();
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> args{{"assignor", "range,roundrobin"}, {"session.ms", "4000"},
                                          {"commit.every", "20"}};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto eq = a.find('=');
    if (eq == std::string::npos) {
      std::cerr << "bad argument " << a << "\n";
      return 2;
    }
    args[a.substr(0, eq)] = a.substr(eq + 1);
  }
  ::signal(SIGTERM, on_term);
  int out_fd = ::open(args["out"].c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  int status_fd = ::open(args["status"].c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (out_fd < 0 || status_fd < 0) return 2;

  worker w;
  w.topic = args["topic"];
  w.status_fd = status_fd;
  std::string err;
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::map<std::string, std::string> settings{
      {"bootstrap.servers", args["bootstrap"]},
      {"group.id", args["group"]},
      {"partition.assignment.strategy", args["assignor"]},
      {"session.timeout.ms", args["session.ms"]},
      {"heartbeat.interval.ms", "300"},
      {"enable.auto.commit", "false"},
      {"auto.offset.reset", "earliest"},
      {"topic.metadata.refresh.interval.ms", "1000"},
      {"log_level", "3"},
  };
  if (args.count("instance.id")) settings["group.instance.id"] = args["instance.id"];
  if (args.count("debug")) settings["debug"] = args["debug"];  // librdkafka debug contexts, to stderr
  for (auto& [k, v] : settings)
    if (conf->set(k, v, err) != RdKafka::Conf::CONF_OK) {
      std::cerr << k << ": " << err << "\n";
      return 2;
    }
  if (conf->set("rebalance_cb", &w, err) != RdKafka::Conf::CONF_OK) return 2;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!consumer) {
    std::cerr << "consumer: " << err << "\n";
    return 2;
  }
  w.consumer = consumer.get();
  if (consumer->subscribe({w.topic}) != RdKafka::ERR_NO_ERROR) return 2;
  const int commit_every = std::stoi(args["commit.every"]);
  while (!stop) {
    std::unique_ptr<RdKafka::Message> m(consumer->consume(100));
    if (m->err() == RdKafka::ERR__TIMED_OUT || m->err() == RdKafka::ERR__PARTITION_EOF) {
      w.commit();
      continue;
    }
    if (m->err() != RdKafka::ERR_NO_ERROR) {
      write_line(status_fd, "ERROR " + m->errstr() + "\n");
      continue;
    }
    std::string value(static_cast<const char*>(m->payload()), m->len());
    std::string key = m->key() ? *m->key() : "-";
    write_line(out_fd, value + " " + key + " " + std::to_string(m->partition()) + " " + std::to_string(m->offset()) + "\n");
    w.processed[m->partition()] = m->offset() + 1;
    if (++w.since_commit >= commit_every) w.commit();
  }
  write_line(status_fd, "STOPPING\n");
  w.commit();
  write_line(status_fd, "CLOSING\n");
  consumer->close();
  write_line(status_fd, "CLOSED\n");
  return 0;
}
