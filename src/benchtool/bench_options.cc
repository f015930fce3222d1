#include "benchtool/bench_options.h"

namespace sd::benchtool {

const char* to_string(workload w) {
  switch (w) {
    case workload::produce: return "produce";
    case workload::latency: return "latency";
    case workload::consume: return "consume";
  }
  return "?";
}

std::string validate(const bench_options& o) {
  if (o.brokers.empty()) return "--brokers must not be empty";
  if (o.topic.empty()) return "--topic must not be empty";
  if (o.partitions < 1 || o.partitions > 10000) return "--partitions must be in [1, 10000]";
  if (o.size < 0 || o.size > (64 << 20)) return "--size must be in [0, 64 MiB]";
  if (o.count < 0) return "--count must be >= 0";
  if (!(o.duration_s > 0) || o.duration_s > 24 * 3600) return "--duration must be in (0, 86400] seconds";
  if (o.acks != "all" && o.acks != "-1" && o.acks != "1" && o.acks != "0") return "--acks must be all, -1, 1 or 0";
  if (o.linger_ms < 0 || o.linger_ms > 900000) return "--linger-ms must be in [0, 900000]";
  if (o.batch_bytes < 0) return "--batch-bytes must be >= 0";
  if (o.compression != "none" && o.compression != "gzip" && o.compression != "snappy" && o.compression != "lz4" &&
      o.compression != "zstd")
    return "--compression must be none, gzip, snappy, lz4 or zstd";
  if (o.idempotence && o.acks != "all" && o.acks != "-1") return "--idempotence needs --acks all";
  if (o.transaction_records < 0) return "--transaction-records must not be negative";
  if (o.keys < 0) return "--keys must not be negative";
  if (o.transaction_records > 0 && o.acks != "all" && o.acks != "-1") return "--transaction-records needs --acks all";
  if (o.transaction_records > 0 && o.kind != workload::produce) return "--transaction-records is for produce";
  if (o.rate < 0) return "--rate must be >= 0";
  if (o.kind == workload::latency && !(o.rate > 0)) return "latency needs --rate > 0 (messages per second)";
  if (o.broker_pid < 0) return "--broker-pid must be a process id";
  if (o.progress_s < 0) return "--progress must be >= 0";
  if (!(o.flush_timeout_s > 0)) return "--flush-timeout must be > 0";
  for (const auto& s : o.sets)
    if (s.find('=') == std::string::npos || s.front() == '=') return "--set expects KEY=VALUE, got '" + s + "'";
  return {};
}

}  // namespace sd::benchtool
