// `streamdown verify produce|consume|report`: a consistency checker for any Kafka-API cluster (librdkafka).
// verify_ledger.h holds the bookkeeping and the rules; this file talks to the cluster and the ledger directory.
//
//   produce  keyed records with verify.writer / verify.seq headers from an idempotent producer (acks=all); the
//            writer's ledger (acknowledged and failed sequences per key) is written when it ends
//   consume  reads the topic up to the end offsets it saw at its start (without -g: every partition from the
//            start; with -g: as a member of the group, committing after checking), checks every record, and
//            writes its results; with -g it first checks the group's committed offsets against earlier runs
//   report   adds up every ledger and run of the topic; exit 1 on any lost, duplicated or reordered record,
//            offset regression or backward commit
#include <librdkafka/rdkafkacpp.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "client/admin.h"
#include "client/command_parts.h"
#include "client/verify_ledger.h"

namespace sd::client {
namespace {

namespace fs = std::filesystem;
using namespace verify;
using clock_type = std::chrono::steady_clock;

constexpr const char* writer_header = "verify.writer";
constexpr const char* seq_header = "verify.seq";

struct verify_flags {
  connection_options conn;
  std::string topic;
  std::string ledger;
  std::string group;
  std::int64_t count = 10000;
  std::int64_t keys = 100;
  double rate = 0;  // records per second; 0: as fast as the cluster takes them
  std::string http;  // produce through an HTTP record endpoint (a relay's http source) instead of librdkafka
  int partitions = 3;
  std::string writer;
  int max_seconds = 300;
  std::string json_path;
};

std::string read_whole(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Writes `text` to dir/name through a temporary file, fsynced and renamed, so a reader never sees half of it.
void write_atomically(const fs::path& dir, const std::string& name, const std::string& text) {
  fs::create_directories(dir);
  const auto tmp = dir / (name + ".tmp");
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw tool_error("cannot write " + tmp.string());
  }
  if (FILE* f = std::fopen(tmp.c_str(), "rb")) {
    ::fsync(fileno(f));
    std::fclose(f);
  }
  fs::rename(tmp, dir / name);
}

/// A name made of [A-Za-z0-9-] (ledger files and header values must not hold separators).
void check_plain(const std::string& what, const std::string& s) {
  if (s.empty()) throw usage_error(what + " must not be empty");
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
      throw usage_error(what + " '" + s + "' may hold only letters, digits, '-', '_' and '.'");
}

std::string new_writer_id() {
  std::random_device rd;
  std::ostringstream o;
  o << "w" << std::hex << ((static_cast<std::uint64_t>(rd()) << 32) ^ rd() ^ static_cast<std::uint64_t>(::getpid()));
  return o.str();
}

std::vector<writer_ledger> load_writers(const fs::path& dir) {
  std::vector<writer_ledger> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const auto name = e.path().filename().string();
    if (name.rfind("produce-", 0) != 0 || e.path().extension() != ".ledger") continue;
    std::string err;
    auto w = writer_ledger::parse(read_whole(e.path()), &err);
    if (!w) throw tool_error(e.path().string() + ": " + err);
    out.push_back(std::move(*w));
  }
  return out;
}

std::vector<consume_run> load_runs(const fs::path& dir) {
  std::vector<consume_run> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const auto name = e.path().filename().string();
    if (name.rfind("consume-", 0) != 0 || e.path().extension() != ".state") continue;
    std::string err;
    auto r = consume_run::parse(read_whole(e.path()), &err);
    if (!r) throw tool_error(e.path().string() + ": " + err);
    out.push_back(std::move(*r));
  }
  return out;
}

// ---- produce ----

class ledger_reports : public RdKafka::DeliveryReportCb {
 public:
  explicit ledger_reports(writer_ledger& l) : _l(l) {}
  void dr_cb(RdKafka::Message& m) override {
    const auto* opaque = static_cast<const std::pair<std::string, std::int64_t>*>(m.msg_opaque());
    auto& k = _l.keys[opaque->first];
    if (m.err() == RdKafka::ERR_NO_ERROR) {
      k.acked.insert(opaque->second);
    } else {
      k.failed.insert(opaque->second);
      if (_first_error.empty()) _first_error = m.errstr();
    }
    delete opaque;
    ++_done;
  }
  std::int64_t done() const { return _done; }
  const std::string& first_error() const { return _first_error; }

 private:
  writer_ledger& _l;
  std::int64_t _done = 0;
  std::string _first_error;
};

/// One HTTP/1.1 POST on a new connection (Connection: close); the status (0 when there was no answer) and body.
std::pair<int, std::string> http_post(const std::string& host, std::uint16_t port, const std::string& path,
                                      const std::string& body, std::chrono::milliseconds timeout) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {0, ""};
  timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &a.sin_addr) != 1 || ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return {0, ""};
  }
  const std::string req = "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n" +
                          "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                          "\r\n\r\n" + body;
  for (std::size_t sent = 0; sent < req.size();) {
    auto n = ::send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      ::close(fd);
      return {0, ""};
    }
    sent += static_cast<std::size_t>(n);
  }
  std::string raw;
  char buf[16384];
  for (;;) {
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    raw.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  const auto sp = raw.find(' ');
  const auto end = raw.find("\r\n\r\n");
  if (sp == std::string::npos || end == std::string::npos) return {0, ""};
  return {std::atoi(raw.c_str() + sp + 1), raw.substr(end + 4)};
}

/// `verify produce --http`: the same records, POSTed in requests of up to 100 to
/// <http>/v1/topics/<topic>/records (the broker's or a relay's record endpoint), one request at a time. A record
/// is acknowledged when its result says so; a request without an answer fails all of its records (possibly
/// written: no retry, which could write them twice).
void produce_over_http(verify_flags& f, writer_ledger& ledger, std::string& first_error) {
  std::string rest = f.http.rfind("http://", 0) == 0 ? f.http.substr(7) : f.http;
  if (auto slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos) throw usage_error("--http: expected http://HOST:PORT, got " + f.http);
  const std::string host = rest.substr(0, colon);
  const auto port = static_cast<std::uint16_t>(std::atoi(rest.c_str() + colon + 1));
  const std::string path = "/v1/topics/" + f.topic + "/records";
  std::vector<std::int64_t> next_seq(static_cast<std::size_t>(f.keys), 0);
  const auto started = clock_type::now();
  for (std::int64_t i = 0; i < f.count;) {
    nlohmann::json batch = nlohmann::json::array();
    std::vector<std::pair<std::string, std::int64_t>> ids;
    for (; i < f.count && ids.size() < 100; ++i) {
      const auto k = static_cast<std::size_t>(i % f.keys);
      const std::string key = "key-" + std::to_string(k);
      const std::int64_t seq = next_seq[k]++;
      batch.push_back({{"key", key},
                       {"value", "v-" + f.writer + "-" + key + "-" + std::to_string(seq)},
                       {"headers", {{writer_header, f.writer}, {seq_header, std::to_string(seq)}}}});
      ids.emplace_back(key, seq);
    }
    if (f.rate > 0) {
      const auto due = started + std::chrono::microseconds(static_cast<std::int64_t>(1e6 * static_cast<double>(i) / f.rate));
      std::this_thread::sleep_until(due);
    }
    auto [status, body] = http_post(host, port, path, batch.dump(), std::chrono::seconds(30));
    auto answer = nlohmann::json::parse(body, nullptr, false);
    const bool have_results = status == 200 && answer.is_object() && answer.contains("results") &&
                              answer["results"].is_array() && answer["results"].size() == ids.size();
    for (std::size_t r = 0; r < ids.size(); ++r) {
      auto& k = ledger.keys[ids[r].first];
      if (have_results && !answer["results"][r].contains("error")) {
        k.acked.insert(ids[r].second);
      } else {
        k.failed.insert(ids[r].second);
        if (first_error.empty())
          first_error = status == 0 ? "no answer from " + f.http : "HTTP " + std::to_string(status) + ": " + body.substr(0, 200);
      }
    }
    if (!have_results) std::this_thread::sleep_for(std::chrono::milliseconds(100));  // down: do not spin
  }
}

int run_produce(verify_flags& f) {
  check_plain("topic", f.topic);
  if (f.count < 0 || f.keys < 1 || f.rate < 0)
    throw usage_error("--count must be >= 0, --keys >= 1 and --rate >= 0");
  if (f.writer.empty()) f.writer = new_writer_id();
  check_plain("writer", f.writer);
  const fs::path dir(f.ledger);
  const std::string file = "produce-" + f.writer + ".ledger";
  if (fs::exists(dir / file)) throw usage_error("writer " + f.writer + " already has a ledger in " + f.ledger);
  {
    admin_client admin(f.conn);
    if (!admin.find_topic(f.topic)) {
      try {
        admin.create_topic(f.topic, f.partitions, 1, {});
      } catch (const tool_error& e) {
        if (!admin.find_topic(f.topic)) throw;  // another writer created it first: fine
      }
    }
  }
  writer_ledger ledger{f.topic, f.writer, {}};
  if (!f.http.empty()) {
    std::string first_error;
    produce_over_http(f, ledger, first_error);
    write_atomically(dir, file, ledger.to_text());
    std::uint64_t acked = 0, failed = 0;
    for (const auto& [_, k] : ledger.keys) {
      acked += k.acked.count();
      failed += k.failed.count();
    }
    std::cout << "writer " << f.writer << " (over HTTP): " << acked << " acknowledged, " << failed << " failed of "
              << f.count << " (ledger " << (dir / file).string() << ")\n";
    if (failed > 0) std::cerr << "streamdown verify produce: " << failed << " not acknowledged: " << first_error << "\n";
    return failed > 0 ? 1 : 0;
  }
  ledger_reports reports(ledger);
  error_log log;
  auto conf = make_conf(f.conn,
                        {{"enable.idempotence", "true"}, {"acks", "all"}, {"linger.ms", "5"},
                         {"message.timeout.ms", "300000"}, {"partitioner", "murmur2_random"}},
                        &log);
  std::string err;
  if (conf->set("dr_cb", static_cast<RdKafka::DeliveryReportCb*>(&reports), err) != RdKafka::Conf::CONF_OK)
    throw tool_error(err);
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), err));
  if (!producer) throw usage_error("cannot create the producer: " + err);

  std::vector<std::int64_t> next_seq(static_cast<std::size_t>(f.keys), 0);
  const auto started = clock_type::now();
  for (std::int64_t i = 0; i < f.count; ++i) {
    if (f.rate > 0) {  // pace: record i is due i/rate seconds after the start
      const auto due = started + std::chrono::microseconds(static_cast<std::int64_t>(1e6 * static_cast<double>(i) / f.rate));
      for (auto now = clock_type::now(); now < due; now = clock_type::now())
        producer->poll(static_cast<int>(std::max<std::int64_t>(
            1, std::chrono::duration_cast<std::chrono::milliseconds>(due - now).count())));
    }
    const auto k = static_cast<std::size_t>(i % f.keys);
    const std::string key = "key-" + std::to_string(k);
    const std::int64_t seq = next_seq[k]++;
    const std::string value = "v-" + f.writer + "-" + key + "-" + std::to_string(seq);
    auto* headers = RdKafka::Headers::create();
    headers->add(writer_header, f.writer);
    headers->add(seq_header, std::to_string(seq));
    auto* opaque = new std::pair<std::string, std::int64_t>(key, seq);
    for (;;) {
      auto e = producer->produce(f.topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                                 const_cast<char*>(value.data()), value.size(), key.data(), key.size(), 0, headers,
                                 opaque);
      if (e == RdKafka::ERR_NO_ERROR) break;
      if (e == RdKafka::ERR__QUEUE_FULL) {
        producer->poll(50);
        continue;
      }
      delete headers;
      ledger.keys[key].failed.insert(seq);
      delete opaque;
      std::cerr << "streamdown verify produce: " << RdKafka::err2str(e) << "\n";
      break;
    }
    producer->poll(0);
  }
  const auto flush_deadline = clock_type::now() + std::chrono::minutes(6);
  while (producer->outq_len() > 0 && clock_type::now() < flush_deadline) producer->flush(1000);
  producer->poll(0);
  write_atomically(dir, file, ledger.to_text());
  std::uint64_t acked = 0, failed = 0;
  for (const auto& [_, k] : ledger.keys) {
    acked += k.acked.count();
    failed += k.failed.count();
  }
  std::cout << "writer " << f.writer << ": " << acked << " acknowledged, " << failed << " failed of " << f.count
            << " (ledger " << (dir / file).string() << ")\n";
  if (failed > 0) {
    std::cerr << "streamdown verify produce: " << failed << " not acknowledged: " << reports.first_error() << "\n";
    std::string fatal;
    if (producer->fatal_error(fatal) != RdKafka::ERR_NO_ERROR)
      std::cerr << "streamdown verify produce: the producer's fatal error: " << fatal << "\n";
  }
  return failed > 0 ? 1 : 0;
}

// ---- consume ----

record_identity identity_of(RdKafka::Message& m) {
  record_identity r;
  r.partition = m.partition();
  r.offset = m.offset();
  if (m.key()) r.key = *m.key();
  if (auto* h = m.headers()) {
    for (const auto& hd : h->get_all()) {
      std::string v(static_cast<const char*>(hd.value()), hd.value_size());
      if (hd.key() == writer_header) r.writer = v;
      if (hd.key() == seq_header) {
        try {
          r.seq = std::stoll(v);
        } catch (const std::exception&) {
        }
      }
    }
  }
  return r;
}

class group_tracker : public RdKafka::RebalanceCb {
 public:
  group_tracker(consume_run& run, std::map<std::int32_t, std::int64_t>& next) : _run(run), _next(next) {}
  void rebalance_cb(RdKafka::KafkaConsumer* c, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& parts) override {
    if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
      // Reading starts at the committed offset: what lies below it was checked (and committed) before.
      c->committed(parts, 10000);
      for (auto* tp : parts) {
        _run.partition_assigned(tp->partition());
        _assigned.insert(tp->partition());
        if (tp->err() == RdKafka::ERR_NO_ERROR && tp->offset() >= 0) {
          auto& n = _next[tp->partition()];
          n = std::max(n, tp->offset());
          _committed[tp->partition()] = tp->offset();
        }
      }
      c->assign(parts);
    } else {
      commit(c);  // what this member checked, before another takes the partitions over
      for (auto* tp : parts) _assigned.erase(tp->partition());
      c->unassign();
    }
  }
  /// Commits the next offset of every partition checked since the last commit (synchronously).
  void commit(RdKafka::KafkaConsumer* c) {
    std::vector<RdKafka::TopicPartition*> tps;
    for (auto& [p, o] : _next)
      if (!_committed.count(p) || _committed[p] != o) tps.push_back(RdKafka::TopicPartition::create(_run.topic(), p, o));
    if (tps.empty()) return;
    if (c->commitSync(tps) == RdKafka::ERR_NO_ERROR) {
      for (auto* tp : tps) {
        if (tp->err() == RdKafka::ERR_NO_ERROR) {
          _committed[tp->partition()] = tp->offset();
          _run.committed(tp->partition(), tp->offset());
        }
      }
    }
    RdKafka::TopicPartition::destroy(tps);
  }
  const std::set<std::int32_t>& assigned() const { return _assigned; }

 private:
  consume_run& _run;
  std::map<std::int32_t, std::int64_t>& _next;  // partition -> next offset to commit
  std::map<std::int32_t, std::int64_t> _committed;
  std::set<std::int32_t> _assigned;
};

int run_consume(verify_flags& f) {
  check_plain("topic", f.topic);
  if (!f.group.empty()) check_plain("group", f.group);
  const fs::path dir(f.ledger);
  const auto earlier = load_runs(dir);
  consume_run run(f.topic, f.group);

  // The end offsets at the start: the run reads up to them.
  std::map<std::int32_t, std::int64_t> end;
  {
    admin_client admin(f.conn);
    auto t = admin.require_topic(f.topic);
    for (const auto& p : t.partitions) end[p.id] = admin.query_watermarks(f.topic, p.id).high;
    if (!f.group.empty()) {
      auto recorded = recorded_commits(earlier, f.group);
      std::vector<topic_partition> tps;
      for (const auto& [p, _] : end) tps.push_back({f.topic, p});
      auto found = admin.group_offsets(f.group, tps);
      for (const auto& [p, rec] : recorded) {
        auto it = found.find({f.topic, p});
        run.check_commit_start(p, it == found.end() ? -1 : it->second, rec);
      }
    }
  }

  error_log log;
  const bool grouped = !f.group.empty();
  std::map<std::int32_t, std::int64_t> next;  // partition -> offset after the last checked record
  group_tracker tracker(run, next);
  auto conf = make_conf(f.conn,
                        {{"group.id", grouped ? f.group : "streamdown-verify-" + std::to_string(::getpid())},
                         {"enable.auto.commit", "false"},
                         {"auto.offset.reset", "earliest"},
                         {"enable.partition.eof", "false"}},
                        &log);
  std::string err;
  if (grouped && conf->set("rebalance_cb", static_cast<RdKafka::RebalanceCb*>(&tracker), err) != RdKafka::Conf::CONF_OK)
    throw tool_error(err);
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!consumer) throw usage_error("cannot create the consumer: " + err);
  if (grouped) {
    if (auto e = consumer->subscribe({f.topic}); e != RdKafka::ERR_NO_ERROR)
      throw tool_error(describe_failure("cannot subscribe", e, &log));
  } else {
    std::vector<RdKafka::TopicPartition*> tps;
    for (const auto& [p, _] : end) {
      tps.push_back(RdKafka::TopicPartition::create(f.topic, p, RdKafka::Topic::OFFSET_BEGINNING));
      run.partition_assigned(p);
    }
    auto e = consumer->assign(tps);
    RdKafka::TopicPartition::destroy(tps);
    if (e != RdKafka::ERR_NO_ERROR) throw tool_error(describe_failure("cannot assign", e, &log));
  }

  // Done when every partition this run reads (all, or those assigned now) is checked up to its end offset.
  // A partition counts as read to its end when its checked records (or, in a group, its committed offset
  // when assigned) got there.
  auto reached_end = [&](std::int32_t p) {
    auto it = next.find(p);
    return end[p] <= 0 || (it != next.end() && it->second >= end[p]);
  };
  auto done = [&] {
    if (!grouped) {
      for (const auto& [p, _] : end)
        if (!reached_end(p)) return false;
      return true;
    }
    if (tracker.assigned().empty()) return false;
    for (auto p : tracker.assigned())
      if (!reached_end(p)) return false;
    return true;
  };
  const auto started = clock_type::now();
  const auto deadline = started + std::chrono::seconds(f.max_seconds);
  auto last_commit = started;
  auto unassigned_since = started;
  bool complete = false;
  while (clock_type::now() < deadline) {
    std::unique_ptr<RdKafka::Message> m(consumer->consume(100));
    if (m->err() == RdKafka::ERR_NO_ERROR && m->topic_name() == f.topic) {
      if (end.count(m->partition()) && m->offset() < end[m->partition()]) {
        run.observe(identity_of(*m));
        auto& n = next[m->partition()];
        n = std::max(n, m->offset() + 1);
      }
    }
    if (grouped && clock_type::now() - last_commit > std::chrono::milliseconds(500)) {
      tracker.commit(consumer.get());
      last_commit = clock_type::now();
    }
    if (grouped && !tracker.assigned().empty()) unassigned_since = clock_type::now();
    if (done()) {
      complete = true;
      break;
    }
    // A member given nothing (more members than partitions) for a while has nothing to check.
    if (grouped && tracker.assigned().empty() && clock_type::now() - unassigned_since > std::chrono::seconds(15)) {
      complete = true;
      break;
    }
  }
  if (grouped) tracker.commit(consumer.get());
  consumer->close();
  const std::string name = "consume-" + std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(
                                                           std::chrono::system_clock::now().time_since_epoch())
                                                           .count()) +
                           "-" + std::to_string(::getpid()) + ".state";
  write_atomically(dir, name, run.to_text());
  const auto& v = run.violations();
  std::cout << "checked " << run.records_checked() << " record(s) of " << f.topic
            << (grouped ? " as group " + f.group : std::string()) << ": " << v.duplicates << " duplicated, "
            << v.reordered << " reordered, " << v.offset_regressions << " offset regressions, " << v.backward_commits
            << " backward commits" << (complete ? "" : " (stopped at --max-seconds before the end)") << "\n";
  for (const auto& e : run.examples()) std::cout << "  " << e << "\n";
  if (!complete) return 1;
  return v.total() > 0 ? 1 : 0;
}

// ---- report ----

int run_report(verify_flags& f) {
  const fs::path dir(f.ledger);
  if (!fs::exists(dir)) throw usage_error("no ledger directory " + f.ledger);
  const auto writers = load_writers(dir);
  const auto runs = load_runs(dir);
  std::set<std::string> topics;
  if (!f.topic.empty()) {
    topics.insert(f.topic);
  } else {
    for (const auto& w : writers) topics.insert(w.topic);
    for (const auto& r : runs) topics.insert(r.topic());
  }
  if (topics.empty()) throw usage_error("the ledger " + f.ledger + " holds nothing yet");
  bool ok = true;
  std::string json = "[";
  for (const auto& t : topics) {
    auto rep = build_report(t, writers, runs);
    std::cout << rep.to_text();
    ok = ok && rep.ok();
    json += (json.size() > 1 ? "," : "") + rep.to_json();
  }
  json += "]\n";
  if (!f.json_path.empty()) {
    std::ofstream out(f.json_path, std::ios::trunc);
    out << json;
    if (!out) throw tool_error("cannot write " + f.json_path);
  }
  return ok ? 0 : 1;
}

}  // namespace

void add_verify_command(CLI::App& app) {
  auto f = std::make_shared<verify_flags>();
  auto* cmd = app.add_subcommand("verify", "check a topic for lost, duplicated or reordered records (any Kafka-API cluster)");
  cmd->require_subcommand(1);

  auto* produce = cmd->add_subcommand("produce", "write keyed, sequenced records with an idempotent producer and "
                                                 "record what was acknowledged in the ledger");
  add_connection_flags(produce, f->conn);
  produce->add_option("-t,--topic", f->topic, "topic (created when missing)")->required();
  produce->add_option("--ledger", f->ledger, "ledger directory")->required();
  produce->add_option("--count", f->count, "records to write (default 10000)");
  produce->add_option("--keys", f->keys, "distinct keys, written round robin (default 100)");
  produce->add_option("--http", f->http, "POST the records to http://HOST:PORT/v1/topics/TOPIC/records (a relay's http "
                                         "source, or the broker's HTTP port) instead of producing with librdkafka");
  produce->add_option("--rate", f->rate, "records per second (default 0: as fast as acknowledged)");
  produce->add_option("--partitions", f->partitions, "partitions of a topic this creates (default 3)");
  produce->add_option("--writer", f->writer, "writer id (default: a new random one)");
  produce->callback([f] { run_command("verify produce", [f] { return run_produce(*f); }); });

  auto* consume = cmd->add_subcommand("consume", "read the topic up to its current end and check every record "
                                                 "against the rules; write the results to the ledger");
  add_connection_flags(consume, f->conn);
  consume->add_option("-t,--topic", f->topic, "topic")->required();
  consume->add_option("--ledger", f->ledger, "ledger directory")->required();
  consume->add_option("-g,--group", f->group, "read as a member of this group, committing after checking "
                                              "(default: every partition from the start, no group)");
  consume->add_option("--max-seconds", f->max_seconds, "give up after this long (default 300)");
  consume->callback([f] { run_command("verify consume", [f] { return run_consume(*f); }); });

  auto* rep = cmd->add_subcommand("report", "add up the ledger: exit 1 on any lost, duplicated or reordered record, "
                                             "offset regression or backward commit");
  rep->add_option("--ledger", f->ledger, "ledger directory")->required();
  rep->add_option("-t,--topic", f->topic, "only this topic (default: every topic in the ledger)");
  rep->add_option("--json", f->json_path, "also write the figures as JSON to this file");
  rep->callback([f] { run_command("verify report", [f] { return run_report(*f); }); });
}

}  // namespace sd::client
