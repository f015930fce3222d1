#pragma once
// source: one [[source]] of the relay. A source turns what it receives into spool::records and acknowledges its
// peer (HTTP answer, MQTT PUBACK, consumer-group commit, file checkpoint) only from the spool's append callback,
// i.e. once the records are durable under the configured spool.sync. Under spool.when.full = block an append
// fails with spool::errc::full; the source then slows its peer down (429, stops reading a socket, stops reading
// a file or pauses its consumer) and resumes on spool::notify_on_space. It never drops what it did not
// acknowledge and never acknowledges what is not in the spool.
//
// Lifecycle: constructed from its config; start() binds or opens (throws std::runtime_error on a start-up error:
// port in use, unreadable path), and after it returns the source takes data; stop() stops taking data, lets
// appends in progress finish, and releases everything. Both are called from the relay's main thread.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "relay/config.h"
#include "spool/spool.h"

namespace sd::http {
class http_server;
}

namespace sd::relay {

/// Counters every source keeps (relaxed atomics; read at scrape time).
struct source_stats {
  std::atomic<std::uint64_t> received_total{0};       // records (messages, lines) taken from the peer
  std::atomic<std::uint64_t> appended_total{0};       // records acknowledged by the spool
  std::atomic<std::uint64_t> bytes_total{0};          // key + value bytes acknowledged by the spool
  std::atomic<std::uint64_t> rejected_total{0};       // records refused (bad input, too large) with an answer
  std::atomic<std::uint64_t> backpressure_total{0};   // times the spool was full and the source slowed down
  std::atomic<std::uint64_t> errors_total{0};         // I/O or protocol errors (connections dropped, read errors)
  std::atomic<std::int64_t> in_flight{0};             // records taken, not yet acknowledged to the peer
  std::atomic<std::int64_t> lag{0};                   // source-specific backlog (file: bytes not yet read)
  std::atomic<std::int64_t> connections{0};           // servers: open connections; clients: 1 when connected
};

/// What a source may use. Outlives every source.
struct source_context {
  spool::spool& spool;
  const std::string& relay_id;
  std::string state_dir;  // <spool.dir>/sources: checkpoint files, one per source name
  http::http_server* relay_http = nullptr;  // the relay's own HTTP server (http.addr), not yet started
  std::size_t http_max_body_bytes = 16u << 20;
};

class source {
 public:
  explicit source(source_config cfg) : _cfg(std::move(cfg)) {}
  virtual ~source() = default;
  source(const source&) = delete;
  source& operator=(const source&) = delete;

  const source_config& config() const { return _cfg; }
  const source_stats& stats() const { return _stats; }

  virtual void start() = 0;
  virtual void stop() = 0;
  /// The listening address when the source listens ("HOST:PORT"), else empty. Valid after start().
  virtual std::string bound_address() const { return {}; }
  /// Source-specific status for /v1/relay (added to the common fields).
  virtual void describe(nlohmann::json& out) const;

 protected:
  source_config _cfg;
  source_stats _stats;
};

}  // namespace sd::relay
