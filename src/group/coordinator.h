#pragma once
// coordinator: where the group coordinator runs. Every group lives on ONE shard (storage loop 0 of
// broker_core::shards): its group_manager and offset_log are touched only on that shard's event loop, so they need no
// lock. Handlers hop there with net::run_on(coordinator.executor(), fn) and wait for delayed answers
// (JoinGroup, SyncGroup, OffsetCommit) in their phase two. A periodic timer on the same loop fires the
// deadlines (session expiry, rebalance timeout, initial delay, sync timeout), expires old offsets and
// compacts the offsets log.
//
// Why one shard: group traffic is small next to produce/fetch, all groups then share one offsets log and one
// fsync stream, and a restart never has to re-route groups when the shard count changes.
//
// Lifecycle (app/): open() after storage recovery and before listening (replays the log), start() once the
// shards run, and after the shards stopped, close() (the log is closed before log_manager closes).

#include <atomic>
#include <memory>
#include <string>

#include "base/result.h"
#include "group/group_manager.h"
#include "group/offset_log.h"
#include "net/asio.h"
#include "storage/flusher.h"

namespace sd::group {

class coordinator {
 public:
  /// Opens <data_dir>/__group_offsets and restores the groups and offsets. Call before start().
  static result<std::unique_ptr<coordinator>> open(const coordinator_config& cfg, io::filesystem& fs,
                                                   const std::string& data_dir, storage::flusher& flusher,
                                                   net::asio::any_io_executor ex, bool clean_shutdown);
  ~coordinator();

  /// The coordinator shard's executor: call manager() and log() only there.
  net::asio::any_io_executor executor() const { return _ex; }
  group_manager& manager() { return *_manager; }
  offset_log& log() { return *_log; }

  /// Starts the timer loop on the executor (the shard threads must be running or about to run).
  void start();
  /// Closes the offsets log. Call after the shard threads stopped (nothing runs on the executor any more).
  status close();

  /// Runs one round of the timer work now (on the executor). Exposed for tests.
  time_point on_timer();

 private:
  coordinator(const coordinator_config& cfg, net::asio::any_io_executor ex) : _cfg(cfg), _ex(std::move(ex)) {}

  coordinator_config _cfg;
  net::asio::any_io_executor _ex;
  std::unique_ptr<offset_log> _log;
  std::unique_ptr<group_manager> _manager;
  std::int64_t _last_retention_check_ms = 0;
  bool _closed = false;
};

}  // namespace sd::group
