#pragma once
// Running `streamdown <tool command>` as a child process in integration tests, plus small readers for
// what the tests check (committed offsets through librdkafka, whether the broker has consumer groups).

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "support/broker_process.h"
#include "support/process.h"
#include "support/test_env.h"

namespace sd::itest {

struct tool_run {
  exit_info exit;
  std::string out;
  std::string err;
  std::string describe() const;  // exit, stderr tail, stdout tail: for failure messages
};

/// Runs `streamdown args...` with stdin from stdin_text (written to a file in dir) to completion.
tool_run run_tool(const temp_dir& dir, const std::vector<std::string>& args, const std::string& stdin_text = "",
                  std::chrono::milliseconds timeout = std::chrono::seconds(120), const env_list& env = {});

/// Starts `streamdown args...` without waiting; stdout/stderr go to files in dir (out_name, out_name + ".err").
pid_t start_tool(const temp_dir& dir, const std::vector<std::string>& args, const std::string& out_name,
                 const env_list& env = {});

/// True when the broker advertises JoinGroup (API key 11) in ApiVersions.
bool broker_has_groups(const broker_process& b);

/// Committed offsets of `group` for partitions 0..partitions-1 of topic, read with librdkafka
/// (KafkaConsumer::committed); -1 for none.
std::vector<std::int64_t> committed_offsets(const std::string& bootstrap, const std::string& group,
                                            const std::string& topic, std::int32_t partitions);

/// A 127.0.0.1 port with nothing listening (bound, then closed).
std::uint16_t closed_port();

/// Lines of a text (without the '\n's).
std::vector<std::string> split_lines(const std::string& text);

/// `GET path` on 127.0.0.1:port; the body, or nullopt when the request fails.
std::optional<std::string> http_get(std::uint16_t port, const std::string& path);

}  // namespace sd::itest
