#pragma once
// On-disk layout of a data directory: the ONE place that defines file and directory names
// (docs/STORAGE_FORMAT.md describes it for humans).
//
//   <data_dir>/.lock                          flock'ed by the log_manager that owns the directory
//   <data_dir>/.clean_shutdown                present only after a clean close; removed at start-up
//   <data_dir>/<topic>-<partition>/           one directory per partition, e.g. "orders-3"
//       00000000000000000000.log              segments, named by base offset (20 digits, zero-padded)
//       00000000000000000000.index            sparse offset index (storage/offset_index_format.h)
//       00000000000000000000.timeindex        time index (storage/time_index_format.h)
//       log-start-offset                      raised log start offset (storage/log_start_offset.h)
//       cleaner-checkpoint                    log compaction: where the dirty part starts (storage/cleaning.h)
//       recovery-point                        what an unclean start may trust unscanned (storage/recovery_point.h)
//       delivery-schedule                     delayed delivery: due times at a clean shutdown (broker/delivery_schedule.h)
//       00000000000000000000.cleaning.tmp     a cleaned segment being written (removed at start-up)
//       00000000000000000000.00000000000000008192.swap
//                                             a cleaned segment committed to replace the segments with base
//                                             offsets in [first, second); start-up finishes the swap
//       00000000000000004096.snapshot         producer-state snapshot, owned by producer/ (producer/snapshot_format.h)
//       00000000000000000000.log.deleted      a segment file retired by retention, unlinked in the background
//                                             (storage/file_deleter.h); removed at start-up if left over
//   <data_dir>/<topic>-<partition>.<n>.deleted  a partition being removed; deleted at start-up if left over
//
// Files ending ".tmp" are half-written replacements and are removed at start-up.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/ids.h"

namespace sd::storage::layout {

constexpr std::string_view lock_file = ".lock";
constexpr std::string_view clean_shutdown_file = ".clean_shutdown";
constexpr std::string_view log_start_file = "log-start-offset";
constexpr std::string_view cleaner_checkpoint_file = "cleaner-checkpoint";
constexpr std::string_view recovery_point_file = "recovery-point";
constexpr std::string_view delivery_schedule_file = "delivery-schedule";  // owned by broker/delivery_schedule.h
constexpr std::string_view swap_ext = ".swap";
constexpr std::string_view deleted_suffix = ".deleted";
constexpr std::string_view tmp_suffix = ".tmp";
constexpr std::string_view log_ext = ".log";
constexpr std::string_view index_ext = ".index";
constexpr std::string_view time_index_ext = ".timeindex";
constexpr std::size_t offset_digits = 20;

enum class segment_file_kind { log, index, time_index };

/// "00000000000000001234" for 1234.
std::string offset_name(offset base);
/// "<20 digits><ext>".
std::string segment_file_name(offset base, segment_file_kind kind);

/// "<20 digits>.cleaning.tmp": where the cleaner writes a segment replacing those from `base`.
std::string cleaning_file_name(offset base);
/// "<20 digits base>.<20 digits end>.swap".
std::string swap_file_name(offset base, offset end);
struct swap_file {
  offset base;
  offset end;
};
/// Parses a swap file name; nullopt for anything else.
std::optional<swap_file> parse_swap_file_name(std::string_view name);

struct segment_file {
  offset base;
  segment_file_kind kind;
};
/// Parses a segment file name; nullopt for anything else.
std::optional<segment_file> parse_segment_file_name(std::string_view name);

/// "<topic>-<partition>". The caller has validated the topic name.
std::string partition_dir_name(std::string_view topic, partition_id partition);

struct partition_dir {
  std::string topic;
  partition_id partition;
};
/// Parses "<valid topic>-<non-negative int32>"; nullopt for anything else (including ".deleted" dirs).
std::optional<partition_dir> parse_partition_dir_name(std::string_view name);

inline bool is_deleted_dir_name(std::string_view name) { return name.ends_with(deleted_suffix); }

}  // namespace sd::storage::layout
