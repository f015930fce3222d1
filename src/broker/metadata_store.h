#pragma once
// metadata_store: the broker's own small durable state, one JSON file `<data_dir>/streamdown-meta.json`
// rewritten atomically (temp file, fdatasync, rename, directory fsync) on every change. Holds the cluster id,
// each topic's id and config overrides, the next unallocated producer-id block and the dynamic broker configs. Partition logs themselves
// are found by storage at start-up; this file only adds what the logs cannot tell.
//
// Thread-safety: callers serialise writes (topic_table holds its admin mutex while calling save()).

#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "base/result.h"
#include "broker/dynamic_broker_config.h"
#include "broker/topic_config.h"
#include "io/filesystem.h"

namespace sd::broker {

using topic_uuid = std::array<std::uint8_t, 16>;

struct persisted_topic {
  topic_uuid id{};
  topic_overrides overrides;
};

struct broker_metadata {
  std::string cluster_id;
  std::int64_t next_producer_id_block = 0;  // first producer id not yet handed out in any block
  std::map<std::string, persisted_topic> topics;
  dynamic_broker_values dynamic_config;  // AlterConfigs on the BROKER resource
};

class metadata_store {
 public:
  metadata_store(io::filesystem& fs, std::string data_dir);

  /// Loads the file, or returns fresh metadata (new cluster id) when it does not exist yet.
  result<broker_metadata> load();
  status save(const broker_metadata& md);

  static topic_uuid random_uuid();

 private:
  io::filesystem& _fs;
  std::string _dir;
  std::string _path;
};

}  // namespace sd::broker
