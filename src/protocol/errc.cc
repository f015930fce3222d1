#include "protocol/errc.h"

#include "base/error_category.h"

namespace sd::protocol {

std::string describe(errc e) {
  switch (e) {
    case errc::truncated: return "truncated input";
    case errc::malformed: return "malformed input";
    case errc::unknown_api_key: return "unknown api key";
    case errc::unsupported_version: return "unsupported api version";
    case errc::corrupt_batch: return "corrupt record batch";
    case errc::unsupported_codec: return "unsupported compression codec";
    case errc::decompression_failed: return "decompression failed";
    case errc::compression_failed: return "compression failed";
    case errc::io_error: return "i/o error reading a file slice";
  }
  return "unknown protocol error";
}

const std::error_category& error_category() noexcept {
  static const sd::named_error_category cat("protocol", [](int c) { return describe(static_cast<errc>(c)); });
  return cat;
}

}  // namespace sd::protocol
