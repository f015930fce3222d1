#include "storage/log_config.h"

#include <limits>

#include "base/record_batch_header.h"
#include "storage/errc.h"

namespace sd::storage {

status log_config::validate() const {
  constexpr std::int64_t max_segment = std::numeric_limits<std::int32_t>::max();  // index positions are u32
  auto min_batch = static_cast<std::int64_t>(batch::header_size);
  bool good = segment_bytes >= min_batch && segment_bytes <= max_segment && segment_ms >= 1 &&
              retention_bytes >= -1 && retention_ms >= -1 && index_interval_bytes >= 0 &&
              max_batch_bytes >= min_batch && max_batch_bytes <= max_segment && flush_interval_messages >= -1 &&
              flush_interval_messages != 0 && flush_interval_ms >= -1 && flush_interval_ms != 0 &&
              recovery_point_interval_ms >= -1 && recovery_point_interval_ms != 0 &&
              cache_window_bytes >= -1 && min_cleanable_dirty_ratio >= 0 && min_cleanable_dirty_ratio <= 1 &&
              min_compaction_lag_ms >= 0 && max_compaction_lag_ms >= 1 && delete_retention_ms >= 0;
  if (!good) return errc::invalid_config;
  return ok();
}

}  // namespace sd::storage
