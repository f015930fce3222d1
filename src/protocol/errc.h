#pragma once
// Error codes of the protocol module (decoding and record-batch handling). Kafka error codes are not here:
// only broker/ maps these to Kafka's numbers.

#include <string>
#include <system_error>

namespace sd::protocol {

enum class errc {
  truncated = 1,        // input ended inside a field, or a length/count points past the end
  malformed,            // a value that cannot be valid (negative length, bad varint, null where not nullable)
  unknown_api_key,      // request header names an API this table does not know
  unsupported_version,  // version outside the schema's valid range
  corrupt_batch,        // record batch framing, CRC or record layout is wrong
  unsupported_codec,    // compression type bits name no known codec
  decompression_failed, // compressed payload is corrupt or does not decompress to a sane size
  compression_failed,
  io_error,             // reading a file slice while flattening a response buffer failed
};

const std::error_category& error_category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), error_category()}; }
std::string describe(errc e);

}  // namespace sd::protocol

template <>
struct std::is_error_code_enum<sd::protocol::errc> : std::true_type {};
