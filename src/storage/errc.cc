#include "storage/errc.h"

#include "base/error_category.h"

namespace sd::storage {

namespace {
std::string describe(int code) {
  switch (static_cast<errc>(code)) {
    case errc::corrupt_batch: return "corrupt record batch (length, magic, counts or CRC32C)";
    case errc::batch_too_large: return "record batch larger than max batch bytes";
    case errc::io_error: return "I/O error on the partition log (sticky: the log refuses further writes)";
    case errc::no_space: return "no space left on the data directory's disk";
    case errc::invalid_topic_name: return "invalid topic name (allowed: [A-Za-z0-9._-], 1..249 chars, not . or ..)";
    case errc::invalid_partition: return "invalid partition index";
    case errc::invalid_config: return "invalid log configuration value";
    case errc::data_dir_locked:
      return "data directory is locked by another streamdown broker (<data_dir>/.lock is held)";
    case errc::offset_out_of_range: return "offset out of range";
    case errc::partition_exists: return "partition already exists";
    case errc::unknown_partition: return "unknown partition";
    case errc::log_closed: return "partition log is closed";
    case errc::corrupt_log: return "partition log is corrupt beyond tail repair";
    case errc::cleaning_conflict: return "the segments changed while they were being cleaned";
  }
  return "unknown storage error";
}
}  // namespace

const std::error_category& error_category() noexcept {
  static const named_error_category cat("storage", describe);
  return cat;
}

}  // namespace sd::storage
