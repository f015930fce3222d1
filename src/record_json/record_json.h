#pragma once
// record_json: the one JSON shape of a record on streamdown's HTTP surfaces. The relay's `http` source and the
// broker's HTTP produce endpoint parse request bodies with it; `streamdown consume --json`, HTTP consume and the
// relay's status print records with it. One schema, one parser.
//
// A record in a request:
//   {"key": K, "value": V, "headers": H, "partition": P, "timestamp": T,
//    "key_encoding": "json"|"base64", "value_encoding": "json"|"base64"}
// every field optional. K and V: a JSON string is the record's bytes as they are (UTF-8); null or absent is a
// null key/value (distinct from ""); any other JSON (object, array, number, bool) is its compact JSON text.
// With "*_encoding": "base64" the field must be a base64 string and the bytes are its decoding (binary data).
// H: an object {"name": "value", ...}, an array of ["name", "value"] pairs (what consume --json prints), or an
// array of {"key": "name", "value": "value"}; a null header value is kept as "" (Kafka headers here are text).
// P: a partition number >= 0, or absent / -1 for "let the producer choose by key".
// T: milliseconds since the epoch, absent for "now".
//
// A body is one of (by Content-Type, parameters ignored):
//   application/json            a JSON array of records, or one record object;
//   application/x-ndjson (and application/jsonlines, text/plain with JSON lines) one record per non-empty line;
//   application/octet-stream    the whole body is the value of one record (null key, no headers).
// An unparseable JSON array/object body is a body error (HTTP 400, nothing written). In NDJSON each line stands
// alone: a bad line is an error item in its position, and the good lines around it are still records.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace sd::record_json {

enum class encoding { json, base64 };

struct record {
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::string>> headers;
  std::int32_t partition = -1;
  std::optional<std::int64_t> timestamp_ms;
};

/// One input record that could not be read, in its position among the others.
struct item_error {
  std::string message;
};

using item = std::variant<record, item_error>;

struct body_defaults {
  encoding key_encoding = encoding::json;    // when a record does not say (e.g. ?key_encoding=base64)
  encoding value_encoding = encoding::json;
};

struct parsed_body {
  std::vector<item> items;  // in request order
  std::string error;        // non-empty: the body as a whole is unreadable (and items is empty)
};

/// Whether a Content-Type names one of the line-delimited (NDJSON) body types above.
bool is_line_delimited(std::string_view content_type);

/// Parses a request body as described above. Never throws.
parsed_body parse_body(std::string_view content_type, std::string_view body, body_defaults defaults = {});

/// Parses one record object given as JSON text (one NDJSON line). Never throws.
item parse_record_text(std::string_view json_text, body_defaults defaults = {});

/// "json" | "base64" -> encoding; nullopt for anything else.
std::optional<encoding> parse_encoding(std::string_view name);

/// A consumed or produced record as printed: {"topic","partition","offset","timestamp","key","value","headers"}
/// with headers as ["name","value"] pairs; with encoding::base64 the key and value are base64 strings (and the
/// object says so in "key_encoding"/"value_encoding"); with json they are strings (invalid UTF-8 replaced).
struct printed_record {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::int64_t timestamp_ms = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string cursor;  // printed as "cursor" when not empty (the HTTP API's resume token)
};
std::string to_json_line(const printed_record& r, encoding enc = encoding::json);

/// The same line from views (no copies of the record's bytes), appended to `out`: the HTTP streaming hot path.
/// Keys in the same (sorted) order as to_json_line; invalid UTF-8 in text fields becomes U+FFFD.
struct record_view_text {
  std::string_view topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::int64_t timestamp_ms = 0;
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;
  std::vector<std::pair<std::string_view, std::string_view>> headers;
  std::string_view cursor;
};
void append_json_line(std::string& out, const record_view_text& r, encoding enc = encoding::json);

}  // namespace sd::record_json
