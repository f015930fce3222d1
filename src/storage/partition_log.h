#pragma once
// partition_log: one partition's durable log in one directory: segments of RecordBatch v2 bytes, sparse
// indexes, retention, DeleteRecords, recovery at open, and the written/flushed offsets.
//
// Offsets (all exclusive ends except where named "last"):
//   start_offset()    first offset a reader may ask for (raised by retention and delete_records_before)
//   next_offset()     written end: one past the last appended record. On a single node this is also the
//                     high watermark. Records below it are in the OS page cache, not necessarily on disk.
//   flushed_offset()  durable end: every record below it survived an fdatasync.
//   flushed_offset() <= next_offset() always; start_offset() <= next_offset() always.
//
// Threading contract:
//  - A partition_log is used by ONE thread at a time (its owning event loop): append, read, retention,
//    delete_records, flush, close are not thread-safe against each other.
//  - The flusher thread only touches the shared sync_state (sync()): it fdatasyncs files and publishes the
//    flushed offset through atomics. flushed_offset() may be read from any thread.
//  - Segment roll, retention and delete_records are safe while a flush is running: files are held through
//    std::shared_ptr, so a sync or a reader's file_slice keeps a deleted segment's file open.
//  - update_config() and config() may be called from any thread.
//
// Errors: append returns corrupt_batch / batch_too_large for bad input (log unchanged), no_space when the
// disk is full (the partial write is truncated away; the log is unchanged and usable once space returns),
// and io_error for any other I/O failure, which is sticky: every later append returns io_error too
// (io_failure() keeps the OS cause). A failed fdatasync is sticky in the same way.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/ids.h"
#include "base/record_batch_header.h"
#include "base/result.h"
#include "io/filesystem.h"
#include "storage/cleaning.h"
#include "storage/log_config.h"
#include "storage/page_cache_budget.h"
#include "storage/page_cache_window.h"
#include "storage/read_result.h"
#include "storage/segment.h"
#include "storage/sync_state.h"

namespace sd::storage {

class flusher;
struct storage_probe;

struct append_info {
  offset base_offset;          // assigned to the batch
  offset last_offset;          // base_offset + LastOffsetDelta
  offset next_offset;          // last_offset + 1: pass it to flusher::request for acks=all
  std::int64_t max_timestamp;  // the batch's MaxTimestamp
  std::int32_t records = 0;    // the batch's RecordsCount
  file_pos position;           // where the batch starts in its segment file
  std::size_t size = 0;        // batch bytes
};

struct read_options {
  std::optional<offset> max_offset;  // exclusive upper bound on returned batches' base offsets (default: next_offset)
  bool min_one_batch = true;         // return the first batch even if it exceeds max_bytes (Kafka KIP-74)
};

struct recovery_report {
  bool clean_shutdown = false;    // the data directory's clean-shutdown marker was present
  std::size_t segments = 0;       // segments after recovery
  std::size_t segments_scanned = 0;  // segments walked batch by batch (CRC checked past any recovery point)
  std::size_t segments_trusted = 0;  // unclean start: sealed segments below the recovery point, indexes loaded
  std::uint64_t bytes_checked = 0;   // bytes whose CRC was checked at open
  std::size_t indexes_rebuilt = 0;
  std::uint64_t bytes_truncated = 0;  // torn or corrupt tail bytes removed
  std::size_t segments_removed = 0;   // later segments dropped after a corrupt middle segment
};

struct open_options {
  bool clean_shutdown = false;  // trust indexes and scan only the tail of the last segment
  std::int64_t now_ms = 0;      // wall clock (segment age); 0 = now
  storage_probe* probe = nullptr;  // records the log's fsyncs (log_manager passes its own); must outlive the log
  file_cache* files = nullptr;     // bounds the log's open descriptors (storage/file_cache.h); must outlive the log
  page_cache_budget* cache_budget = nullptr;  // shared page-cache bound (storage/page_cache_budget.h); outlives the log
  file_deleter* deleter = nullptr;  // unlinks retired segments in the background (storage/file_deleter.h); outlives the log
};

class partition_log {
 public:
  /// Opens (creating if needed) the log in `dir` and recovers it (see docs/STORAGE_FORMAT.md, "Recovery").
  static result<std::unique_ptr<partition_log>> open(io::filesystem& fs, std::string dir, log_config config,
                                                     open_options options = {});
  ~partition_log();
  partition_log(const partition_log&) = delete;
  partition_log& operator=(const partition_log&) = delete;

  /// Validates one whole batch (batch::frame: length, magic, counts, CRC32C; max_batch_bytes), assigns its
  /// offsets by rewriting BaseOffset in `one_batch` (the CRC does not cover it), and appends it. Rolls the
  /// active segment first when it would exceed segment_bytes or is older than segment_ms.
  /// crc: crc_check::caller_verified skips only the CRC pass, for a caller that ran batch::frame on these
  /// exact bytes itself (the broker checks every produced batch before any append); every other check runs.
  enum class crc_check { verify, caller_verified };
  result<append_info> append(mutable_byte_span one_batch, std::int64_t now_ms, crc_check crc = crc_check::verify);

  offset start_offset() const { return _start; }
  offset next_offset() const { return _next; }
  offset flushed_offset() const { return _sync->flushed(); }

  /// Whole batches from the one containing `from`, up to max_bytes (at least one batch when
  /// options.min_one_batch). offset_out_of_range unless start_offset() <= from <= next_offset().
  result<read_result> read(offset from, std::size_t max_bytes, read_options options = {});
  /// Base offset of the first batch whose MaxTimestamp >= ts (never below start_offset()); nullopt if none.
  result<std::optional<offset>> offset_for_timestamp(std::int64_t ts);
  /// The largest MaxTimestamp of the batches at or past start_offset() and the base offset of the first batch
  /// carrying it (ListOffsets MAX_TIMESTAMP); nullopt when the log holds no records.
  struct max_timestamp_batch {
    std::int64_t timestamp;
    offset batch_base;
  };
  result<std::optional<max_timestamp_batch>> find_max_timestamp();
  /// Raises the log start offset to `before` (durably) and deletes segments entirely below it.
  /// offset_out_of_range when before > next_offset(); lower values are a no-op.
  status delete_records_before(offset before);
  /// Deletes whole segments beyond retention_bytes / older than retention_ms (never the active segment).
  /// Returns how many were deleted. A log without delete_by_retention (cleanup.policy=compact) deletes none.
  result<std::size_t> enforce_retention(std::int64_t now_ms);

  /// Log compaction (storage/cleaning.h), owner thread: a snapshot of the sealed segments for the cleaner,
  /// and the swap of a cleaned segment for the segments it replaces (crash-atomic). install_cleaned returns
  /// cleaning_conflict (and deletes the cleaned file) when those segments changed since the snapshot
  /// (retention, DeleteRecords); an I/O failure after the commit point is sticky (start-up finishes the swap).
  cleaning_view view_for_cleaning() const;
  status install_cleaned(cleaned_segment cleaned, const cleaning_step_hook& hook = {});
  /// Offsets below this were cleaned (0: never); persisted in the cleaner-checkpoint file.
  offset cleaner_checkpoint() const { return _cleaned_through; }
  /// Tombstone horizon (delete.retention.ms counts from the first pass that cleaned a tombstone, as Kafka's
  /// delete horizon): the checkpoint as it stood at the latest recorded pass no later than `before_ms`, so a
  /// tombstone below it was cleaned at or before that time. In memory only: after a restart the history
  /// starts at the open (tombstones then live longer, never shorter). Owner thread.
  offset tombstone_horizon(std::int64_t before_ms) const;
  /// Records that a pass ended at now_ms with the current checkpoint (the cleaner calls it after installing).
  void record_clean_pass(std::int64_t now_ms);

  std::uint64_t size_bytes() const { return _size_bytes; }
  std::size_t segment_count() const { return _segments.size(); }

  /// Synchronous sync on the calling thread (tests, close). Group commit goes through the flusher instead.
  status flush();
  /// Final flush, writes the active segment's indexes; later appends return log_closed. Idempotent.
  status close();
  /// The partition is being deleted (log_manager::remove_topic): later appends, syncs and reads fail with
  /// log_closed, nothing more is written. Any thread; the files may already be renamed (a read would
  /// otherwise reopen an evicted segment by its old path, which a topic created again may hold).
  void mark_removed();

  void update_config(const log_config& config);
  log_config config() const;
  /// Lets the log ask `f` for background flushes (flush_interval_messages / flush_interval_ms).
  void attach_flusher(flusher* f);

  /// Calls fn with the header of every stored batch whose base offset is >= from (from below
  /// start_offset() starts at the first batch still stored), in offset order, up to next_offset(). Lets other
  /// modules rebuild state that follows the log (producer state after a crash). Owner thread only.
  status scan_headers(offset from, const std::function<void(const batch::header&)>& fn);

  /// Checkpoint hook: called on the owner thread after every segment roll, and by close() before its final
  /// flush, with next_offset(); every batch below that offset has been appended. Other modules use it to
  /// write state that follows the log (producer-state snapshots). The hook must not call back into the log.
  using checkpoint_hook = std::function<void(offset next)>;
  void set_checkpoint_hook(checkpoint_hook hook) { _checkpoint = std::move(hook); }

  io::filesystem& filesystem() const { return _fs; }
  const std::shared_ptr<sync_state>& sync() const { return _sync; }
  /// The OS cause of the sticky I/O error, or an empty code.
  std::error_code io_failure() const { return _sync->sticky(); }
  const recovery_report& recovery() const { return _recovery; }
  const std::string& dir() const { return _dir; }

 private:
  partition_log(io::filesystem& fs, std::string dir, log_config config);
  friend struct log_opener;

  segment& active() { return *_segments.back(); }
  status roll(offset new_base, std::int64_t now_ms);
  status delete_oldest_segment();
  std::error_code fail(std::error_code cause);  // makes the error sticky, returns io_error
  std::size_t segment_index_for(offset o) const;

  io::filesystem& _fs;
  const std::string _dir;
  mutable std::mutex _config_mu;
  log_config _config;
  std::vector<std::unique_ptr<segment>> _segments;  // by base offset; back() is the active segment
  offset _start;
  offset _next;
  offset _cleaned_through{0};  // the cleaner checkpoint
  std::vector<std::pair<std::int64_t, offset>> _clean_history;  // (wall ms, checkpoint), oldest first, bounded
  std::uint64_t _size_bytes = 0;
  std::int64_t _records_since_flush_request = 0;
  bool _active_indexes_saved = false;  // the active segment's index files match memory (clean open, no write since)
  std::shared_ptr<sync_state> _sync;
  flusher* _flusher = nullptr;
  std::atomic<bool> _closed{false};
  std::atomic<bool> _removed{false};  // mark_removed(): reads fail too (files would reopen by a stale path)
  recovery_report _recovery;
  checkpoint_hook _checkpoint;
  page_cache_window _cache_window;  // owner thread
  page_cache_budget* _cache_budget = nullptr;  // open_options::cache_budget (shared by the manager's logs)
  std::vector<written_ranges::advice> _cache_due;  // owner thread; reused between appends
  file_deleter* _deleter = nullptr;                // open_options::deleter; null: retention unlinks inline
  storage_probe* _probe = nullptr;  // open_options::probe
  file_cache* _files = nullptr;     // open_options::files
  /// read(): checks the CRC of the batch at pos (total bytes) when it lies in seg's unverified range.
  status verify_if_trusted(segment& seg, const batch::header& h, file_pos pos, std::size_t total);
};

}  // namespace sd::storage
