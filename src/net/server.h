#pragma once
// server: the Kafka listener. Accepts on one acceptor and hands each connection to a shard round-robin.
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
#include "net/memory_budget.h"
#include "net/message.h"
#include "net/probe.h"
#include "net/shard_set.h"

namespace sd::net {

class server {
 public:
  server(shard_set& shards, request_handler& handler, memory_budget& budget, connection_limits limits);

  /// Binds and listens; port 0 picks a free port. Throws on failure (start-up only).
  tcp::endpoint listen(const std::string& host, std::uint16_t port);
  /// Starts accepting (the shards must be running or about to run).
  void start_accepting();
  /// Stops accepting, stops every connection reading, waits up to `grace` for queued responses, then closes.
  void shutdown(std::chrono::milliseconds grace);

  net_probe& stats() noexcept { return _stats; }
  const net_probe& probe() const noexcept { return _stats; }

 private:
  awaitable<void> accept_loop();
  void forget_closed();

  shard_set& _shards;
  request_handler& _handler;
  memory_budget& _budget;
  connection_limits _limits;
  net_probe _stats;
  std::unique_ptr<tcp::acceptor> _acceptor;
  std::mutex _mu;
  std::vector<std::weak_ptr<connection>> _connections;  // guarded by _mu
  std::uint64_t _next_id = 1;
  std::size_t _next_shard = 0;
};

}  // namespace sd::net
