#pragma once
// spool: the relay's bounded, crash-safe disk buffer. Sources append records; the forwarder reads them in
// sequence order and reports how far the upstream has acknowledged them; segments are deleted only when every
// record in them is forwarded. The on-disk format is defined in spool/format.h and docs/STORAGE_FORMAT.md.
//
// Sequence numbers: every appended record gets the next spool sequence number (dense, starting at 1, never
// reused, not even after a crash: recovery resumes after the highest sequence found on disk, and a gap left by a
// torn tail is never refilled because nothing past `durable_seq` was ever acknowledged or forwarded).
//
// Three positions, kept apart (durability bugs hide where they blur):
//   written_seq   - the last record written to the segment file (page cache);
//   durable_seq   - the last record known to be on disk (fdatasync of its segment done); sources are
//                   acknowledged up to here, and readers never see past it;
//   forwarded_seq - the last record the upstream acknowledged, as recorded in the crash-atomic ledger.
// Invariant: forwarded_seq <= durable_seq <= written_seq.
//
// Bounds: bytes on disk (segments, counting every framed record) stay <= max_bytes plus at most one segment.
// When an append would exceed max_bytes:
//   block       - append fails with errc::full and writes nothing; the caller slows its source down
//                 (HTTP 429, stops reading a socket or a file) and may ask to be told when space frees up;
//   drop_oldest - the oldest not-yet-forwarded segment(s) are deleted to make room; their sequence range is
//                 recorded as a gap (durable, survives restarts) and counted;
//   drop_newest - the new records are discarded; counted and recorded as a gap without sequence numbers.
//
// Threading: every public member is thread-safe. Append callbacks run on the spool's sync thread: they must
// not block and must not call append() synchronously (post to your own executor).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "io/filesystem.h"

namespace sd::spool {

enum class when_full { block, drop_oldest, drop_newest };
enum class sync_mode {
  always,   // acknowledge after fdatasync (group commit: one sync for every append waiting)
  interval  // acknowledge after the write; a sync follows within sync_interval (a crash may lose that window)
};

struct options {
  std::string dir;                       // created if missing
  std::string relay_id;                  // stored on first open; a spool of another relay id refuses to open
  std::uint64_t max_bytes = 1ull << 30;  // spool.max.bytes
  std::uint64_t segment_bytes = 0;       // 0: min(64 MiB, max(max_bytes / 8, 64 KiB))
  when_full policy = when_full::block;   // spool.when.full
  sync_mode sync = sync_mode::always;    // spool.sync
  std::chrono::milliseconds sync_interval{1000};  // spool.sync.interval.ms (sync_mode::interval only)
  io::filesystem* fs = nullptr;          // nullptr: io::filesystem_from_env()
};

using header = std::pair<std::string, std::string>;

/// One record as appended by a source. The spool stores it unchanged and gives it back to readers with its seq.
struct record {
  std::uint64_t seq = 0;           // assigned by append(); ignored on input
  std::int64_t timestamp_ms = 0;   // 0 on input: the append time
  std::string topic;               // the upstream Kafka topic
  std::int32_t partition = -1;     // an explicit upstream partition, or -1 (the forwarder partitions by key)
  std::optional<std::string> key;  // nullopt: a null key (differs from an empty one)
  std::optional<std::string> value;
  std::vector<header> headers;
};

/// A range of records lost by policy (drop_oldest: [first_seq, last_seq]; drop_newest: first_seq == 0).
struct gap {
  std::uint64_t first_seq = 0;
  std::uint64_t last_seq = 0;
  std::uint64_t records = 0;
  std::uint64_t bytes = 0;
  std::int64_t at_ms = 0;          // wall clock when it was recorded
  std::string reason;              // "drop_oldest" | "drop_newest" | "corrupt" (skipped by recovery)
};

/// What open() found and did; also printed by `streamdown spool verify`.
struct recovery_report {
  std::uint64_t segments = 0;
  std::uint64_t records = 0;              // intact records not yet forwarded
  std::uint64_t torn_tail_bytes = 0;      // cut from the end of the last segment (a write a crash interrupted)
  std::uint64_t corrupt_records = 0;      // skipped in the middle of a segment (recorded as "corrupt" gaps)
  std::uint64_t corrupt_bytes = 0;
  std::uint64_t forwarded_seq = 0;        // from the ledger
  std::uint64_t next_seq = 1;
  std::vector<std::string> notes;         // one human-readable line per thing repaired or skipped
};

struct stats {
  std::uint64_t bytes = 0;                // on disk, segments only
  std::uint64_t max_bytes = 0;
  std::uint64_t records = 0;              // durable and not yet forwarded
  std::uint64_t segments = 0;
  std::int64_t oldest_timestamp_ms = 0;   // of the oldest unforwarded record; 0 when empty
  std::uint64_t written_seq = 0;
  std::uint64_t durable_seq = 0;
  std::uint64_t forwarded_seq = 0;
  std::uint64_t appends_total = 0;        // records appended
  std::uint64_t append_bytes_total = 0;
  std::uint64_t syncs_total = 0;
  std::uint64_t full_rejections_total = 0;  // appends refused under block
  std::uint64_t dropped_oldest_total = 0;   // records
  std::uint64_t dropped_newest_total = 0;   // records
  std::uint64_t corrupt_skipped_total = 0;  // records skipped by recovery (this process's open only)
  std::uint64_t gaps = 0;                   // gap entries recorded in all
};

/// Called once when the appended records are acknowledged-safe (see sync_mode), or with the error.
/// On success the value is the first assigned seq (the batch holds first..first+n-1). Under drop_newest a batch
/// discarded by the policy succeeds with the value 0 (no seq assigned; seqs start at 1): the source treats it
/// as handled, and gaps() records it.
using append_callback = std::function<void(result<std::uint64_t>)>;

class spool {
 public:
  /// Opens (creating if needed) and recovers the spool: cuts a torn tail by CRC, skips and records corrupt
  /// records in the middle, finishes interrupted segment deletions, takes an exclusive lock on the directory
  /// (a second process on the same spool fails with errc::locked), and refuses a spool with another relay id
  /// (errc::wrong_relay). Always starts unless the directory itself is unusable.
  static result<std::unique_ptr<spool>> open(const options& opts, recovery_report* report = nullptr);

  virtual ~spool() = default;

  /// Appends records in order (one source's batch stays contiguous). Fails fast (callback with the error,
  /// before returning) when full under `block`, or when a record, or the batch as a whole, could not fit even an
  /// emptied spool (errc::record_too_large: split the batch or give up on the record; errc::full is always
  /// transient, it ends when forwarding frees space). Sticky I/O errors fail every later append.
  virtual void append(std::vector<record> records, append_callback done) = 0;

  /// True when `bytes` more would fit without policy action (sources use it to decide when to resume).
  virtual bool has_space(std::uint64_t bytes) const = 0;
  /// Calls fn once, from any thread, the next time space is freed (segments deleted) or the spool closes.
  virtual void notify_on_space(std::function<void()> fn) = 0;

  /// Durable records with seq >= from_seq, in order, up to max_records and about max_bytes (at least one
  /// record when any is available). Never returns records past durable_seq. Records dropped by policy are
  /// skipped (the caller sees a jump in seq; gaps() says why).
  virtual result<std::vector<record>> read(std::uint64_t from_seq, std::size_t max_records,
                                           std::size_t max_bytes) const = 0;
  /// Calls fn once when durable_seq > seq (a new record is readable) or the spool closes.
  virtual void notify_on_durable(std::uint64_t seq, std::function<void()> fn) = 0;

  /// Records in the crash-atomic ledger that every record with seq <= up_to_seq is upstream, then deletes the
  /// segments that are wholly forwarded (ledger first, then the files, then the directory sync).
  /// up_to_seq must not decrease and must be <= durable_seq.
  virtual status mark_forwarded(std::uint64_t up_to_seq) = 0;

  virtual std::uint64_t forwarded_seq() const = 0;
  virtual std::uint64_t durable_seq() const = 0;
  virtual stats get_stats() const = 0;
  virtual std::vector<gap> gaps() const = 0;

  /// Syncs what is written, stops the sync thread, fails pending callbacks that cannot complete.
  virtual void close() = 0;

  /// The operating-system cause of the sticky I/O failure (appends fail with errc::io_error once it is set),
  /// or an empty code. For logs and the relay's status.
  virtual std::error_code io_failure() const { return {}; }
};

}  // namespace sd::spool
