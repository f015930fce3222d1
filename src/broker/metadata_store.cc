#include "broker/metadata_store.h"

#include <nlohmann/json.hpp>
#include <random>

#include "io/file.h"

namespace sd::broker {
namespace {

std::string hex(const topic_uuid& u) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (auto b : u) {
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  return s;
}

bool unhex(const std::string& s, topic_uuid& out) {
  if (s.size() != 32) return false;
  auto val = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < 16; ++i) {
    int hi = val(s[2 * i]), lo = val(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return true;
}

std::string base64url_no_pad(const topic_uuid& u) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (auto b : u) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      out += table[(acc >> (bits - 6)) & 63];
      bits -= 6;
    }
  }
  if (bits > 0) out += table[(acc << (6 - bits)) & 63];
  return out;
}

}  // namespace

metadata_store::metadata_store(io::filesystem& fs, std::string data_dir)
    : _fs(fs), _dir(std::move(data_dir)), _path(_dir + "/streamdown-meta.json") {}

topic_uuid metadata_store::random_uuid() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  topic_uuid u;
  for (std::size_t i = 0; i < 16; i += 8) {
    auto v = rng();
    for (std::size_t j = 0; j < 8; ++j) u[i + j] = static_cast<std::uint8_t>(v >> (8 * j));
  }
  u[6] = static_cast<std::uint8_t>((u[6] & 0x0F) | 0x40);  // version 4
  u[8] = static_cast<std::uint8_t>((u[8] & 0x3F) | 0x80);  // variant 1
  return u;
}

result<broker_metadata> metadata_store::load() {
  auto exists = _fs.exists(_path);
  if (!exists) return exists.error();
  broker_metadata md;
  if (!*exists) {
    md.cluster_id = base64url_no_pad(random_uuid());
    return md;
  }
  auto f = _fs.open(_path, io::open_mode::read_only);
  if (!f) return f.error();
  auto size = (*f)->size();
  if (!size) return size.error();
  std::string text(*size, '\0');
  auto n = io::read_up_to(**f, file_pos(0), mutable_byte_span(reinterpret_cast<std::uint8_t*>(text.data()), text.size()));
  if (!n) return n.error();
  text.resize(*n);
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::make_error_code(std::errc::illegal_byte_sequence);
  md.cluster_id = j.value("cluster_id", std::string{});
  md.next_producer_id_block = j.value("next_producer_id_block", std::int64_t{0});
  if (auto it = j.find("topics"); it != j.end() && it->is_object()) {
    for (auto& [name, t] : it->items()) {
      persisted_topic pt;
      if (!unhex(t.value("id", std::string{}), pt.id)) pt.id = random_uuid();
      if (auto o = t.find("overrides"); o != t.end() && o->is_object())
        for (auto& [k, v] : o->items())
          if (v.is_string()) pt.overrides[k] = v.get<std::string>();
      md.topics[name] = std::move(pt);
    }
  }
  if (auto it = j.find("dynamic_broker_config"); it != j.end() && it->is_object()) {
    auto read_layer = [&](const char* name, std::map<std::string, std::string>& out) {
      if (auto l = it->find(name); l != it->end() && l->is_object())
        for (auto& [k, v] : l->items())
          if (v.is_string()) out[k] = v.get<std::string>();
    };
    read_layer("cluster_default", md.dynamic_config.cluster_default);
    read_layer("per_broker", md.dynamic_config.per_broker);
  }
  if (md.cluster_id.empty()) md.cluster_id = base64url_no_pad(random_uuid());
  return md;
}

status metadata_store::save(const broker_metadata& md) {
  nlohmann::json j;
  j["format"] = 1;
  j["cluster_id"] = md.cluster_id;
  j["next_producer_id_block"] = md.next_producer_id_block;
  auto& topics = j["topics"] = nlohmann::json::object();
  for (const auto& [name, t] : md.topics) {
    topics[name]["id"] = hex(t.id);
    topics[name]["overrides"] = t.overrides;
  }
  j["dynamic_broker_config"]["cluster_default"] = md.dynamic_config.cluster_default;
  j["dynamic_broker_config"]["per_broker"] = md.dynamic_config.per_broker;
  std::string text = j.dump(2) + "\n";
  std::string tmp = _path + ".tmp";
  auto f = _fs.open(tmp, io::open_mode::create_truncate);
  if (!f) return f.error();
  SD_TRY(io::write_all(**f, file_pos(0), as_bytes(text)));
  SD_TRY((*f)->datasync());
  SD_TRY((*f)->close());
  SD_TRY(_fs.rename(tmp, _path));
  return _fs.sync_dir(_dir);
}

}  // namespace sd::broker
