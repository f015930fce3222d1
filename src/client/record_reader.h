#pragma once
// Turning `produce` input into records. Three framings:
//   lines  - one record per '\n'-terminated line (the '\n' is dropped; a last line without '\n' counts);
//   len32  - each record is a 4-byte big-endian length then that many bytes (length-delimited);
//   json   - one JSON object per line: {"key": str|null, "value": str|null, "headers": {...} | [[n, v], ...]}.
// With a key separator (lines and len32), the record's bytes split at the first separator into key and value;
// a record without the separator has a null key and the whole bytes as value (kcat -K does the same).

#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "client/errc.h"

namespace sd::client {

enum class input_format { lines, len32, json };

/// "lines", "len32" (also "length-delimited") or "json".
std::optional<input_format> parse_input_format(std::string_view name);

using header_list = std::vector<std::pair<std::string, std::string>>;

struct input_record {
  std::optional<std::string> key;
  std::optional<std::string> value;  // nullopt only from JSON input ("value": null, a tombstone)
  header_list headers;
};

/// {key, value} split at the first occurrence of sep (sep must be non-empty); no occurrence: {nullopt, all}.
std::pair<std::optional<std::string>, std::string> split_key(std::string_view bytes, std::string_view sep);

/// Parses one JSON input line into a record.
result<input_record> parse_json_record(std::string_view line);

/// Reads records from one stream. Not thread-safe; the stream outlives the reader.
class record_reader {
 public:
  record_reader(std::istream& in, input_format format, std::optional<std::string> key_separator,
                std::size_t max_record_bytes = 64u << 20);

  /// The next record; nullopt at a clean end of input; an error for malformed input (the reader then stays
  /// failed). records_read() tells which record was bad.
  result<std::optional<input_record>> next();
  std::uint64_t records_read() const { return _count; }

 private:
  std::istream& _in;
  input_format _format;
  std::optional<std::string> _separator;
  std::size_t _max_bytes;
  std::uint64_t _count = 0;
  std::string _buf;
};

}  // namespace sd::client
