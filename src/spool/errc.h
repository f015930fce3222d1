#pragma once
// Errors of the relay spool. The OS cause of a sticky I/O failure is kept by the spool (spool::io_failure()).

#include <system_error>

namespace sd::spool {

enum class errc {
  full = 1,          // when_full::block: the append would exceed max_bytes; nothing was written
  record_too_large,  // a record (or a batch) can never fit: larger than a segment or than max_bytes
  io_error,          // a write, sync or ledger update failed; sticky: every later append fails with it too
  locked,            // another open spool (this process or another) holds the directory's LOCK
  wrong_relay,       // the spool belongs to another relay id
  corrupt,           // a frame that recovery accepted no longer passes its CRC when read
  closed,            // close() was called
  invalid_argument,  // bad options, a decreasing or not-yet-durable mark_forwarded, an oversized field
};

const std::error_category& error_category() noexcept;
inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

}  // namespace sd::spool

template <>
struct std::is_error_code_enum<sd::spool::errc> : std::true_type {};
