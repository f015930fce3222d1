#include "record_json/record_json.h"

#include <cctype>

#include <nlohmann/json.hpp>

#include "base/base64.h"

namespace sd::record_json {
namespace {

using json = nlohmann::json;

std::string_view media_type(std::string_view content_type) {
  auto semi = content_type.find(';');
  auto t = content_type.substr(0, semi);
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
  return t;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

// Reads K or V per the contract in the header; an error message on failure.
std::variant<std::optional<std::string>, item_error> read_bytes(const json& obj, const char* field, encoding enc) {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return std::optional<std::string>{};
  if (enc == encoding::base64) {
    if (!it->is_string()) return item_error{std::string("\"") + field + "\" must be a base64 string"};
    auto decoded = b64_decode(it->get_ref<const std::string&>());
    if (!decoded) return item_error{std::string("\"") + field + "\" is not valid base64"};
    return std::optional<std::string>(std::move(*decoded));
  }
  if (it->is_string()) return std::optional<std::string>(it->get<std::string>());
  return std::optional<std::string>(it->dump());
}

std::optional<std::string> header_text(const json& v) {
  if (v.is_null()) return std::string();
  if (v.is_string()) return v.get<std::string>();
  return std::nullopt;
}

std::optional<item_error> read_headers(const json& obj, record& out) {
  auto it = obj.find("headers");
  if (it == obj.end() || it->is_null()) return std::nullopt;
  const item_error bad{"\"headers\" must be an object of strings, an array of [name, value] pairs or of "
                       "{\"key\", \"value\"} objects"};
  if (it->is_object()) {
    for (const auto& [name, v] : it->items()) {
      auto text = header_text(v);
      if (!text) return bad;
      out.headers.emplace_back(name, std::move(*text));
    }
    return std::nullopt;
  }
  if (!it->is_array()) return bad;
  for (const auto& h : *it) {
    if (h.is_array() && h.size() == 2 && h[0].is_string()) {
      auto text = header_text(h[1]);
      if (!text) return bad;
      out.headers.emplace_back(h[0].get<std::string>(), std::move(*text));
    } else if (h.is_object() && h.contains("key") && h["key"].is_string()) {
      auto text = h.contains("value") ? header_text(h["value"]) : std::optional<std::string>("");
      if (!text) return bad;
      out.headers.emplace_back(h["key"].get<std::string>(), std::move(*text));
    } else {
      return bad;
    }
  }
  return std::nullopt;
}

item record_from(const json& obj, const body_defaults& defaults) {
  if (!obj.is_object()) return item_error{"a record must be a JSON object"};
  encoding key_enc = defaults.key_encoding;
  encoding value_enc = defaults.value_encoding;
  for (auto [field, target] : {std::pair{"key_encoding", &key_enc}, std::pair{"value_encoding", &value_enc}}) {
    auto it = obj.find(field);
    if (it == obj.end() || it->is_null()) continue;
    auto e = it->is_string() ? parse_encoding(it->get_ref<const std::string&>()) : std::nullopt;
    if (!e) return item_error{std::string("\"") + field + "\" must be \"json\" or \"base64\""};
    *target = *e;
  }
  record r;
  auto key = read_bytes(obj, "key", key_enc);
  if (auto* e = std::get_if<item_error>(&key)) return *e;
  r.key = std::move(std::get<0>(key));
  auto value = read_bytes(obj, "value", value_enc);
  if (auto* e = std::get_if<item_error>(&value)) return *e;
  r.value = std::move(std::get<0>(value));
  if (auto e = read_headers(obj, r)) return *e;
  if (auto it = obj.find("partition"); it != obj.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<std::int64_t>() < -1 || it->get<std::int64_t>() > INT32_MAX)
      return item_error{"\"partition\" must be an integer >= -1"};
    r.partition = static_cast<std::int32_t>(it->get<std::int64_t>());
  }
  if (auto it = obj.find("timestamp"); it != obj.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<std::int64_t>() < 0)
      return item_error{"\"timestamp\" must be milliseconds since the epoch"};
    r.timestamp_ms = it->get<std::int64_t>();
  }
  return r;
}

}  // namespace

std::optional<encoding> parse_encoding(std::string_view name) {
  if (name == "json") return encoding::json;
  if (name == "base64" || name == "binary") return encoding::base64;
  return std::nullopt;
}

item parse_record_text(std::string_view json_text, body_defaults defaults) {
  json j = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return item_error{"not valid JSON"};
  return record_from(j, defaults);
}

bool is_line_delimited(std::string_view content_type) {
  const auto type = media_type(content_type);
  return iequals(type, "application/x-ndjson") || iequals(type, "application/jsonlines") ||
         iequals(type, "application/x-jsonlines") || iequals(type, "text/plain");
}

parsed_body parse_body(std::string_view content_type, std::string_view body, body_defaults defaults) {
  parsed_body out;
  const auto type = media_type(content_type);
  if (iequals(type, "application/octet-stream")) {
    record r;
    r.value = std::string(body);
    out.items.emplace_back(std::move(r));
    return out;
  }
  if (is_line_delimited(content_type)) {
    std::size_t pos = 0;
    while (pos < body.size()) {
      auto nl = body.find('\n', pos);
      auto line = body.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
      pos = nl == std::string_view::npos ? body.size() : nl + 1;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
      out.items.push_back(parse_record_text(line, defaults));
    }
    if (out.items.empty()) out.error = "the body holds no records";
    return out;
  }
  if (!type.empty() && !iequals(type, "application/json")) {
    out.error = "unsupported Content-Type '" + std::string(type) +
                "' (application/json, application/x-ndjson or application/octet-stream)";
    return out;
  }
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    out.error = "the body is not valid JSON";
    return out;
  }
  if (j.is_object() && j.contains("records") && j["records"].is_array()) j = j["records"];  // {"records": [...]}
  if (j.is_object()) {
    out.items.push_back(record_from(j, defaults));
  } else if (j.is_array()) {
    for (const auto& r : j) out.items.push_back(record_from(r, defaults));
    if (out.items.empty()) out.error = "the body holds no records";
  } else {
    out.error = "the body must be a JSON array of records or one record object";
  }
  return out;
}

namespace {

/// Appends `s` as a JSON string: quotes, escapes (\" \\ \b \f \n \r \t, \u00XX for other controls) and
/// U+FFFD for each byte that does not start a valid UTF-8 sequence.
void append_json_string(std::string& out, std::string_view s) {
  static const char hex[] = "0123456789abcdef";
  out += '"';
  std::size_t i = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  while (i < n) {
    const unsigned char c = p[i];
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      std::size_t j = i + 1;  // a run of plain ASCII goes in one append
      while (j < n && p[j] >= 0x20 && p[j] < 0x80 && p[j] != '"' && p[j] != '\\') ++j;
      out.append(s.data() + i, j - i);
      i = j;
      continue;
    }
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 0xf];
      }
      ++i;
      continue;
    }
    // Multi-byte UTF-8: length from the lead byte, continuation bytes 10xxxxxx, no overlongs, no surrogates,
    // nothing above U+10FFFF.
    std::size_t len = 0;
    unsigned lo = 0x80, hi = 0xbf;  // allowed range of the second byte
    if (c >= 0xc2 && c <= 0xdf) len = 2;
    else if (c == 0xe0) len = 3, lo = 0xa0;
    else if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef) len = 3;
    else if (c == 0xed) len = 3, hi = 0x9f;
    else if (c == 0xf0) len = 4, lo = 0x90;
    else if (c >= 0xf1 && c <= 0xf3) len = 4;
    else if (c == 0xf4) len = 4, hi = 0x8f;
    bool ok = len > 0 && i + len <= n && p[i + 1] >= lo && p[i + 1] <= hi;
    for (std::size_t k = 2; ok && k < len; ++k) ok = p[i + k] >= 0x80 && p[i + k] <= 0xbf;
    if (ok) {
      out.append(s.data() + i, len);
      i += len;
    } else {
      out += "\xef\xbf\xbd";
      ++i;
    }
  }
  out += '"';
}

void append_bytes_field(std::string& out, const std::optional<std::string_view>& b, encoding enc) {
  if (!b) out += "null";
  else if (enc == encoding::base64) append_json_string(out, b64_encode(*b));
  else append_json_string(out, *b);
}

}  // namespace

void append_json_line(std::string& out, const record_view_text& r, encoding enc) {
  // Keys in sorted order, as nlohmann's default object prints them (and as to_json_line always did).
  out += '{';
  if (!r.cursor.empty()) {
    out += "\"cursor\":";
    append_json_string(out, r.cursor);
    out += ',';
  }
  out += "\"headers\":[";
  for (std::size_t i = 0; i < r.headers.size(); ++i) {
    if (i) out += ',';
    out += '[';
    append_json_string(out, r.headers[i].first);
    out += ',';
    append_json_string(out, r.headers[i].second);
    out += ']';
  }
  out += "],\"key\":";
  append_bytes_field(out, r.key, enc);
  if (enc == encoding::base64) out += ",\"key_encoding\":\"base64\"";
  out += ",\"offset\":";
  out += std::to_string(r.offset);
  out += ",\"partition\":";
  out += std::to_string(r.partition);
  out += ",\"timestamp\":";
  out += std::to_string(r.timestamp_ms);
  out += ",\"topic\":";
  append_json_string(out, r.topic);
  out += ",\"value\":";
  append_bytes_field(out, r.value, enc);
  if (enc == encoding::base64) out += ",\"value_encoding\":\"base64\"";
  out += '}';
}

std::string to_json_line(const printed_record& r, encoding enc) {
  record_view_text v;
  v.topic = r.topic;
  v.partition = r.partition;
  v.offset = r.offset;
  v.timestamp_ms = r.timestamp_ms;
  if (r.key) v.key = std::string_view(*r.key);
  if (r.value) v.value = std::string_view(*r.value);
  for (const auto& [k, val] : r.headers) v.headers.emplace_back(k, val);
  v.cursor = r.cursor;
  std::string out;
  out.reserve(96 + (r.key ? r.key->size() : 0) + (r.value ? r.value->size() : 0));
  append_json_line(out, v, enc);
  return out;
}

}  // namespace sd::record_json
