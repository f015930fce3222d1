#pragma once
// offset_log: the coordinator's durable state, a storage::partition_log in <data_dir>/__group_offsets (a name
// log_manager ignores: it has no "-<partition>" suffix, so it is never listed as a topic). Records are the
// upserts of records.h, packed into uncompressed RecordBatch v2 batches we encode ourselves.
//
// Durability: append() calls back once the flusher's group-commit fdatasync covers the records (acks=all).
// Bounded size: when the log exceeds max(compact_min_bytes, 4 x the last snapshot), compact() writes the
// whole live state as a snapshot, syncs it, then raises the log start to the snapshot's first offset
// (delete_records_before), which deletes every older segment. Replay starts at the log start, so it sees the
// snapshot and what came after. A crash mid-snapshot leaves the old start: replay then applies the old records
// and the partial snapshot, which holds only current values, so the result is the same.
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

  bool needs_compaction() const;
  /// Writes `live` as a snapshot and drops everything before it.
  status compact(const std::vector<store_record>& live);

  std::uint64_t size_bytes() const { return _log->size_bytes(); }
  std::int64_t start_offset() const { return _log->start_offset().value(); }
  std::int64_t next_offset() const { return _log->next_offset().value(); }
  std::uint64_t compactions() const { return _compactions; }
  status close();

 private:
  offset_log(std::shared_ptr<storage::partition_log> log, storage::flusher* flusher, const coordinator_config& cfg)
      : _log(std::move(log)), _flusher(flusher), _cfg(cfg) {}
  /// Appends records in batches; returns the end offset (exclusive) or the error.
  result<std::int64_t> write(const std::vector<store_record>& records);

  std::shared_ptr<storage::partition_log> _log;
  storage::flusher* _flusher;
  coordinator_config _cfg;
  std::uint64_t _snapshot_bytes = 0;
  std::uint64_t _compactions = 0;
};

}  // namespace sd::group
