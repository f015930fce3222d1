#pragma once
// The log-start-offset file of a partition directory: the ONE definition of its format.
//
//   0  u32 magic      0x53444c53 ("SDLS")
//   4  i64 offset     the log start offset raised by delete_records_before
//  12  u32 crc32c     CRC-32C of bytes [0, 12)
//
// 16 bytes, big-endian. Replaced atomically: written to "log-start-offset.tmp", fdatasync'ed, renamed over the
// old file, then the directory is fsync'ed. A missing or damaged file means "no raised start offset" (the
// start offset is then the first segment's base offset), which is always safe: it only exposes records that
// DeleteRecords had hidden but not yet physically deleted.

#include <optional>
#include <string>

#include "base/ids.h"
#include "base/result.h"
#include "io/filesystem.h"

namespace sd::storage {

constexpr std::uint32_t log_start_magic = 0x53444c53;
constexpr std::size_t log_start_file_size = 16;

/// Reads <dir>/log-start-offset. nullopt when missing or damaged.
result<std::optional<offset>> read_log_start_offset(io::filesystem& fs, const std::string& dir);
/// Durably replaces <dir>/log-start-offset.
status write_log_start_offset(io::filesystem& fs, const std::string& dir, offset start);

}  // namespace sd::storage
