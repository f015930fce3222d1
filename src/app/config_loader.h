#pragma once
// Turns the TOML file and command-line overrides into the flat `key -> value` map that broker_config::from
// checks. TOML tables are flattened with dots, so `num.partitions = 3`, `"num.partitions" = 3` and
// `[num] partitions = 3` all mean the same key. Arrays of tables (`[[alert]]`) become `alert.0.name`,
// `alert.1.name`, ...; arrays of scalars become comma-separated lists (`topics = ["a", "b"]` is `topics=a,b`).
// Precedence: file < --set < dedicated flags.

#include <map>
#include <string>
#include <vector>

namespace sd::app {

/// Reads a TOML file into flat keys. Throws std::runtime_error with the file, line and reason on bad input.
std::map<std::string, std::string> load_toml_file(const std::string& path);

/// Parses `key=value` strings from --set. Throws std::runtime_error on a missing '='.
void apply_overrides(std::map<std::string, std::string>& into, const std::vector<std::string>& sets);

}  // namespace sd::app
