#pragma once
// The real `streamdown broker` as a child process of the test, on ephemeral 127.0.0.1 ports and a private
// data directory, so tests can run in parallel (ctest -j).
//
// Contract with the broker (from the issue): it prints exactly one line
//   listening kafka=HOST:PORT http=HOST:PORT
// on stdout once recovery is done and it accepts connections; SIGTERM means a clean shutdown with exit 0.
//
// Ownership: a broker_process owns one temp directory (data dir + captured stderr/stdout) and at most one
// running child. It signals only that child's PID. The destructor SIGKILLs a child still running (a test that
// wants to check a clean exit calls stop() itself) and removes the directory.

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/process.h"
#include "support/test_env.h"

namespace sd::itest {

struct broker_config {
  /// Each becomes --set key=value. With a `listeners` entry, --kafka-addr is not passed and every listener's
  /// port 0 is replaced, on restarts, by the port the first start bound (listener_port()).
  env_list sets;
  env_list env;                          // extra environment (e.g. STREAMDOWN_FAULT_WRITE_BPS)
  std::vector<std::string> extra_args;   // appended after the standard flags
  std::chrono::milliseconds start_timeout{std::chrono::seconds(30)};
  std::chrono::milliseconds stop_timeout{std::chrono::seconds(30)};
};

class broker_process {
 public:
  /// Creates the temp directory; does not start the broker.
  explicit broker_process(broker_config cfg = {});
  ~broker_process();
  broker_process(const broker_process&) = delete;
  broker_process& operator=(const broker_process&) = delete;

  /// Starts the broker and waits (bounded by start_timeout) for the listening line. The first start binds
  /// port 0; later starts reuse the ports of the first, so clients that cached the advertised address
  /// reconnect. Throws harness_error (with the broker's stderr) if it exits or times out first.
  void start();
  /// SIGTERM and wait; throws harness_error unless the broker exits with code 0 within stop_timeout.
  void stop();
  /// Sends sig and waits up to stop_timeout; returns how it ended (SIGKILLs it if still running then).
  exit_info signal_and_wait(int sig);
  /// SIGKILL and reap.
  void kill9();
  /// stop() then start() on the same data directory and ports.
  void restart();

  bool running() const { return _pid > 0; }
  pid_t pid() const { return _pid; }
  std::uint16_t kafka_port() const { return _kafka_port; }
  std::uint16_t http_port() const { return _http_port; }
  /// "127.0.0.1:PORT" for client bootstrap.servers (the first listener).
  std::string bootstrap() const;
  /// The bound port of a listener by name ("SASL_SSL"), from the listening line; 0 when there is none.
  std::uint16_t listener_port(const std::string& name) const;
  /// "127.0.0.1:PORT" of a listener by name.
  std::string bootstrap(const std::string& listener) const { return "127.0.0.1:" + std::to_string(listener_port(listener)); }
  const std::string& data_dir() const { return _data_dir; }
  /// The temp directory holding the data dir and logs (for extra files a test needs).
  const temp_dir& dir() const { return *_dir; }
  /// Everything the broker wrote to stderr over all runs (the file is appended to on each start).
  std::string stderr_text() const;
  std::string stdout_text() const;
  /// Tail of stderr and stdout, formatted for a failure message.
  std::string diagnostics() const;
  /// The running broker's resident set size (VmRSS from /proc/PID/status), in bytes; 0 if not running.
  std::uint64_t rss_bytes() const;
  /// The extra environment of the next start() (fault injection for one run, say).
  void set_env(env_list env) { _cfg.env = std::move(env); }
  /// The argv the next start() will use.
  std::vector<std::string> argv() const;

 private:
  void reader_loop(int fd);
  void join_reader();
  void reaped(const exit_info& e);

  broker_config _cfg;
  std::unique_ptr<temp_dir> _dir;
  std::string _data_dir;
  std::string _stderr_path;
  pid_t _pid = -1;
  std::uint16_t _kafka_port = 0;
  std::uint16_t _http_port = 0;
  std::map<std::string, std::uint16_t> _listener_ports;  // from "listeners=NAME=host:port,..."
  std::optional<exit_info> _last_exit;

  // stdout is a pipe drained by _reader into _stdout (so the broker never blocks on a full pipe).
  std::thread _reader;
  mutable std::mutex _mu;
  std::condition_variable _cv;
  std::string _stdout;          // guarded by _mu, all runs
  std::size_t _run_stdout_from = 0;  // where this run's stdout starts in _stdout
  bool _stdout_eof = false;     // guarded by _mu
};

/// Runs `streamdown broker` with the given arguments (nothing added) to completion, for start-up failures.
struct broker_run_result {
  exit_info exit;
  std::string stdout_text;
  std::string stderr_text;
};
broker_run_result run_broker_to_exit(const std::vector<std::string>& args, const env_list& env,
                                     std::chrono::milliseconds timeout);

}  // namespace sd::itest
