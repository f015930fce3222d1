#pragma once
// Building librdkafka configurations from the common flags (-b, -X, --timeout) and reporting failures.
//
// Errors: every tool command runs start to exit, and a failure of any step ends the command. So the
// librdkafka-facing layer throws tool_error (exit 1) or usage_error (exit 2) with a complete message, and
// the command runner (commands.cc) is the one place that prints it and picks the exit code. The pure logic
// (settings.h, record_reader.h, key_scheduler.h) returns result<T> instead.

#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace sd::client {

struct tool_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Flags every command has.
struct connection_options {
  std::string bootstrap = "127.0.0.1:9092";
  std::vector<std::string> settings;  // -X key=value, applied last (they win over everything)
  std::string timeout = "30s";        // per request / connection attempt budget
  std::string password_file;          // --password-file: sasl.password from the file's first line
};

/// The -X settings as a map, with sasl.password filled, when absent, from --password-file or else the
/// environment variable STREAMDOWN_SASL_PASSWORD (so a password need not appear in argv or shell history).
std::map<std::string, std::string> effective_settings(const connection_options& o);

using conf_map = std::map<std::string, std::string>;

/// Remembers the most recent client-level error librdkafka reported (e.g. "connection refused"), so a
/// timeout can say why. Thread-safe.
class error_log : public RdKafka::EventCb {
 public:
  void event_cb(RdKafka::Event& event) override;
  std::string last() const;
  bool all_brokers_down() const;

 private:
  mutable std::mutex _mu;
  std::string _last;
  bool _all_down = false;
};

/// The timeout flag as a duration (usage_error when malformed).
std::chrono::milliseconds timeout_of(const connection_options& o);

/// bootstrap.servers, timeouts derived from --timeout, quiet logging, then `defaults`, then every -X setting.
/// usage_error for a malformed -X or a key/value librdkafka rejects (its message included).
std::unique_ptr<RdKafka::Conf> make_conf(const connection_options& o, const conf_map& defaults, error_log* log);

/// "what: <librdkafka message>", plus the last connection error when it explains a timeout.
std::string describe_failure(const std::string& what, RdKafka::ErrorCode err, const error_log* log);

}  // namespace sd::client
