#include "security/errc.h"

#include "base/error_category.h"

namespace sd::security {
namespace {
std::string describe(int c) {
  switch (static_cast<errc>(c)) {
    case errc::io_error: return "security store I/O error";
    case errc::corrupt_store: return "security store file does not parse";
    case errc::invalid_argument: return "invalid argument";
    case errc::not_found: return "not found";
  }
  return "unknown security error";
}
}  // namespace

const std::error_category& error_category() noexcept {
  static const sd::named_error_category cat("security", [](int c) { return describe(c); });
  return cat;
}

}  // namespace sd::security
