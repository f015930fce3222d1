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

parsed_body parse_body(std::string_view content_type, std::string_view body, body_defaults defaults) {
  parsed_body out;
  const auto type = media_type(content_type);
  if (iequals(type, "application/octet-stream")) {
    record r;
    r.value = std::string(body);
    out.items.emplace_back(std::move(r));
    return out;
  }
  if (iequals(type, "application/x-ndjson") || iequals(type, "application/jsonlines") ||
      iequals(type, "application/x-jsonlines") || iequals(type, "text/plain")) {
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

std::string to_json_line(const printed_record& r, encoding enc) {
  auto bytes = [enc](const std::optional<std::string>& b) -> json {
    if (!b) return nullptr;
    return enc == encoding::base64 ? json(b64_encode(*b)) : json(*b);
  };
  auto headers = json::array();
  for (const auto& [k, v] : r.headers) headers.push_back({k, v});
  json j{{"topic", r.topic},   {"partition", r.partition}, {"offset", r.offset}, {"timestamp", r.timestamp_ms},
         {"key", bytes(r.key)}, {"value", bytes(r.value)}, {"headers", headers}};
  if (!r.cursor.empty()) j["cursor"] = r.cursor;
  if (enc == encoding::base64) {
    j["key_encoding"] = "base64";
    j["value_encoding"] = "base64";
  }
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace sd::record_json
