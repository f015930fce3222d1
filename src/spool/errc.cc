#include "spool/errc.h"

#include "base/error_category.h"

namespace sd::spool {
namespace {
std::string describe(int c) {
  switch (static_cast<errc>(c)) {
    case errc::full:
      return "spool full";
    case errc::record_too_large:
      return "record too large for the spool";
    case errc::io_error:
      return "spool I/O error";
    case errc::locked:
      return "spool directory is locked by another open spool";
    case errc::wrong_relay:
      return "spool belongs to another relay id";
    case errc::corrupt:
      return "spool record is corrupt";
    case errc::closed:
      return "spool closed";
    case errc::invalid_argument:
      return "invalid argument";
  }
  return "unknown spool error";
}
}  // namespace

const std::error_category& error_category() noexcept {
  static const sd::named_error_category cat("spool", [](int c) { return describe(c); });
  return cat;
}

}  // namespace sd::spool
