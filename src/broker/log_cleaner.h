#pragma once
// log_cleaner: runs log compaction (compaction/cleaner.h) for every partition of a topic with
// cleanup.policy=compact.
//
// Each storage shard looks at its own compacted partitions every log.cleaner.backoff.ms: on the owner shard it
// snapshots the log (partition_log::view_for_cleaning) and the producer facts the pass needs, decides
// (compaction::assess), hands the pass to the cleaner thread pool (log.cleaner.threads threads, each with an
// offset map of log.cleaner.dedupe.buffer.size / threads bytes), and installs the cleaned segments back on
// the owner shard (partition_log::install_cleaned: crash-atomic). A pass whose map filled up is followed at
// once by another, so a partition with more keys than the map holds is cleaned in several passes. Reads and
// writes of all threads together are paced to log.cleaner.io.max.bytes.per.second.
//
// The group offsets log and the transaction log are compacted logs too (group/offset_log.h); they are cleaned
// the same way on the coordinator's shard (add_internal_log).
//
// Produce never waits for the cleaner: only the install step runs on the owner shard (a few renames and
// directory syncs).

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "broker/partition_state.h"
#include "broker/topic_table.h"
#include "compaction/cleaner.h"
#include "metrics/text_writer.h"
#include "net/shard_set.h"
#include "storage/cleaning.h"

namespace sd::broker {

struct log_cleaner_config {
  bool enable = true;
  int threads = 1;
  std::int64_t backoff_ms = 15000;
  std::int64_t io_max_bytes_per_second = INT64_MAX;
  std::int64_t dedupe_buffer_size = 128ll << 20;
  storage::cleaning_step_hook step_hook;  // tests (STREAMDOWN_FAULT_CLEANER_KILL_AT)
};

class log_cleaner {
 public:
  log_cleaner(net::shard_set& shards, topic_table& topics, io::filesystem& fs, log_cleaner_config cfg);
  ~log_cleaner();
  log_cleaner(const log_cleaner&) = delete;
  log_cleaner& operator=(const log_cleaner&) = delete;

  /// Also cleans a log that is not a topic partition (the group offsets log, the transaction log), owned by
  /// `shard`'s event loop. Call before start().
  void add_internal_log(std::string name, std::shared_ptr<storage::partition_log> log, std::size_t shard);

  /// Starts one checking loop per shard (no-op when disabled).
  void start();
  /// Stops the loops and the pool; a pass in progress finishes its current step.
  void stop();

  /// Prometheus families: runs, bytes, records removed, per-partition dirty ratio and last clean time.
  void collect(metrics::text_writer& w) const;

 private:
  struct partition_stats {
    double dirty_ratio = 0;
    std::int64_t last_clean_ms = 0;
  };
  class map_pool;
  /// What one cleaning round works on: a topic partition (with its broker state) or an internal log.
  struct target {
    std::string topic;
    std::int32_t id = 0;
    std::shared_ptr<storage::partition_log> log;
    partition_ptr partition;  // null for an internal log
  };
  struct internal_log {
    target t;
    std::size_t shard;
  };

  net::awaitable<void> shard_loop(std::size_t shard);
  /// By reference: GCC 12 destroys a coroutine's non-trivial by-value parameters twice (net/shard_set.h).
  /// The caller awaits it at once, so `in` outlives the coroutine; it copies what it keeps.
  net::awaitable<void> clean_log(const target& in);

  net::shard_set& _shards;
  topic_table& _topics;
  io::filesystem& _fs;
  log_cleaner_config _cfg;
  std::unique_ptr<net::asio::thread_pool> _pool;
  std::unique_ptr<map_pool> _maps;
  compaction::io_throttle _throttle;
  std::atomic<bool> _stopped{false};
  std::vector<internal_log> _internal;  // fixed before start()

  std::atomic<std::uint64_t> _runs{0};
  std::atomic<std::uint64_t> _failures{0};
  std::atomic<std::uint64_t> _bytes_read{0};
  std::atomic<std::uint64_t> _bytes_written{0};
  std::atomic<std::uint64_t> _records_removed{0};
  mutable std::mutex _stats_mu;
  std::map<std::pair<std::string, std::int32_t>, partition_stats> _stats;  // guarded by _stats_mu
};

}  // namespace sd::broker
