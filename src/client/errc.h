#pragma once
// Errors of the client tools' pure logic (parsing flags and input). Failures reported by librdkafka keep
// librdkafka's own message and are not mapped here.

#include <string>
#include <system_error>

namespace sd::client {

enum class errc {
  malformed_setting = 1,  // -X/--config argument is not key=value, or the key is empty
  malformed_duration,     // not a number followed by ms, s, m or h
  malformed_backoff,      // not MIN[:MAX] durations with 0 < MIN <= MAX
  truncated_record,       // length-delimited input ends inside a length prefix or a record
  record_too_large,       // a length prefix above the configured maximum (or negative)
  malformed_json_record,  // a JSON input line that is not an object with string value/key/headers
  malformed_header,       // a header argument that is not name=value
};

const std::error_category& error_category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), error_category()}; }

}  // namespace sd::client

template <>
struct std::is_error_code_enum<sd::client::errc> : std::true_type {};
