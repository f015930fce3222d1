#include "client/errc.h"

#include "base/error_category.h"

namespace sd::client {

namespace {
std::string describe(int code) {
  switch (static_cast<errc>(code)) {
    case errc::malformed_setting: return "expected key=value with a non-empty key";
    case errc::malformed_duration: return "expected a duration such as 250ms, 10s, 2m, 1h or 7d";
    case errc::malformed_backoff: return "expected MIN[:MAX] durations with 0 < MIN <= MAX";
    case errc::truncated_record: return "input ends inside a length-delimited record";
    case errc::record_too_large: return "length prefix is negative or above the maximum record size";
    case errc::malformed_json_record:
      return "expected a JSON object with \"value\" and optional \"key\" and \"headers\" (strings or null)";
    case errc::malformed_header: return "expected a header as name=value";
  }
  return "unknown client error";
}
}  // namespace

const std::error_category& error_category() noexcept {
  static const named_error_category cat("client", describe);
  return cat;
}

}  // namespace sd::client
