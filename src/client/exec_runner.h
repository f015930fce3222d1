#pragma once
// Runs `consume --exec CMD` for one record: `/bin/sh -c CMD` with the value on stdin and
// STREAMDOWN_KEY (unset for a null key), STREAMDOWN_TOPIC, STREAMDOWN_PARTITION, STREAMDOWN_OFFSET in the
// environment; stdout (unless captured) and stderr are inherited. A captured stdout is read while the input is
// written (poll), so a command may write any amount before reading all of its input. Success means exit status 0. Safe to call from several
// threads at once (posix_spawn; the caller must ignore SIGPIPE so a command that does not read stdin does
// not kill the tool).

#include <cstdint>
#include <optional>
#include <string>

namespace sd::client {

struct exec_request {
  std::string command;
  std::optional<std::string> key;
  std::optional<std::string> value;  // nullopt: empty stdin
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  /// When set, the command's stdout is collected here instead of inherited (--transactional-output).
  std::string* capture_stdout = nullptr;
};

struct exec_outcome {
  bool ok = false;
  std::string error;  // "exit status 3", "killed by signal 9", "cannot start /bin/sh: ..."
};

exec_outcome run_exec(const exec_request& req);

}  // namespace sd::client
