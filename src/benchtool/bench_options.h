#pragma once
// Options of `streamdown bench` and their validation. The workloads:
//   produce  closed loop: send as fast as the client's queue allows; latency from each message's send call
//   latency  open loop at a fixed --rate: message i is due at start + i/rate and its latency is measured from
//            that intended time, so a stall delays (and is charged to) every message due during it
//            (no coordinated omission)
//   consume  read the topic from the beginning until every partition is at its end (or count/duration)
// Every run is bounded by --duration and, when given, --count.

#include <cstdint>
#include <string>
#include <vector>

namespace sd::benchtool {

enum class workload { produce, latency, consume };

struct bench_options {
  workload kind = workload::produce;
  std::string brokers = "127.0.0.1:9092";
  std::string topic = "streamdown-bench";
  std::int32_t partitions = 1;        // created with this many when missing (CreateTopics; errors ignored)
  std::int64_t size = 1024;           // value bytes per message
  std::int64_t count = 0;             // 0: no count bound
  double duration_s = 10.0;           // wall-clock bound of the measured phase
  std::string acks = "all";           // all | 1 | 0 (also -1)
  double linger_ms = 5.0;
  std::int64_t batch_bytes = 0;       // librdkafka batch.size; 0: library default
  std::string compression = "none";   // none | gzip | snappy | lz4 | zstd
  bool idempotence = false;
  std::int64_t transaction_records = 0;  // produce: > 0 wraps every this many messages in one transaction
  std::int64_t keys = 0;              // > 0: message i has key "k<i % keys>" (compacted topics); 0: no key
  double rate = 0.0;                  // msg/s; required for latency, optional cap for produce (0: unbounded)
  std::int64_t broker_pid = 0;        // 0: no broker CPU figure
  bool json = false;
  double progress_s = 1.0;            // 0: no progress line
  double flush_timeout_s = 30.0;      // bound on waiting for outstanding deliveries after the send phase
  std::vector<std::string> sets;      // extra librdkafka properties KEY=VALUE
};

/// Checks ranges and combinations; returns an empty string when valid, else a message naming the option.
std::string validate(const bench_options& o);

const char* to_string(workload w);

}  // namespace sd::benchtool
