#pragma once
// Small durable files holding one offset in a partition directory: the ONE definition of their format, used
// by the log-start-offset file (DeleteRecords) and the cleaner checkpoint (log compaction).
//
//   0  u32 magic      identifies the file's kind ("SDLS" log start, "SDCC" cleaner checkpoint)
//   4  i64 offset
//  12  u32 crc32c     CRC-32C of bytes [0, 12)
//
// 16 bytes, big-endian. Replaced atomically: written to "<name>.tmp", fdatasync'ed, renamed over the old
// file, then the directory is fsync'ed. A missing or damaged file reads as nullopt; each user says why that
// is safe for it.

#include <cstdint>
#include <optional>
#include <string>

#include "base/ids.h"
#include "base/result.h"
#include "io/filesystem.h"

namespace sd::storage {

constexpr std::size_t offset_file_size = 16;

/// Reads <dir>/<name>. nullopt when missing, damaged, of another magic, or negative.
result<std::optional<offset>> read_offset_file(io::filesystem& fs, const std::string& dir, const std::string& name,
                                               std::uint32_t magic);
/// Durably replaces <dir>/<name>.
status write_offset_file(io::filesystem& fs, const std::string& dir, const std::string& name, std::uint32_t magic,
                         offset value);

}  // namespace sd::storage
