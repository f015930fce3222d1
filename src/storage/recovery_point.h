#pragma once
// recovery point: how much of a partition log an unclean start may trust without scanning it.
//
// A recovery point {end, segment_base, position} promises, once durable:
//   - every record below `end` is durable (an fdatasync of its file returned after it was written);
//   - the segment with base `segment_base` held whole batches in bytes [0, position) ending at `end`;
//   - every segment with a smaller base was sealed, and its data and both index files are durable and
//     complete (indexes are written at the roll and synced by the same sync that recorded this point).
// So an unclean start loads the indexes of the segments below `segment_base` (scanning one only if its
// indexes fail their checks), walks the headers of segment `segment_base` up to `position` (no CRC) and
// scans with CRC only from there on. Bytes not CRC-checked at start-up are checked on their first read
// (partition_log::read), so corruption there is reported, never served.
//
// File <partition dir>/recovery-point, 40 bytes, big-endian:
//    0 u32 magic "SDRP"   4 u32 version (1)   8 i64 end   16 i64 segment_base   24 u64 position
//   32 u32 crc32c of bytes [0, 32)   36 u32 zero
// Rewritten in place (one pwrite + fdatasync; no rename, so no directory sync after the first write): a
// torn write fails the CRC and reads as "no recovery point", which means a full scan, never a wrong trust.
// An older point is always still true (the log only grows past it; the cleaner and retention only touch
// sealed segments, whose indexes are synced when they change), so a lost update only costs scan time.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/ids.h"
#include "base/result.h"
#include "io/filesystem.h"
#include "storage/file_cache.h"

namespace sd::storage {

struct recovery_point {
  offset end{0};
  offset segment_base{0};
  std::uint64_t position = 0;
  bool operator==(const recovery_point&) const = default;
};

constexpr std::size_t recovery_point_file_size = 40;

/// The point in <dir>/recovery-point, or nullopt when it is missing or damaged.
result<std::optional<recovery_point>> read_recovery_point(io::filesystem& fs, const std::string& dir);

/// Keeps <dir>/recovery-point open and rewrites it in place. Not thread-safe: its owner serialises calls
/// (sync_state holds its sync mutex).
class recovery_point_writer {
 public:
  /// The file's descriptor is held under `files`' bound (storage/file_cache.h; null: unbounded).
  recovery_point_writer(io::filesystem& fs, std::string dir, file_cache* files)
      : _fs(fs), _dir(std::move(dir)), _files(files) {}
  /// Writes and fdatasyncs `rp` (creating the file, and fsyncing the directory, the first time).
  status write(const recovery_point& rp);

 private:
  io::filesystem& _fs;
  const std::string _dir;
  file_cache* const _files;
  std::shared_ptr<cached_file> _file;
};

}  // namespace sd::storage
