// The chaos-consistency run (issue 19): idempotent acks=all writers (`streamdown verify produce`) and group
// consumers committing after checking (`streamdown verify consume -g`) work on one topic while a seeded
// schedule of faults hits them: kill -9 of the broker, kill -9 of consumers, connection resets and stalls in
// a TCP proxy every client goes through (the broker advertises the proxy), broker runs whose fsyncs fail with
// EIO or whose disk fills (ENOSPC, through STREAMDOWN_FAULT_*), and clean restarts. Then the faults stop, the
// writers finish, one more consume reads the whole topic, and `streamdown verify report` must find nothing
// acknowledged lost, nothing duplicated, nothing reordered, no offset regression and no backward commit. One of
// the writers goes through the edge relay (`streamdown relay`, http source, disk spool), which is killed too.
//
// STREAMDOWN_CHAOS_SEED picks the seed (default: random); the seed and the whole schedule are printed first, so a
// failing run is replayed with the same faults in the same order. STREAMDOWN_TEST_SCALE=large runs >= 1,000
// broker kills (hours); the default is >= 20 (a few minutes). The figures go to chaos-figures.json in the
// test's working directory (STREAMDOWN_CHAOS_OUT overrides the path).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <thread>

#include "support/broker_process.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/test_env.h"
#include "tcp_proxy.h"

namespace sd::itest {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;

enum class fault { broker_kill, broker_clean_restart, broker_fsync_eio, broker_enospc, consumer_kill, proxy_reset_all,
                   proxy_reset_one, proxy_stall, relay_kill };

const char* fault_name(fault f) {
  switch (f) {
    case fault::broker_kill: return "broker_kill";
    case fault::broker_clean_restart: return "broker_clean_restart";
    case fault::broker_fsync_eio: return "broker_fsync_eio";
    case fault::broker_enospc: return "broker_enospc";
    case fault::consumer_kill: return "consumer_kill";
    case fault::proxy_reset_all: return "proxy_reset_all";
    case fault::proxy_reset_one: return "proxy_reset_one";
    case fault::proxy_stall: return "proxy_stall";
    case fault::relay_kill: return "relay_kill";
  }
  return "?";
}

struct step {
  std::chrono::milliseconds wait;  // before this fault
  fault what;
  std::int64_t param = 0;  // stall ms, EIO/ENOSPC run length ms, ENOSPC byte budget
};

/// Broker kills a step causes (an EIO or ENOSPC run is killed at its end as well as at its start).
int kills_of(fault f) {
  return f == fault::broker_kill ? 1 : (f == fault::broker_fsync_eio || f == fault::broker_enospc) ? 2 : 0;
}

std::vector<step> make_schedule(std::uint64_t seed, int min_kills) {
  std::mt19937_64 rng(seed);
  std::vector<step> out;
  int kills = 0;
  // Weights: broker kills dominate; every other kind appears regularly.
  const std::vector<std::pair<fault, int>> weights = {
      {fault::broker_kill, 40},     {fault::broker_clean_restart, 5}, {fault::broker_fsync_eio, 6},
      {fault::broker_enospc, 6},    {fault::consumer_kill, 15},       {fault::proxy_reset_all, 8},
      {fault::proxy_reset_one, 10}, {fault::proxy_stall, 10},       {fault::relay_kill, 10}};
  int total = 0;
  for (const auto& [_, w] : weights) total += w;
  while (kills < min_kills) {
    int r = static_cast<int>(rng() % static_cast<std::uint64_t>(total));
    fault f = weights.back().first;
    for (const auto& [k, w] : weights) {
      if (r < w) {
        f = k;
        break;
      }
      r -= w;
    }
    // 1-3.5 s between faults; at large scale 0.5-1.5 s, so 1,000 kills fit in well under an hour.
    const std::int64_t gap = scaled<std::int64_t>(1000, 500) + static_cast<std::int64_t>(rng() % scaled<std::uint64_t>(2500, 1000));
    step s{std::chrono::milliseconds(gap), f, 0};
    if (f == fault::proxy_stall) s.param = 300 + static_cast<std::int64_t>(rng() % 2700);
    if (f == fault::broker_fsync_eio) s.param = 1000 + static_cast<std::int64_t>(rng() % 2000);
    if (f == fault::broker_enospc) s.param = (64 << 10) + static_cast<std::int64_t>(rng() % (1 << 20));
    kills += kills_of(f);
    out.push_back(s);
  }
  return out;
}

/// A child `streamdown verify ...` process, respawned by the driver when it ends.
struct worker {
  std::vector<std::string> args;  // after the binary
  std::string log;
  pid_t pid = -1;
  int runs = 0, failed_runs = 0, killed = 0;
};

class chaos_run {
 public:
  chaos_run(std::uint64_t seed, int min_kills) : _seed(seed), _schedule(make_schedule(seed, min_kills)), _rng(seed ^ 0x5eed) {}

  void print_schedule() const {
    std::cout << "chaos seed " << _seed << " (replay with STREAMDOWN_CHAOS_SEED=" << _seed << "): " << _schedule.size()
              << " faults\n";
    for (std::size_t i = 0; i < _schedule.size(); ++i)
      std::cout << "  " << i << ": +" << _schedule[i].wait.count() << "ms " << fault_name(_schedule[i].what)
                << (_schedule[i].param ? " " + std::to_string(_schedule[i].param) : std::string()) << "\n";
    std::cout.flush();
  }

  void run() {
    broker_config cfg;
    cfg.extra_args = {"--advertised-addr", "127.0.0.1:" + std::to_string(_proxy.port())};
    cfg.sets = {{"group.initial.rebalance.delay.ms", "0"}};
    _broker = std::make_unique<broker_process>(cfg);
    _broker->start();
    _proxy.start(_broker->kafka_port());
    auto created = http_exchange(_broker->http_port(), "POST", "/v1/topics", R"({"name":"chaos","partitions":3})");
    ASSERT_EQ(created.status, 201) << created.body;

    const std::string bootstrap = "127.0.0.1:" + std::to_string(_proxy.port());
    start_relay(bootstrap);
    // Each writer run lasts about 10 s at 2,000 records/s, so every fault meets writes in flight; a writer that
    // ends is started again (a new writer id) while faults go on.
    for (int i = 0; i < 3; ++i)
      _writers.push_back({{"verify", "produce", "-b", bootstrap, "-t", "chaos", "--ledger", _ledger, "--count", "20000",
                           "--rate", "2000", "--keys", "25", "-X", "message.timeout.ms=600000", "-X",
                           "socket.timeout.ms=10000"},
                          _dir.file("writer-" + std::to_string(i) + ".log")});
    // A fourth writer goes through the edge relay's http source (the relay forwards through the proxy too).
    _writers.push_back({{"verify", "produce", "-b", bootstrap, "--http", "http://127.0.0.1:" + std::to_string(_relay_port),
                         "-t", "chaos", "--ledger", _ledger, "--count", "10000", "--rate", "1000", "--keys", "25"},
                        _dir.file("writer-relay.log")});
    // STREAMDOWN_CHAOS_CLIENT_DEBUG=eos (say) turns on librdkafka's debug contexts in the writers' logs.
    if (const char* dbg = std::getenv("STREAMDOWN_CHAOS_CLIENT_DEBUG"); dbg && *dbg)
      for (auto& w : _writers) w.args.insert(w.args.end(), {"-X", std::string("debug=") + dbg});
    for (int i = 0; i < 2; ++i)
      _consumers.push_back({{"verify", "consume", "-b", bootstrap, "-t", "chaos", "--ledger", _ledger, "-g", "chaos-g",
                             "--max-seconds", "40", "-X", "session.timeout.ms=6000", "-X", "socket.timeout.ms=10000"},
                            _dir.file("consumer-" + std::to_string(i) + ".log")});

    const auto started = clock_type::now();
    for (std::size_t i = 0; i < _schedule.size(); ++i) {
      tend_for(_schedule[i].wait, true);
      inject(_schedule[i]);
    }
    // Faults over: the broker runs clean; the writers finish the run they are in, the consumers stop.
    ensure_broker_clean();
    for (auto& w : _writers) finish(w, 15min);
    for (auto& c : _consumers) stop_worker(c);
    drain_relay();
    _figures["duration_s"] = std::chrono::duration_cast<std::chrono::seconds>(clock_type::now() - started).count();

    // The whole topic, once, from the start.
    auto last = run_tool({"verify", "consume", "-b", bootstrap, "-t", "chaos", "--ledger", _ledger, "--max-seconds", "600"},
                         "final-consume.log", 11min);
    EXPECT_TRUE(last.exited) << last.describe() << tail(read_file(_dir.file("final-consume.log")));
    const auto report_path = _dir.file("report.json");
    auto rep = run_tool({"verify", "report", "--ledger", _ledger, "-t", "chaos", "--json", report_path}, "report.log", 2min);
    std::cout << read_file(_dir.file("report.log"));
    auto figures = json::parse(read_file(report_path), nullptr, false);
    ASSERT_TRUE(figures.is_array() && !figures.empty()) << read_file(_dir.file("report.log"));
    const auto& r = figures[0];
    for (const char* k : {"acked", "failed", "failed_found", "records_checked", "lost", "duplicated", "reordered",
                          "offset_regressions", "backward_commits", "consume_runs", "writers"})
      _figures[k] = r[k];
    _figures["seed"] = _seed;
    _figures["proxy_connections"] = _proxy.connections_accepted();
    _figures["proxy_connections_reset"] = _proxy.connections_reset();
    int producer_runs = 0, producer_failed = 0, consumer_runs = 0, consumer_failed = 0;
    for (const auto& w : _writers) producer_runs += w.runs, producer_failed += w.failed_runs;
    for (const auto& c : _consumers) consumer_runs += c.runs, consumer_failed += c.failed_runs;
    _figures["producer_runs"] = producer_runs;
    _figures["producer_runs_not_all_acked"] = producer_failed;
    _figures["group_consumer_runs"] = consumer_runs;
    _figures["group_consumer_runs_failed"] = consumer_failed;
    _figures["relay_starts"] = _relay_starts;
    write_figures();
    std::cout << "chaos figures: " << _figures.dump() << "\n";

    EXPECT_EQ(rep.code, 0) << "verify report found violations (seed " << _seed << ")";
    EXPECT_EQ(r["lost"], 0);
    EXPECT_EQ(r["duplicated"], 0);
    EXPECT_EQ(r["reordered"], 0);
    EXPECT_EQ(r["offset_regressions"], 0);
    EXPECT_EQ(r["backward_commits"], 0);
    EXPECT_GT(r["acked"].get<std::int64_t>(), 0);
    EXPECT_GE(_figures["broker_kills"].get<int>(), _min_kills_seen);
  }

  void expect_min_kills(int n) { _min_kills_seen = n; }
  ~chaos_run() {
    if (_relay_pid > 0) {
      ::kill(_relay_pid, SIGKILL);
      wait_for_exit(_relay_pid, 10s);
    }
    for (auto* group : {&_writers, &_consumers})
      for (auto& w : *group)
        if (w.pid > 0) {
          ::kill(w.pid, SIGKILL);
          wait_for_exit(w.pid, 10s);
        }
    _proxy.stop();
  }

 private:
  /// The edge relay: an http source on a fixed port (so writers find it after a restart), spooling with
  /// fdatasync, forwarding to the broker through the proxy.
  void start_relay(const std::string& bootstrap) {
    if (_relay_port == 0) {
      _relay_port = free_port();
      write_file(_dir.file("relay.toml"), "relay.id = \"chaos-relay\"\nspool.dir = \"" + _dir.file("spool") +
                                              "\"\nspool.sync = \"always\"\nhttp.addr = \"127.0.0.1:" +
                                              std::to_string(_relay_port) + "\"\nupstream.bootstrap.servers = \"" +
                                              bootstrap + "\"\n\n[[source]]\ntype = \"http\"\ntopic = \"chaos\"\n");
    }
    command c;
    c.argv = {streamdown_binary(), "relay", "--config", _dir.file("relay.toml")};
    c.stdout_path = _dir.file("relay.log");
    c.stderr_path = _dir.file("relay.log");
    c.append_output = true;
    const auto before = read_file(_dir.file("relay.log")).size();
    _relay_pid = spawn(c);
    ++_relay_starts;
    const auto deadline = clock_type::now() + 30s;
    while (clock_type::now() < deadline) {
      if (read_file(_dir.file("relay.log")).find("relay ready", before) != std::string::npos) return;
      std::this_thread::sleep_for(20ms);
    }
    ADD_FAILURE() << "the relay did not get ready: " << tail(read_file(_dir.file("relay.log")));
  }

  /// Waits until the relay forwarded everything it spooled, then stops it.
  void drain_relay() {
    const auto deadline = clock_type::now() + 5min;
    int settled = 0;
    while (clock_type::now() < deadline && settled < 3) {
      auto r = http_get(_relay_port, "/v1/relay");
      auto j = json::parse(r.body, nullptr, false);
      const bool drained = r.status == 200 && j.is_object() &&
                           j["spool"]["forwarded_seq"].get<std::int64_t>() >= j["spool"]["written_seq"].get<std::int64_t>();
      settled = drained ? settled + 1 : 0;
      std::this_thread::sleep_for(500ms);
    }
    EXPECT_EQ(settled, 3) << "the relay did not forward its spool: " << tail(read_file(_dir.file("relay.log")));
    ::kill(_relay_pid, SIGTERM);
    wait_for_exit(_relay_pid, 30s);
    _relay_pid = -1;
  }

  static std::uint16_t free_port() {
    chaos::tcp_proxy probe;  // binds 127.0.0.1:0 and closes it again when destroyed
    return probe.port();
  }

  void count(const char* what, int n = 1) { _figures[what] = _figures.value(what, 0) + n; }

  void spawn_worker(worker& w) {
    command c;
    c.argv = {streamdown_binary()};
    c.argv.insert(c.argv.end(), w.args.begin(), w.args.end());
    c.stdout_path = w.log;
    c.stderr_path = w.log;
    c.append_output = true;
    w.pid = spawn(c);
    ++w.runs;
  }

  /// Reaps ended workers and (while faults run) starts them again; waits `d` meanwhile.
  void tend_for(std::chrono::milliseconds d, bool respawn) {
    const auto until = clock_type::now() + d;
    do {
      for (auto* group : {&_writers, &_consumers}) {
        for (auto& w : *group) {
          if (w.pid > 0) {
            auto e = poll_exit(w.pid);
            if (e.timed_out) continue;
            if (!e.clean() && e.signal != SIGKILL) ++w.failed_runs;
            w.pid = -1;
          }
          if (respawn) spawn_worker(w);
        }
      }
      std::this_thread::sleep_for(50ms);
    } while (clock_type::now() < until);
  }

  void finish(worker& w, std::chrono::milliseconds limit) {
    if (w.pid <= 0) return;
    auto e = wait_for_exit(w.pid, limit);
    if (e.timed_out) {
      ::kill(w.pid, SIGKILL);
      wait_for_exit(w.pid, 10s);
      ADD_FAILURE() << "a writer did not finish in time: " << tail(read_file(w.log));
    } else if (!e.clean()) {
      ++w.failed_runs;
    }
    w.pid = -1;
  }

  void stop_worker(worker& w) {
    if (w.pid <= 0) return;
    ::kill(w.pid, SIGKILL);
    wait_for_exit(w.pid, 10s);
    w.pid = -1;
  }

  exit_info run_tool(const std::vector<std::string>& args, const std::string& log, std::chrono::milliseconds limit) {
    command c;
    c.argv = {streamdown_binary()};
    c.argv.insert(c.argv.end(), args.begin(), args.end());
    c.stdout_path = _dir.file(log);
    c.stderr_path = _dir.file(log);
    c.append_output = true;
    return run_command(c, limit);
  }

  void broker_start(const env_list& env) {
    _broker->set_env(env);
    _broker->start();
    _broker_faulty = !env.empty();
  }

  void ensure_broker_clean() {
    if (_broker_faulty || !_broker->running()) {
      if (_broker->running()) _broker->kill9(), count("broker_kills");
      broker_start({});
    }
  }

  void inject(const step& s) {
    count(fault_name(s.what));
    switch (s.what) {
      case fault::broker_kill:
        _broker->kill9();
        count("broker_kills");
        broker_start({});
        break;
      case fault::broker_clean_restart:
        if (_broker_faulty) {
          _broker->kill9();
          count("broker_kills");
          broker_start({});
        } else {
          _broker->restart();
        }
        break;
      case fault::broker_fsync_eio:
      case fault::broker_enospc: {
        _broker->kill9();
        count("broker_kills");
        // Start-up syncs its files (a few dozen syncs); every sync after the first 50 fails with EIO.
        if (s.what == fault::broker_fsync_eio) broker_start({{"STREAMDOWN_FAULT_FSYNC_EIO_AFTER", "50"}});
        else broker_start({{"STREAMDOWN_FAULT_NO_SPACE_AFTER", std::to_string(s.param)}});
        tend_for(std::chrono::milliseconds(s.what == fault::broker_fsync_eio ? s.param : 2000), true);
        _broker->kill9();
        count("broker_kills");
        broker_start({});
        break;
      }
      case fault::consumer_kill: {
        auto& c = _consumers[_rng() % _consumers.size()];
        if (c.pid > 0) {
          ::kill(c.pid, SIGKILL);
          wait_for_exit(c.pid, 10s);
          c.pid = -1;
          ++c.killed;
        }
        break;
      }
      case fault::proxy_reset_all: _proxy.reset_all(); break;
      case fault::proxy_reset_one: _proxy.reset_one(_rng); break;
      case fault::proxy_stall: _proxy.stall(std::chrono::milliseconds(s.param)); break;
      case fault::relay_kill:
        if (_relay_pid > 0) {
          ::kill(_relay_pid, SIGKILL);
          wait_for_exit(_relay_pid, 10s);
          _relay_pid = -1;
        }
        start_relay("");
        break;
    }
  }

  void write_figures() {
    const char* out = std::getenv("STREAMDOWN_CHAOS_OUT");
    std::ofstream(out && *out ? out : "chaos-figures.json") << _figures.dump(2) << "\n";
  }

  std::uint64_t _seed;
  std::vector<step> _schedule;
  std::mt19937_64 _rng;
  temp_dir _dir{"sd-chaos"};
  std::string _ledger = _dir.file("ledger");
  chaos::tcp_proxy _proxy;
  std::unique_ptr<broker_process> _broker;
  bool _broker_faulty = false;
  std::vector<worker> _writers, _consumers;
  json _figures = json::object();
  int _min_kills_seen = 0;
  std::uint16_t _relay_port = 0;
  pid_t _relay_pid = -1;
  int _relay_starts = 0;
};

TEST(Chaos, NothingAcknowledgedLostDuplicatedOrReordered) {
  std::uint64_t seed = std::random_device{}();
  if (const char* s = std::getenv("STREAMDOWN_CHAOS_SEED"); s && *s) seed = std::strtoull(s, nullptr, 10);
  const int min_kills = scaled(20, 1000);
  chaos_run run(seed, min_kills);
  run.expect_min_kills(min_kills);
  run.print_schedule();
  run.run();
}

}  // namespace
}  // namespace sd::itest
