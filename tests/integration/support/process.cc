#include "support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <thread>

#include "support/test_env.h"

extern char** environ;

namespace sd::itest {

std::string exit_info::describe() const {
  if (timed_out) return "still running at the deadline";
  if (exited) return "exited with code " + std::to_string(code);
  return std::string("killed by signal ") + std::to_string(signal) + " (" + ::strsignal(signal) + ")";
}

std::string quote_argv(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) {
    if (!s.empty()) s += ' ';
    s += a.find(' ') == std::string::npos ? a : "'" + a + "'";
  }
  return s;
}

pid_t spawn(const command& cmd, int stdout_fd) {
  if (cmd.argv.empty()) throw harness_error("spawn: empty argv");

  // Everything the child needs is prepared before posix_spawn: no allocation happens in the child.
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : cmd.env) env[k] = v;
  std::vector<std::string> env_strings;
  env_strings.reserve(env.size());
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = cmd.argv;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  int out_flags = O_WRONLY | O_CREAT | (cmd.append_output ? O_APPEND : O_TRUNC);
  posix_spawn_file_actions_addopen(&fa, 0, cmd.stdin_path.empty() ? "/dev/null" : cmd.stdin_path.c_str(),
                                   O_RDONLY, 0);
  if (stdout_fd >= 0) {
    posix_spawn_file_actions_adddup2(&fa, stdout_fd, 1);
  } else {
    posix_spawn_file_actions_addopen(&fa, 1, cmd.stdout_path.empty() ? "/dev/null" : cmd.stdout_path.c_str(),
                                     cmd.stdout_path.empty() ? O_WRONLY : out_flags, 0644);
  }
  posix_spawn_file_actions_addopen(&fa, 2, cmd.stderr_path.empty() ? "/dev/null" : cmd.stderr_path.c_str(),
                                   cmd.stderr_path.empty() ? O_WRONLY : out_flags, 0644);

  // Signals ignored or blocked in the test process (gtest, librdkafka threads) must not leak into the child.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, argv[0], &fa, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    throw harness_error("cannot start " + quote_argv(cmd.argv) + ": " + std::strerror(rc));
  }
  return pid;
}

namespace {
exit_info from_status(int status) {
  exit_info e;
  if (WIFEXITED(status)) {
    e.exited = true;
    e.code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    e.signal = WTERMSIG(status);
  }
  return e;
}
}  // namespace

exit_info poll_exit(pid_t pid) {
  int status = 0;
  pid_t r = ::waitpid(pid, &status, WNOHANG);
  if (r == pid) return from_status(status);
  if (r < 0 && errno != EINTR) throw harness_error("waitpid(" + std::to_string(pid) + "): " + std::strerror(errno));
  exit_info e;
  e.timed_out = true;
  return e;
}

exit_info wait_for_exit(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    exit_info e = poll_exit(pid);
    if (!e.timed_out) return e;
    if (std::chrono::steady_clock::now() >= deadline) return e;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

exit_info run_command(const command& cmd, std::chrono::milliseconds timeout) {
  pid_t pid = spawn(cmd);
  exit_info e = wait_for_exit(pid, timeout);
  if (e.timed_out) {
    ::kill(pid, SIGKILL);
    exit_info killed = wait_for_exit(pid, std::chrono::seconds(30));
    (void)killed;
  }
  return e;
}

}  // namespace sd::itest
