#pragma once
// log_manager: every partition log of one data directory. At open it takes an exclusive flock on
// <data_dir>/.lock (a second broker on the same directory gets errc::data_dir_locked), removes leftovers of
// interrupted topic deletions, and reopens every "<topic>-<partition>" directory (recovering each log; see
// partition_log.h). It owns the group-commit flusher thread. close() flushes everything, writes the
// indexes and then the clean-shutdown marker, so the next start skips the full recovery scan.
//
// Threading: the manager's own methods are thread-safe (a mutex guards the partition map). The logs it
// hands out follow partition_log's contract: one owning thread at a time. remove_topic and close must not
// race with the owners' use of those logs (the broker stops using a partition before removing it).
// Configuration is not persisted here: every log opens with the default config; the broker applies
// per-topic overrides with update_config after open.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "base/ids.h"
#include "base/result.h"
#include "io/filesystem.h"
#include "storage/file_cache.h"
#include "storage/file_deleter.h"
#include "storage/flusher.h"
#include "storage/log_config.h"
#include "storage/partition_log.h"
#include "storage/probe.h"

namespace sd::storage {

struct partition_key {
  std::string topic;
  partition_id partition;
  auto operator<=>(const partition_key&) const = default;
};

struct log_manager_options {
  /// Bound on the log files held open at once (streamdown.log.open.files.max; storage/file_cache.h).
  std::size_t max_open_files = 4096;
  /// Bytes of recently written log, all partitions together, kept in the page cache
  /// (streamdown.log.page.cache.budget.bytes; storage/page_cache_budget.h); -1: no shared bound.
  std::int64_t page_cache_budget_bytes = -1;
  /// A flusher round of several partitions syncs them with one syncfs while the system's dirty page cache is
  /// at most this many bytes (streamdown.log.sync.filesystem.dirty.max.bytes; storage/filesystem_sync.h);
  /// -1: one fdatasync per file always.
  std::int64_t filesystem_sync_dirty_max_bytes = filesystem_sync::default_limit_bytes;
  /// Threads that open (recover) partitions in parallel at start-up, and close (flush, write indexes of)
  /// them at shutdown.
  std::size_t open_threads = 8;
  std::size_t close_threads = 8;
};

class log_manager {
 public:
  static result<std::unique_ptr<log_manager>> open(std::string data_dir, io::filesystem& fs, log_config defaults,
                                                   log_manager_options options = {});
  ~log_manager();  // close() if not done; errors are dropped there, so call close() to see them
  log_manager(const log_manager&) = delete;
  log_manager& operator=(const log_manager&) = delete;

  /// Whether the previous run closed cleanly (the marker was present at open).
  bool opened_after_clean_shutdown() const { return _was_clean; }
  /// Every partition found or created, sorted by topic then partition.
  std::vector<partition_key> partitions() const;
  /// Creates the partition's directory and log. invalid_topic_name, invalid_partition, invalid_config,
  /// partition_exists.
  result<std::shared_ptr<partition_log>> create_partition(const std::string& topic, partition_id partition,
                                                          std::optional<log_config> config = std::nullopt);
  /// nullptr when unknown.
  std::shared_ptr<partition_log> get(const std::string& topic, partition_id partition) const;
  /// Closes and deletes every partition of the topic (crash-safe: each directory is renamed to
  /// "<name>.<n>.deleted" and fsync'ed before it is removed; start-up removes leftovers).
  status remove_topic(const std::string& topic);
  /// Applies a config to every open partition of the topic.
  status update_config(const std::string& topic, const log_config& config);
  /// Runs retention on every partition (call from the owners' thread; single-loop brokers only).
  status enforce_retention(std::int64_t now_ms);

  storage::flusher& flusher() { return _flusher; }
  /// The storage metrics of every log this manager opened.
  const storage_probe& probe() const { return _probe; }
  /// The descriptor cache of every log this manager opened.
  file_cache& files() { return _files; }
  const page_cache_budget& cache_budget() const { return _cache_budget; }
  page_cache_budget& cache_budget() { return _cache_budget; }
  file_deleter& deleter() { return _deleter; }
  const file_cache& files() const { return _files; }
  const std::string& data_dir() const { return _dir; }
  const log_config& default_config() const { return _defaults; }

  /// Final flush of every log (options.close_threads at a time), indexes written, then the clean-shutdown
  /// marker (only if every log closed without error). Releases the directory lock. Idempotent.
  status close();

 private:
  log_manager(std::string dir, io::filesystem& fs, log_config defaults, log_manager_options options);
  result<std::shared_ptr<partition_log>> open_partition(const partition_key& key, const log_config& config,
                                                        bool clean);
  std::string partition_path(const partition_key& key) const;

  const std::string _dir;
  io::filesystem& _fs;
  const log_config _defaults;
  const log_manager_options _options;
  std::unique_ptr<io::file_lock> _lock;
  storage_probe _probe;  // declared before the flusher and the logs, so it outlives both
  file_cache _files;     // likewise
  page_cache_budget _cache_budget;  // likewise: every log of this manager records its writes in it
  file_deleter _deleter;            // likewise: retention's retired segment files are unlinked on its thread
  storage::flusher _flusher;
  bool _was_clean = false;
  bool _open_complete = false;  // close() writes the marker only for a manager that fully opened
  bool _closed = false;
  std::uint64_t _deleted_seq = 0;
  mutable std::mutex _mu;  // guards _logs
  std::map<partition_key, std::shared_ptr<partition_log>> _logs;
};

}  // namespace sd::storage
