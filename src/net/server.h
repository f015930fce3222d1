#pragma once
// server: the Kafka listeners. One acceptor per listener (listener.h); each accepted connection goes to a shard
// round-robin, carrying its listener's name, security protocol and (for TLS) the listener's current context.
// Keeps a registry of live connections so shutdown can stop them reading and let their queued responses
// drain before the event loops stop.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "net/asio.h"
#include "net/connection.h"
#include "net/listener.h"
#include "net/memory_budget.h"
#include "net/message.h"
#include "net/probe.h"
#include "net/shard_set.h"

namespace sd::net {

class server {
 public:
  server(shard_set& shards, request_handler& handler, memory_budget& budget, connection_limits limits);

  /// Binds and listens; port 0 picks a free port. Throws on failure (start-up only). Call once per listener.
  tcp::endpoint listen(const listener_spec& spec);
  /// A plaintext listener named PLAINTEXT (tests, tools).
  tcp::endpoint listen(const std::string& host, std::uint16_t port);
  /// Starts accepting (the shards must be running or about to run).
  void start_accepting();
  /// Stops accepting, stops every connection reading, waits up to `grace` for queued responses, then closes.
  void shutdown(std::chrono::milliseconds grace);

  net_probe& stats() noexcept { return _stats; }
  const net_probe& probe() const noexcept { return _stats; }

 private:
  struct listener_state {
    listener_spec spec;
    std::unique_ptr<tcp::acceptor> acceptor;
    std::uint16_t bound_port = 0;
  };
  awaitable<void> accept_loop(listener_state& l);
  void forget_closed();

  shard_set& _shards;
  request_handler& _handler;
  memory_budget& _budget;
  connection_limits _limits;
  net_probe _stats;
  std::vector<std::unique_ptr<listener_state>> _listeners;
  std::mutex _mu;
  std::vector<std::weak_ptr<connection>> _connections;  // guarded by _mu
  std::uint64_t _next_id = 1;
  std::size_t _next_shard = 0;
};

}  // namespace sd::net
