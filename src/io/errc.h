#pragma once
// Errors of the file layer that are not an operating-system errno. OS failures travel as
// std::error_code(errno, std::system_category()), so callers can test them against std::errc values
// (for example `ec == std::errc::no_space_on_device`).

#include <string>
#include <system_error>

namespace sd::io {

enum class errc {
  closed = 1,  // the file was closed; no further operations are possible
  locked,      // lock_exclusive: another holder (this process or another) has the lock
  crashed,     // fault injection: the simulated process died; every later operation fails
  unsupported, // the file or filesystem does not offer this operation (file::sync_filesystem)
};

const std::error_category& error_category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), error_category()}; }

/// The current errno as an error code.
std::error_code last_os_error() noexcept;
/// True for an out-of-space error (ENOSPC or EDQUOT).
bool is_no_space(std::error_code ec) noexcept;

}  // namespace sd::io

template <>
struct std::is_error_code_enum<sd::io::errc> : std::true_type {};
