#pragma once
// tcp_proxy: a fault-injecting TCP relay for the chaos test, between Kafka clients and the broker (the broker
// advertises the proxy's address, so every client connection passes through it). Each accepted connection
// gets a thread that copies both ways with poll(). Faults, any time from any thread:
//   reset_all()     every open connection is closed with a TCP reset (SO_LINGER 0) on both sides;
//   reset_one(rng)  one random connection likewise;
//   stall(d)        no byte moves in either direction for d (connections stay open; clients time out or wait).
// While the upstream is down (broker killed), a new client connection is accepted and reset at once.
// 127.0.0.1 only; stop() (and the destructor) closes everything and joins every thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

namespace sd::chaos {

class tcp_proxy {
 public:
  /// Binds 127.0.0.1:0 now (so the port can be advertised before the upstream exists).
  tcp_proxy();
  ~tcp_proxy();
  tcp_proxy(const tcp_proxy&) = delete;
  tcp_proxy& operator=(const tcp_proxy&) = delete;

  std::uint16_t port() const { return _port; }
  /// Starts accepting; connections go to 127.0.0.1:upstream_port.
  void start(std::uint16_t upstream_port);
  void stop();

  void reset_all();
  void reset_one(std::mt19937_64& rng);
  void stall(std::chrono::milliseconds d);

  std::uint64_t connections_accepted() const { return _accepted.load(); }
  std::uint64_t connections_reset() const { return _reset.load(); }

 private:
  struct link {
    int client = -1;
    int upstream = -1;
    std::atomic<bool> kill{false};
  };
  void accept_loop();
  void pump(std::shared_ptr<link> l, std::uint64_t id);
  static void hard_close(int fd);

  int _listen_fd = -1;
  std::uint16_t _port = 0;
  std::uint16_t _upstream = 0;
  std::atomic<bool> _stop{false};
  std::atomic<std::int64_t> _stalled_until_ns{0};
  std::atomic<std::uint64_t> _accepted{0}, _reset{0};
  std::thread _acceptor;
  std::mutex _mu;
  std::map<std::uint64_t, std::shared_ptr<link>> _links;  // guarded by _mu; a link's fds close under _mu
  std::size_t _pumps = 0;                                  // guarded by _mu: running (detached) pump threads
  std::condition_variable _pumps_done;
  std::uint64_t _next_id = 0;
};

}  // namespace sd::chaos
