#pragma once
// delivery_schedule: when the records of a delayed topic (streamdown.delivery.delay.ms) become visible.
//
// A record is due once its append time plus the topic's delay has passed; Fetch, ListOffsets, lag and the
// HTTP reads stop at the first record not yet due (partition_state::delivery_end_now). Appends are in
// offset order and due times never decrease (a wall clock stepping back does not make a later record due
// earlier), so "the first record not due" splits the log in two and order within the partition is unchanged.
//
// Bounded: appends whose due times fall within one bucket (delay / 1024 rounded up, at least 1 ms) share one entry
// whose due time is the bucket's latest, so a record may become visible up to one bucket late, never early,
// and a partition holds at most about 1,025 entries whatever its rate (plus one per clock step back): entries
// already due go at every append and every read.
//
// Threads: the owner shard calls appended(); any thread calls the readers. One mutex guards the entries.

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>

#include "base/bytes.h"
#include "base/result.h"
#include "io/filesystem.h"

namespace sd::broker {

class delivery_schedule {
 public:
  /// Records [base, next) appended with due time `due_ms` under a delay of `delay_ms`.
  void appended(std::int64_t base, std::int64_t next, std::int64_t due_ms, std::int64_t delay_ms);
  /// The first offset not due at now_ms, or nullopt when every scheduled record is due.
  std::optional<std::int64_t> first_not_due(std::int64_t now_ms);
  /// The due time (wall ms) of the first record not due at now_ms, or nullopt.
  std::optional<std::int64_t> next_due_ms(std::int64_t now_ms);
  /// Forgets every entry (the delay was turned off).
  void clear();
  std::size_t entries() const;

  /// Persistence across a clean restart: <partition dir>/delivery-schedule (storage/layout.h), written at clean
  /// shutdown and consumed (read, then removed) at start-up. Format: u32 magic "SDDS", u32 count, then count
  /// x (i64 base, i64 first_due, i64 due), then u32 CRC-32C of everything before; big-endian.
  status save(io::filesystem& fs, const std::string& dir) const;
  /// Replaces the entries with the saved ones below `log_end` and removes the file. False (entries
  /// untouched, file removed) when there is none or it does not verify.
  result<bool> load_and_remove(io::filesystem& fs, const std::string& dir, std::int64_t log_end);

 private:
  struct entry {
    std::int64_t base;      // first offset of the bucket
    std::int64_t first_due; // due time of its first append (bucket start)
    std::int64_t due;       // due time of the bucket (its latest append's)
  };
  void drop_due(std::int64_t now_ms);  // _mu held

  mutable std::mutex _mu;
  std::deque<entry> _entries;
  std::int64_t _last_due = 0;
};

}  // namespace sd::broker
