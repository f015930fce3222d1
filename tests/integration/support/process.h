#pragma once
// Child processes for tests: spawn with redirected stdio and extra environment, wait with a deadline, and
// run-to-completion. Only ever signals and reaps the PIDs it spawned (never a process group or a name).

#include <sys/types.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace sd::itest {

using env_list = std::vector<std::pair<std::string, std::string>>;

/// How a child ended.
struct exit_info {
  bool exited = false;    // exited normally (then `code` is valid)
  int code = -1;          // exit status
  int signal = 0;         // terminating signal when !exited and !timed_out
  bool timed_out = false; // still running when the deadline passed
  bool clean() const { return exited && code == 0; }
  std::string describe() const;
};

struct command {
  std::vector<std::string> argv;  // argv[0] is the program path
  env_list env;                   // added to (or replacing in) the parent's environment
  std::string stdin_path;         // empty: /dev/null
  std::string stdout_path;        // empty: /dev/null
  std::string stderr_path;        // empty: /dev/null
  bool append_output = false;     // open stdout/stderr files with O_APPEND instead of truncating
};

/// Starts cmd. If stdout_fd >= 0 it becomes the child's stdout (cmd.stdout_path is then ignored).
/// Throws harness_error when the program cannot be started.
pid_t spawn(const command& cmd, int stdout_fd = -1);

/// Waits for pid (a child of this process) for at most timeout. On timeout the child keeps running and the
/// result has timed_out set.
exit_info wait_for_exit(pid_t pid, std::chrono::milliseconds timeout);

/// Non-blocking: the exit if pid has ended (and reaps it), else nullopt-like result with timed_out set.
exit_info poll_exit(pid_t pid);

/// Runs cmd to completion; on timeout kills that child with SIGKILL, reaps it and reports timed_out.
exit_info run_command(const command& cmd, std::chrono::milliseconds timeout);

/// The argv joined for messages.
std::string quote_argv(const std::vector<std::string>& argv);

}  // namespace sd::itest
