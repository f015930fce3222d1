#pragma once
// forwarder: moves spooled records to the upstream Kafka-API cluster, exactly once, on its own thread.
//
// Exactly once without transactions (works against any Kafka cluster):
//  - every record is produced to a partition the relay chooses deterministically (an explicit partition, else
//    Kafka's murmur2 of the key, else seq modulo the partition count), with two provenance headers:
//    streamdown.relay.id = relay.id and streamdown.spool.seq = the spool sequence number;
//  - per partition, later records never pass earlier ones: the idempotent producer keeps order, retries never
//    time out (message.timeout.ms = 0), and any delivery failure stops sending, drops the producer and resumes
//    from the first record the upstream does not hold (a record is never skipped because a later one failed);
//  - after a start, a reconnect or such a failure ("resume"), the forwarder reads the tail of every upstream
//    partition the not-yet-forwarded records go to, finds the highest streamdown.spool.seq of its own relay id
//    there, and skips records at or below it. The ledger (spool::mark_forwarded) is only a starting point;
//    the upstream is the truth.
//  - the ledger moves only over records the upstream acknowledged, in sequence order.
// Reading a tail starts from a hint (the upstream offset of a record of ours the forwarder saw acknowledged,
// kept in <spool.dir>/forwarder/positions.json, any old version of which is still a correct lower bound) or,
// without one, scans backwards from the high watermark in growing windows until it meets a record of ours at or
// below the ledger or the partition's start.
//
// What breaks the guarantee (docs/RELAY.md): upstream retention deleting records before the relay resumes,
// two relays with the same relay.id writing to one cluster (detected: a record of ours with a seq the spool
// never forwarded is logged), a topic's partition count changing while records are pending.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "metrics/histogram.h"
#include "relay/config.h"
#include "spool/spool.h"

namespace sd::relay {

enum class upstream_state : int { connecting = 0, up = 1, down = 2, error = 3 };
const char* to_string(upstream_state s);

struct forwarder_stats {
  std::atomic<int> state{static_cast<int>(upstream_state::connecting)};
  std::atomic<std::int64_t> state_since_ms{0};      // wall clock of the last state change
  std::atomic<std::uint64_t> forwarded_total{0};    // records the upstream acknowledged
  std::atomic<std::uint64_t> forwarded_bytes_total{0};
  std::atomic<std::uint64_t> skipped_total{0};      // found upstream already by a resume (not sent again)
  std::atomic<std::uint64_t> rejected_total{0};     // refused by the upstream for good (too large, ...): logged
  std::atomic<std::uint64_t> errors_total{0};       // delivery and connection errors
  std::atomic<std::uint64_t> resumes_total{0};
  std::atomic<std::uint64_t> resume_scanned_total{0};  // upstream records read by resumes
  std::atomic<std::int64_t> in_flight{0};           // records handed to the producer, not yet acknowledged
  metrics::histogram latency;                       // send -> upstream acknowledgement
  std::string last_error;                           // guarded by the forwarder's mutex
};

class forwarder {
 public:
  forwarder(const relay_config& config, spool::spool& spool);
  ~forwarder();
  forwarder(const forwarder&) = delete;
  forwarder& operator=(const forwarder&) = delete;

  void start();
  /// Stops sending; waits up to `drain` for in-flight records to be acknowledged (and the ledger to move).
  void stop(std::chrono::milliseconds drain = std::chrono::milliseconds(2000));

  const forwarder_stats& stats() const { return _stats; }
  std::string last_error() const;

 private:
  struct impl;
  void run();

  const relay_config& _config;
  spool::spool& _spool;
  forwarder_stats _stats;
  std::unique_ptr<impl> _impl;
  std::thread _thread;
  std::atomic<bool> _stop{false};
  mutable std::mutex _mu;
  std::condition_variable _cv;
  bool _wake = false;
  std::chrono::steady_clock::time_point _drain_deadline{};
};

}  // namespace sd::relay
