#pragma once
// offset_log: the coordinator's durable state, a storage::partition_log in <data_dir>/__group_offsets (a name
// log_manager ignores: it has no "-<partition>" suffix, so it is never listed as a topic). Records are the
// upserts of records.h, packed into uncompressed RecordBatch v2 batches we encode ourselves.
//
// Durability: append() calls back once the flusher's group-commit fdatasync covers the records (acks=all).
// Bounded size: the log is a compacted log (cleanup.policy=compact): the broker's log cleaner
// (broker/log_cleaner.h, add_internal_log) keeps the latest record of each key (group metadata, one offset
// of a group, a transactional id) and drops tombstones, so the log holds about the live state plus what was
// written since the last pass. Replay applies records in offset order, which a compacted log preserves.
//
// Threading: one owner thread (the coordinator shard), like any partition_log. Callbacks of append() run on
// the flusher thread.

#include <functional>
#include <memory>
#include <string>

#include "base/result.h"
#include "group/group_manager.h"
#include "group/records.h"
#include "io/filesystem.h"
#include "storage/flusher.h"
#include "storage/partition_log.h"

namespace sd::group {

/// Directory name of the offsets log inside the data directory.
inline constexpr const char* offsets_log_dir = "__group_offsets";

class offset_log final : public group_store {
 public:
  /// Opens (creating) the log in `dir`. Without a flusher, append() syncs inline (tests).
  static result<std::unique_ptr<offset_log>> open(io::filesystem& fs, std::string dir, const coordinator_config& cfg,
                                                  storage::flusher* flusher, bool clean_shutdown);
  ~offset_log() override;

  /// Calls fn for every record from the log start, in order. errc::storage_error on an undecodable record.
  status replay(const std::function<void(const store_record&)>& fn);

  void append(std::vector<store_record> records, commit_callback durable) override;

  /// The underlying log, for the log cleaner (owner thread only, as every use of this log).
  const std::shared_ptr<storage::partition_log>& log() const { return _log; }

  std::uint64_t size_bytes() const { return _log->size_bytes(); }
  std::int64_t start_offset() const { return _log->start_offset().value(); }
  std::int64_t next_offset() const { return _log->next_offset().value(); }
  status close();

 private:
  offset_log(std::shared_ptr<storage::partition_log> log, storage::flusher* flusher, const coordinator_config& cfg)
      : _log(std::move(log)), _flusher(flusher), _cfg(cfg) {}
  /// Appends records in batches; returns the end offset (exclusive) or the error.
  result<std::int64_t> write(const std::vector<store_record>& records);

  std::shared_ptr<storage::partition_log> _log;
  storage::flusher* _flusher;
  coordinator_config _cfg;
};

}  // namespace sd::group
