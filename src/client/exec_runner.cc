#include "client/exec_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

extern char** environ;

namespace sd::client {

namespace {

bool is_ours(const char* entry) {
  static const char* names[] = {"STREAMDOWN_KEY=", "STREAMDOWN_TOPIC=", "STREAMDOWN_PARTITION=",
                                "STREAMDOWN_OFFSET="};
  for (const char* n : names)
    if (std::strncmp(entry, n, std::strlen(n)) == 0) return true;
  return false;
}

/// Writes `input` to `in` and reads `out` to its end at the same time; closes both.
void pump(int in, int out, const std::string& input, std::string& collected) {
  std::size_t written = 0;
  bool in_open = true;
  if (input.empty()) {
    ::close(in);
    in_open = false;
  } else {
    ::fcntl(in, F_SETFL, ::fcntl(in, F_GETFL) | O_NONBLOCK);
  }
  char buf[65536];
  for (;;) {
    pollfd p[2] = {{out, POLLIN, 0}, {in_open ? in : -1, POLLOUT, 0}};
    if (::poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (in_open && (p[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
      const ssize_t n = ::write(in, input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<std::size_t>(n);
      if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == input.size()) {
        ::close(in);  // done, or EPIPE: the command does not read its input
        in_open = false;
      }
    }
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      const ssize_t n = ::read(out, buf, sizeof buf);
      if (n > 0) {
        collected.append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        break;  // end of the command's output
      }
    }
  }
  if (in_open) ::close(in);
  ::close(out);
}

}  // namespace

exec_outcome run_exec(const exec_request& req) {
  std::vector<std::string> own;
  if (req.key) own.push_back("STREAMDOWN_KEY=" + *req.key);
  own.push_back("STREAMDOWN_TOPIC=" + req.topic);
  own.push_back("STREAMDOWN_PARTITION=" + std::to_string(req.partition));
  own.push_back("STREAMDOWN_OFFSET=" + std::to_string(req.offset));
  std::vector<char*> envp;
  for (char** e = environ; *e; ++e)
    if (!is_ours(*e)) envp.push_back(*e);
  for (auto& s : own) envp.push_back(s.data());
  envp.push_back(nullptr);

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return {false, std::string("cannot create a pipe: ") + std::strerror(errno)};
  int out[2] = {-1, -1};
  if (req.capture_stdout && ::pipe2(out, O_CLOEXEC) != 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return {false, std::string("cannot create a pipe: ") + std::strerror(errno)};
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[0], STDIN_FILENO);  // dup2 clears O_CLOEXEC on the copy
  if (req.capture_stdout) posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  std::string sh = "/bin/sh", dash_c = "-c", cmd = req.command;
  char* argv[] = {sh.data(), dash_c.data(), cmd.data(), nullptr};
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, "/bin/sh", &actions, nullptr, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[0]);
  if (out[1] >= 0) ::close(out[1]);
  if (rc != 0) {
    ::close(fds[1]);
    if (out[0] >= 0) ::close(out[0]);
    return {false, std::string("cannot start /bin/sh: ") + std::strerror(rc)};
  }
  if (req.capture_stdout) {
    pump(fds[1], out[0], req.value ? *req.value : std::string(), *req.capture_stdout);
  } else if (req.value) {
    const char* p = req.value->data();
    std::size_t left = req.value->size();
    while (left > 0) {
      const ssize_t n = ::write(fds[1], p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // EPIPE: the command does not read its input; its exit status decides
      p += n;
      left -= static_cast<std::size_t>(n);
    }
  }
  if (!req.capture_stdout) ::close(fds[1]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return {false, std::string("waitpid: ") + std::strerror(errno)};
  }
  if (WIFEXITED(status)) {
    if (WEXITSTATUS(status) == 0) return {true, {}};
    return {false, "exit status " + std::to_string(WEXITSTATUS(status))};
  }
  if (WIFSIGNALED(status)) return {false, "killed by signal " + std::to_string(WTERMSIG(status))};
  return {false, "ended abnormally"};
}

}  // namespace sd::client
