#include "io/errc.h"

#include <cerrno>

#include "base/error_category.h"

namespace sd::io {

namespace {
std::string describe(int code) {
  switch (static_cast<errc>(code)) {
    case errc::closed: return "file is closed";
    case errc::locked: return "lock is held by another owner";
    case errc::crashed: return "simulated crash (fault injection): all further I/O fails";
    case errc::unsupported: return "operation not supported by this file";
  }
  return "unknown io error";
}
}  // namespace

const std::error_category& error_category() noexcept {
  static const named_error_category cat("io", describe);
  return cat;
}

std::error_code last_os_error() noexcept { return {errno, std::system_category()}; }

bool is_no_space(std::error_code ec) noexcept {
  return ec == std::errc::no_space_on_device || (ec.category() == std::system_category() && ec.value() == EDQUOT);
}

}  // namespace sd::io
