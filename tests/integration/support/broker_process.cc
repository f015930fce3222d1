#include "support/broker_process.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <regex>

namespace sd::itest {

broker_process::broker_process(broker_config cfg)
    : _cfg(std::move(cfg)), _dir(std::make_unique<temp_dir>("sd-broker")) {
  _data_dir = _dir->file("data");
  _stderr_path = _dir->file("broker.stderr");
}

broker_process::~broker_process() {
  if (_pid > 0) {
    ::kill(_pid, SIGKILL);
    wait_for_exit(_pid, std::chrono::seconds(30));
    _pid = -1;
  }
  join_reader();
}

std::string broker_process::bootstrap() const { return "127.0.0.1:" + std::to_string(_kafka_port); }

std::uint16_t broker_process::listener_port(const std::string& name) const {
  auto it = _listener_ports.find(name);
  return it == _listener_ports.end() ? 0 : it->second;
}

std::vector<std::string> broker_process::argv() const {
  bool has_listeners = false;
  for (const auto& kv : _cfg.sets) has_listeners |= kv.first == "listeners";
  std::vector<std::string> a = {streamdown_binary(), "broker", "--data-dir", _data_dir};
  if (!has_listeners) {
    a.push_back("--kafka-addr");
    a.push_back("127.0.0.1:" + std::to_string(_kafka_port));
  }
  a.push_back("--http-addr");
  a.push_back("127.0.0.1:" + std::to_string(_http_port));
  for (const auto& [k, v] : _cfg.sets) {
    std::string value = v;
    if (k == "listeners" && !_listener_ports.empty()) {
      // Restart on the ports bound the first time: NAME://HOST:0 -> NAME://HOST:<bound>.
      static const std::regex entry_re(R"(([A-Z_]+)://([^,]*):0\b)");
      std::string out;
      std::sregex_iterator it(value.begin(), value.end(), entry_re), end;
      std::size_t last = 0;
      for (; it != end; ++it) {
        const auto& m = *it;
        out += value.substr(last, static_cast<std::size_t>(m.position()) - last);
        out += m[1].str() + "://" + m[2].str() + ":" + std::to_string(listener_port(m[1].str()));
        last = static_cast<std::size_t>(m.position() + m.length());
      }
      value = out + value.substr(last);
    }
    a.push_back("--set");
    a.push_back(k + "=" + value);
  }
  a.insert(a.end(), _cfg.extra_args.begin(), _cfg.extra_args.end());
  return a;
}

void broker_process::reader_loop(int fd) {
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    std::lock_guard lk(_mu);
    if (n <= 0) {
      _stdout_eof = true;
      _cv.notify_all();
      break;
    }
    _stdout.append(buf, static_cast<std::size_t>(n));
    _cv.notify_all();
  }
  ::close(fd);
}

void broker_process::join_reader() {
  if (_reader.joinable()) _reader.join();
}

void broker_process::reaped(const exit_info& e) {
  _last_exit = e;
  _pid = -1;
  join_reader();  // the pipe reaches EOF once the child is gone
}

void broker_process::start() {
  if (_pid > 0) throw harness_error("broker_process::start: already running (pid " + std::to_string(_pid) + ")");
  join_reader();
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw harness_error(std::string("pipe2: ") + std::strerror(errno));

  command cmd;
  cmd.argv = argv();
  cmd.env = _cfg.env;
  cmd.stderr_path = _stderr_path;
  cmd.append_output = true;
  {
    std::ofstream(_stderr_path, std::ios::app) << "=== [itest] start: " << quote_argv(cmd.argv) << "\n";
  }
  try {
    _pid = spawn(cmd, fds[1]);
  } catch (...) {
    ::close(fds[0]);
    ::close(fds[1]);
    throw;
  }
  ::close(fds[1]);
  {
    std::lock_guard lk(_mu);
    _stdout_eof = false;
    _run_stdout_from = _stdout.size();
  }
  _reader = std::thread([this, fd = fds[0]] { reader_loop(fd); });

  static const std::regex line_re(R"(listening kafka=([^\s:]+|\[[^\]]*\]):(\d+) http=([^\s:]+|\[[^\]]*\]):(\d+))");
  auto deadline = std::chrono::steady_clock::now() + _cfg.start_timeout;
  std::unique_lock lk(_mu);
  for (;;) {
    std::string run_out = _stdout.substr(_run_stdout_from);
    std::smatch m;
    if (std::regex_search(run_out, m, line_re)) {
      _kafka_port = static_cast<std::uint16_t>(std::stoi(m[2].str()));
      _http_port = static_cast<std::uint16_t>(std::stoi(m[4].str()));
      // " listeners=PLAINTEXT=127.0.0.1:1234,SSL=127.0.0.1:5678" (all listeners, the first being kafka=).
      static const std::regex listener_re(R"(([A-Z_]+)=(?:[^\s:,]+|\[[^\]]*\]):(\d+))");
      auto pos = run_out.find(" listeners=", static_cast<std::size_t>(m.position()));
      if (pos != std::string::npos) {
        auto eol = run_out.find('\n', pos);
        std::string list = run_out.substr(pos + 11, eol == std::string::npos ? std::string::npos : eol - pos - 11);
        for (std::sregex_iterator it(list.begin(), list.end(), listener_re), end; it != end; ++it)
          _listener_ports[(*it)[1].str()] = static_cast<std::uint16_t>(std::stoi((*it)[2].str()));
      }
      return;
    }
    if (_stdout_eof || std::chrono::steady_clock::now() >= deadline) {
      lk.unlock();
      // Closed stdout without the line: it is exiting (or closed stdout, a contract breach). Give it a moment.
      exit_info e = wait_for_exit(_pid, _stdout_eof ? std::chrono::seconds(5) : std::chrono::milliseconds(0));
      std::string what;
      if (e.timed_out) {
        ::kill(_pid, SIGKILL);
        wait_for_exit(_pid, std::chrono::seconds(30));
        what = _stdout_eof ? "closed stdout without printing the listening line (killed)"
                           : "did not print the listening line within " +
                                 std::to_string(_cfg.start_timeout.count()) + " ms (killed)";
      } else {
        what = e.describe() + " before printing the listening line";
      }
      _pid = -1;
      join_reader();
      throw harness_error("broker " + what + "\n" + diagnostics());
    }
    _cv.wait_for(lk, std::chrono::milliseconds(50));
  }
}

exit_info broker_process::signal_and_wait(int sig) {
  if (_pid <= 0) throw harness_error("broker_process: not running");
  ::kill(_pid, sig);
  exit_info e = wait_for_exit(_pid, _cfg.stop_timeout);
  if (e.timed_out) {
    ::kill(_pid, SIGKILL);
    wait_for_exit(_pid, std::chrono::seconds(30));
  }
  reaped(e);
  return e;
}

void broker_process::stop() {
  exit_info e = signal_and_wait(SIGTERM);
  if (!e.clean()) {
    throw harness_error("broker did not shut down cleanly on SIGTERM: " + e.describe() + "\n" + diagnostics());
  }
}

void broker_process::kill9() {
  if (_pid <= 0) throw harness_error("broker_process::kill9: not running");
  ::kill(_pid, SIGKILL);
  exit_info e = wait_for_exit(_pid, std::chrono::seconds(30));
  reaped(e);
}

void broker_process::restart() {
  stop();
  start();
}

std::string broker_process::stderr_text() const { return read_file(_stderr_path); }

std::string broker_process::stdout_text() const {
  std::lock_guard lk(_mu);
  return _stdout;
}

std::string broker_process::diagnostics() const {
  std::string s = "--- broker stderr (" + _stderr_path + ") ---\n" + tail(stderr_text());
  std::string out = stdout_text();
  if (!out.empty()) s += "\n--- broker stdout ---\n" + tail(out, 2000);
  if (_last_exit) s += "\n--- last exit: " + _last_exit->describe();
  return s;
}

std::uint64_t broker_process::rss_bytes() const {
  if (_pid <= 0) return 0;
  std::ifstream in("/proc/" + std::to_string(_pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      return std::stoull(line.substr(6)) * 1024;  // "VmRSS:   12345 kB"
    }
  }
  return 0;
}

broker_run_result run_broker_to_exit(const std::vector<std::string>& args, const env_list& env,
                                     std::chrono::milliseconds timeout) {
  temp_dir logs("sd-run");
  command cmd;
  cmd.argv = {streamdown_binary()};
  cmd.argv.insert(cmd.argv.end(), args.begin(), args.end());
  cmd.env = env;
  cmd.stdout_path = logs.file("stdout");
  cmd.stderr_path = logs.file("stderr");
  broker_run_result r;
  r.exit = run_command(cmd, timeout);
  r.stdout_text = read_file(cmd.stdout_path);
  r.stderr_text = read_file(cmd.stderr_path);
  return r;
}

}  // namespace sd::itest
