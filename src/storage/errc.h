#pragma once
// Storage errors. Only broker/ maps these to Kafka error codes. An io_error from a partition log is sticky:
// once returned, every later append returns it too (partition_log::io_failure() keeps the OS cause).

#include <string>
#include <system_error>

namespace sd::storage {

enum class errc {
  corrupt_batch = 1,    // append: not one well-formed RecordBatch v2 (length, magic, counts, CRC32C)
  batch_too_large,      // append: larger than log_config::max_batch_bytes
  io_error,             // a read, write or sync failed; sticky for writes
  no_space,             // the disk is full; the write was rolled back, nothing already written is lost
  invalid_topic_name,   // not [A-Za-z0-9._-]{1,249}, or "." / ".."
  invalid_partition,    // negative partition index
  invalid_config,       // a log_config value out of range
  data_dir_locked,      // another process (or log_manager) holds <data_dir>/.lock
  offset_out_of_range,  // read / delete_records outside [start_offset, next_offset]
  partition_exists,     // create_partition of a partition that is already open
  unknown_partition,    // no such partition
  log_closed,           // the partition log was closed or removed
  corrupt_log,          // start-up found damage it cannot repair by truncating the tail
  cleaning_conflict,    // install_cleaned: the segments changed since the cleaner's snapshot (nothing done)
};

const std::error_category& error_category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), error_category()}; }

}  // namespace sd::storage

template <>
struct std::is_error_code_enum<sd::storage::errc> : std::true_type {};
