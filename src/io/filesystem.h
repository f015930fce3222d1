#pragma once
// io::filesystem: the operations storage needs on files and directories. Two implementations:
// posix_filesystem() (the real one) and faulty_filesystem (io/faulty_filesystem.h, for tests and for
// simulating a slow disk). Paths are plain strings; nothing here interprets them.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "io/file.h"

namespace sd::io {

enum class open_mode {
  read_only,      // existing file, read only
  read_write,     // existing file, read and write
  create,         // read and write; created if missing
  create_new,     // read and write; fails if it exists (O_EXCL)
  create_truncate // read and write; created if missing, emptied if present
};

struct dir_entry {
  std::string name;  // name only, no directory part; never "." or ".."
  bool is_dir = false;
};

/// Held while the lock is held; destroying it releases the lock.
class file_lock {
 public:
  virtual ~file_lock() = default;
};

class filesystem {
 public:
  virtual ~filesystem() = default;

  virtual result<std::shared_ptr<file>> open(const std::string& path, open_mode mode) = 0;
  /// Removes a file or an empty directory.
  virtual status remove(const std::string& path) = 0;
  /// Removes a file or a directory tree. Missing is not an error.
  virtual status remove_all(const std::string& path) = 0;
  /// Atomically renames (replacing `to` if it is a file).
  virtual status rename(const std::string& from, const std::string& to) = 0;
  /// Creates a directory and its missing parents; an existing directory is not an error.
  virtual status mkdir(const std::string& path) = 0;
  virtual result<std::vector<dir_entry>> list(const std::string& dir) = 0;
  virtual result<bool> exists(const std::string& path) = 0;
  /// fsync of a directory: makes creations, renames and removals inside it durable.
  virtual status sync_dir(const std::string& dir) = 0;
  /// Exclusive, non-blocking flock on path (created if missing). Fails with io::errc::locked when held
  /// elsewhere, including by another open in this process.
  virtual result<std::unique_ptr<file_lock>> lock_exclusive(const std::string& path) = 0;
  /// Bytes available to an unprivileged writer on the filesystem holding path.
  virtual result<std::uint64_t> free_space(const std::string& path) = 0;
};

/// The process-wide POSIX implementation.
filesystem& posix_filesystem();

/// The whole file at path (for small metadata files), or nullopt when it does not exist.
result<std::optional<bytes>> read_whole_file(filesystem& fs, const std::string& path);

}  // namespace sd::io
