#include "relay/positions.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace sd::relay {

position_map load_positions(const std::string& path) {
  position_map out;
  std::ifstream in(path);
  if (!in) return out;
  std::stringstream text;
  text << in.rdbuf();
  auto j = nlohmann::json::parse(text.str(), nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& e : j) {
    if (!e.is_object() || !e.contains("topic") || !e.contains("partition") || !e.contains("offset")) continue;
    if (!e["topic"].is_string() || !e["partition"].is_number_integer() || !e["offset"].is_number_integer()) continue;
    out[{e["topic"].get<std::string>(), e["partition"].get<std::int32_t>()}] = e["offset"].get<std::int64_t>();
  }
  return out;
}

bool save_positions(const std::string& path, const position_map& positions) {
  auto j = nlohmann::json::array();
  for (const auto& [tp, offset] : positions) j.push_back({{"topic", tp.first}, {"partition", tp.second}, {"offset", offset}});
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return false;
    out << j.dump() << "\n";
    if (!out.flush()) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace sd::relay
