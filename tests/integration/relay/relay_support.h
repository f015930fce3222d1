#pragma once
// Test support for `streamdown relay`: the relay as a child process (like broker_process), an HTTP POST client,
// and an upstream reader that returns records with their headers (for provenance checks).

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/process.h"
#include "temp_dir.h"

namespace sd::itest {

class relay_process {
 public:
  /// `sets` become --set key=value; spool.dir defaults to <dir>/spool and http.addr to 127.0.0.1:0.
  explicit relay_process(env_list sets, env_list env = {});
  ~relay_process();
  relay_process(const relay_process&) = delete;
  relay_process& operator=(const relay_process&) = delete;

  /// Starts and waits for `relay ready http=...`; throws harness_error with stderr on exit or timeout.
  /// `stdin_path` feeds the relay's stdin (empty: /dev/null).
  void start(const std::string& stdin_path = {});
  void kill9();
  /// SIGTERM and wait; the exit info.
  exit_info stop();
  bool running() const { return _pid > 0; }
  std::uint16_t http_port() const { return _http_port; }
  /// A source's listening port from the ready line (by source name), 0 if absent.
  std::uint16_t source_port(const std::string& name) const;
  std::string spool_dir() const { return _spool_dir; }
  std::string stderr_text() const;
  const test::temp_dir& dir() const { return _dir; }
  /// Runs `streamdown relay` with these sets to its exit (start-up failures).
  static exit_info run_to_exit(const env_list& sets, std::string& stderr_out, std::chrono::milliseconds timeout);

 private:
  env_list _sets;
  env_list _env;
  test::temp_dir _dir;
  std::string _spool_dir;
  pid_t _pid = -1;
  std::uint16_t _http_port = 0;
  std::map<std::string, std::uint16_t> _source_ports;
};

struct http_result {
  int status = 0;  // 0: no answer
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
};

/// The payload of an HTTP/1.1 chunked body (what arrived of it; extensions and trailers ignored).
std::string dechunk(const std::string& chunked);

/// One POST on a fresh connection to 127.0.0.1:port (a chunked answer comes back de-chunked).
http_result http_post(std::uint16_t port, const std::string& path, const std::string& body,
                      const std::string& content_type, const std::vector<std::pair<std::string, std::string>>& headers = {},
                      std::chrono::milliseconds timeout = std::chrono::seconds(20));

struct upstream_record {
  std::int32_t partition = -1;
  std::int64_t offset = -1;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<std::string> header(const std::string& name) const;
};

/// Reads every partition of topic from the beginning to its end (no group). Throws harness_error on set-up errors.
std::vector<upstream_record> read_upstream(const std::string& bootstrap, const std::string& topic,
                                           std::chrono::milliseconds timeout = std::chrono::seconds(60));

/// A TCP port on 127.0.0.1 that was free a moment ago (for peers that need their port before they start).
std::uint16_t free_loopback_port();

/// Polls until pred() or the deadline; returns pred()'s last value.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pred();
}

}  // namespace sd::itest
