#include "client/record_reader.h"

#include "record_json/record_json.h"


namespace sd::client {

std::optional<input_format> parse_input_format(std::string_view name) {
  if (name == "lines") return input_format::lines;
  if (name == "len32" || name == "length-delimited") return input_format::len32;
  if (name == "json") return input_format::json;
  return std::nullopt;
}

std::pair<std::optional<std::string>, std::string> split_key(std::string_view bytes, std::string_view sep) {
  const auto at = sep.empty() ? std::string_view::npos : bytes.find(sep);
  if (at == std::string_view::npos) return {std::nullopt, std::string(bytes)};
  return {std::string(bytes.substr(0, at)), std::string(bytes.substr(at + sep.size()))};
}

// JSON input is the shared record schema (record_json/record_json.h), so `produce --format json` reads exactly
// what the HTTP produce endpoints and the relay's http source read. Explicit partitions and timestamps in it
// are not used by this tool (the producer partitions by key).
result<input_record> parse_json_record(std::string_view line) {
  auto parsed = record_json::parse_record_text(line);
  auto* rec = std::get_if<record_json::record>(&parsed);
  if (rec == nullptr) return errc::malformed_json_record;
  return input_record{std::move(rec->key), std::move(rec->value), std::move(rec->headers)};
}

record_reader::record_reader(std::istream& in, input_format format, std::optional<std::string> key_separator,
                             std::size_t max_record_bytes)
    : _in(in), _format(format), _separator(std::move(key_separator)), _max_bytes(max_record_bytes) {
  if (_separator && _separator->empty()) _separator.reset();
}

result<std::optional<input_record>> record_reader::next() {
  input_record r;
  if (_format == input_format::len32) {
    unsigned char prefix[4];
    _in.read(reinterpret_cast<char*>(prefix), 4);
    const auto got = _in.gcount();
    if (got == 0) return std::optional<input_record>{};
    if (got != 4) return errc::truncated_record;
    const std::uint32_t len = (std::uint32_t(prefix[0]) << 24) | (std::uint32_t(prefix[1]) << 16) |
                              (std::uint32_t(prefix[2]) << 8) | std::uint32_t(prefix[3]);
    if (len > 0x7fffffffu || len > _max_bytes) return errc::record_too_large;
    _buf.resize(len);
    _in.read(_buf.data(), static_cast<std::streamsize>(len));
    if (static_cast<std::uint32_t>(_in.gcount()) != len) return errc::truncated_record;
  } else {
    if (!std::getline(_in, _buf)) return std::optional<input_record>{};
    if (_buf.size() > _max_bytes) return errc::record_too_large;
  }
  ++_count;
  if (_format == input_format::json) {
    auto parsed = parse_json_record(_buf);
    if (!parsed) return parsed.error();
    return std::optional<input_record>{std::move(*parsed)};
  }
  if (_separator) {
    auto [key, value] = split_key(_buf, *_separator);
    r.key = std::move(key);
    r.value = std::move(value);
  } else {
    r.value = _buf;
  }
  return std::optional<input_record>{std::move(r)};
}

}  // namespace sd::client
