#pragma once
// Helpers shared by the compaction integration tests: creating a compacted topic, producing keyed records and
// tombstones with librdkafka, reading a partition back (with null values), the model check, and reading the
// cleaner checkpoint of a partition directory.
#include <librdkafka/rdkafkacpp.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "support/broker_process.h"

namespace sd::itest {

using model_map = std::map<std::string, std::optional<std::string>>;  // key -> latest value (nullopt: deleted)

/// CreateTopics with cleanup.policy=compact, small segments and these extra configs.
void create_compacted(broker_process& b, const std::string& topic, std::map<std::string, std::string> extra = {});

/// Produces (acks=all, idempotent) every key -> value (nullopt: a tombstone) to partition 0; returns how many were
/// acknowledged; `model` gets the acknowledged ones (in order).
std::size_t produce_keyed(const std::string& bootstrap, const std::string& topic,
                          const std::vector<std::pair<std::string, std::optional<std::string>>>& records, model_map& model);

struct read_record {
  std::int64_t offset;
  std::optional<std::string> key;
  std::optional<std::string> value;
};
/// Every record of partition 0 up to its high watermark, with librdkafka's consumer (null values kept).
std::vector<read_record> read_partition0(const std::string& bootstrap, const std::string& topic);

/// Offsets increase; each key's last record is the model's value (a deleted key may be absent); no live key is
/// missing; below `unique_below` every key appears once. Returns an empty string or what is wrong.
std::string check_model(const std::vector<read_record>& recs, const model_map& model, std::int64_t unique_below,
                        const std::string& ignore_key = "");

/// The cleaner checkpoint of <data_dir>/<topic>-0 (0 when there is none).
std::int64_t cleaner_checkpoint(const broker_process& b, const std::string& topic);

/// A metric's value from /metrics (nullopt when absent).
std::optional<double> scrape(const broker_process& b, const std::string& series);

}  // namespace sd::itest
