#pragma once
// file_tail: the pure parts of the `file` source (file_source.cc), kept apart to be tested without threads.
//
// A tailed file is identified by (device, inode) while it is open, and across restarts by (device, inode)
// plus a fingerprint: CRC-32C of its first up to 1024 bytes and how many bytes that covers. The fingerprint
// tells a file that kept its inode apart from a different file that reused the inode, or from the same file
// truncated and rewritten (copytruncate) past the old offset.
//
// The checkpoint file `<state_dir>/<source name>.checkpoint.json` (format below) holds, per tailed file, the
// offset just past the last line the spool acknowledged. It is replaced atomically: written to `<file>.tmp`,
// fdatasync'ed, renamed over the old one, and the directory fsync'ed.
//
//   {"version":1,"files":[{"path":"/var/log/app.log","dev":2049,"inode":1234,"offset":5678,
//                          "fingerprint_crc":305419896,"fingerprint_bytes":1024}, ...]}

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sd::relay::file_tail {

constexpr std::size_t fingerprint_max_bytes = 1024;

struct fingerprint {
  std::uint32_t crc = 0;
  std::uint32_t bytes = 0;  // how many leading bytes the CRC covers (0..fingerprint_max_bytes)
  bool operator==(const fingerprint&) const = default;
};

/// The fingerprint of a file whose first bytes are `prefix` (only its first fingerprint_max_bytes count).
fingerprint make_fingerprint(std::string_view prefix);

struct file_id {
  std::uint64_t dev = 0;
  std::uint64_t inode = 0;
  auto operator<=>(const file_id&) const = default;
};

struct checkpoint_entry {
  std::string path;  // where the file was last seen (informational)
  file_id id;
  std::uint64_t offset = 0;  // every line before it is in the spool
  fingerprint fp;
  bool operator==(const checkpoint_entry&) const = default;
};

std::string encode_checkpoint(const std::vector<checkpoint_entry>& entries);
/// nullopt when the text is not a checkpoint of this version (the caller logs and starts without one).
std::optional<std::vector<checkpoint_entry>> decode_checkpoint(std::string_view text);

/// Replaces `path` with `contents` atomically and durably (tmp + fdatasync + rename + directory fsync).
/// Returns an empty string, or what failed.
std::string write_file_atomic(const std::string& path, std::string_view contents);
/// The whole file; nullopt when it does not exist; throws nothing (a read error is returned in `error`).
std::optional<std::string> read_whole_file(const std::string& path, std::string& error);

/// Where to read a file from, given what is known about it (a checkpoint entry or the state of an open file)
/// and what it looks like now: its size and the fingerprint of its first `known.fp.bytes` bytes (nullopt when
/// the file is shorter than that).
enum class resume { at_offset, from_start };
resume decide_resume(const checkpoint_entry& known, std::uint64_t size,
                     std::optional<fingerprint> prefix_now);

/// True when `pattern` has glob metacharacters (* ? [).
bool is_glob(std::string_view pattern);
/// Regular files matching the patterns (globs expanded, literal paths that exist), sorted, without
/// duplicates.
std::vector<std::string> expand_paths(const std::vector<std::string>& patterns);

}  // namespace sd::relay::file_tail
