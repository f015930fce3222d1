#pragma once
// private_file: the one way the security stores (users.json, acls.json) read and write their files. Files are
// mode 0600 in a directory created 0700; a write replaces the file crash-atomically (temp file in the same
// directory, fsync, rename, directory fsync), so a crash leaves the old or the new content whole, never
// neither. Failures are logged with the path and errno and returned as errc::io_error.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "security/errc.h"

namespace sd::security {

/// Creates the file's parent directory with mode 0700 when missing (its ancestors with default modes).
status ensure_private_dir(const std::filesystem::path& file);
/// The whole file, or nullopt when it does not exist.
result<std::optional<std::string>> read_private_file(const std::filesystem::path& file);
/// Replaces the file with `content` durably (see above); the parent directory is created when missing.
status replace_private_file(const std::filesystem::path& file, std::string_view content);

}  // namespace sd::security
