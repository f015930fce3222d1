#include "app/config_loader.h"

#include <sstream>
#include <stdexcept>
#include <toml++/toml.h>

namespace sd::app {
namespace {

std::string scalar_to_string(const toml::node& n, const std::string& key) {
  if (auto s = n.as_string()) return s->get();
  if (auto i = n.as_integer()) return std::to_string(i->get());
  if (auto b = n.as_boolean()) return b->get() ? "true" : "false";
  if (auto f = n.as_floating_point()) {
    std::ostringstream o;
    o << f->get();
    return o.str();
  }
  throw std::runtime_error("config key '" + key + "': dates are not supported here");
}

void flatten(const toml::table& t, const std::string& prefix, std::map<std::string, std::string>& out) {
  for (const auto& [k, v] : t) {
    std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (auto sub = v.as_table()) {
      flatten(*sub, key, out);
    } else if (auto arr = v.as_array(); arr && arr->is_array_of_tables()) {
      // [[name]] tables: the i-th becomes name.<i>.<field> (alert rules: alerts/rule.h)
      for (std::size_t i = 0; i < arr->size(); ++i) flatten(*arr->get(i)->as_table(), key + "." + std::to_string(i), out);
    } else if (auto list = v.as_array()) {
      // An array of scalars (`topics = ["a/#", "b"]`) is the comma-separated list the keys take in --set.
      std::string joined;
      for (const auto& item : *list) {
        if (item.is_table() || item.is_array()) throw std::runtime_error("config key '" + key + "': nested arrays are not supported");
        joined += (joined.empty() ? "" : ",") + scalar_to_string(item, key);
      }
      out[key] = joined;
    } else {
      out[key] = scalar_to_string(v, key);
    }
  }
}

}  // namespace

std::map<std::string, std::string> load_toml_file(const std::string& path) {
  std::map<std::string, std::string> out;
  try {
    toml::table t = toml::parse_file(path);
    flatten(t, "", out);
  } catch (const toml::parse_error& e) {
    std::ostringstream o;
    o << "config file " << path << ":" << e.source().begin.line << ":" << e.source().begin.column << ": "
      << e.description();
    throw std::runtime_error(o.str());
  }
  return out;
}

void apply_overrides(std::map<std::string, std::string>& into, const std::vector<std::string>& sets) {
  for (const auto& s : sets) {
    auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0)
      throw std::runtime_error("--set expects key=value, got '" + s + "'");
    into[s.substr(0, eq)] = s.substr(eq + 1);
  }
}

}  // namespace sd::app
