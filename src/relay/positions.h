#pragma once
// positions: the forwarder's resume hints, <spool.dir>/forwarder/positions.json: for each upstream partition the
// offset of a record of ours the upstream acknowledged. Only a hint (upstream_scan.h): any older version of the
// file is still a correct place to start reading, so it is replaced atomically (write, rename) but not synced,
// and a missing or unreadable file only makes the next resume read further back.

#include <cstdint>
#include <map>
#include <string>

#include "relay/upstream_scan.h"

namespace sd::relay {

using position_map = std::map<topic_partition, std::int64_t>;

/// Empty when the file is missing or does not parse.
position_map load_positions(const std::string& path);
/// Best effort; returns false (and leaves the old file) on any error.
bool save_positions(const std::string& path, const position_map& positions);

}  // namespace sd::relay
