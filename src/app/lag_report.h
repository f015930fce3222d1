#pragma once
// lag_reporter: consumer lag at scrape time, for every group with committed offsets (members or not):
// records behind (group::lag_source: high watermark - committed) and seconds behind.
//
// Seconds behind, for a partition with lag > 0: now (wall clock) minus the timestamp of the first
// unconsumed record, the one at the committed offset (or at the log start when retention removed it).
// Approximation: the timestamp is the containing batch's, not the record's: BaseTimestamp (the batch's first
// record) for CreateTime batches, MaxTimestamp for LogAppendTime ones. When the committed offset is inside a
// batch this overstates the lag by at most the batch's own time span. 0 when caught up; nullopt when unknown
// (partition gone, read failed, or its storage loop did not answer within read_timeout).
//
// Cost per call: one hop to the coordinator shard (lag_source), then one hop per storage loop that owns a
// lagging partition, where each lagging partition costs one offset-index lookup (plus the short header scan
// within one index interval that every read does) and one 61-byte batch-header read. Partitions are touched
// only on their owner loop and only when not deleted (broker/partition_state.h).
//
// Threading: collect_blocking() blocks; call it from a thread that is not one of the event loops it waits
// for (the HTTP thread, the alert thread).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "broker/topic_table.h"
#include "group/coordinator.h"
#include "group/lag.h"
#include "metrics/text_writer.h"
#include "net/shard_set.h"

namespace sd::app {

struct lag_row {
  group::partition_lag lag;
  std::optional<double> seconds;
};

class lag_reporter {
 public:
  lag_reporter(group::coordinator& coordinator, broker::topic_table& topics, net::shard_set& storage_loops);

  group::lag_source& source() { return _source; }

  /// Rows for one group (or every group); with_seconds = false skips the log reads (seconds stay nullopt).
  /// nullopt when the coordinator shard did not answer within coordinator_timeout (it shares storage loop 0
  /// with partitions, so a stalled disk can hold it): callers report "unavailable" instead of blocking.
  std::optional<std::vector<lag_row>> collect_blocking(const std::optional<std::string>& group, bool with_seconds);

  std::chrono::milliseconds coordinator_timeout{5000};
  std::chrono::milliseconds read_timeout{2000};

 private:
  void fill_seconds(std::vector<lag_row>& rows);

  group::coordinator& _coordinator;
  broker::topic_table& _topics;
  net::shard_set& _storage_loops;
  group::lag_source _source;
};

/// The timestamp used for "seconds behind" of a partition whose consumer committed `committed` (see above).
/// Call on the partition's owner storage loop.
std::optional<std::int64_t> first_unconsumed_timestamp(broker::partition_state& p, std::int64_t committed);

/// The group-lag section of /metrics (gauges, labels group, topic, partition):
///   streamdown_group_committed_offset, streamdown_group_lag_records, streamdown_group_lag_seconds
/// (lag series are left out for partitions that no longer exist, seconds where unknown).
void write_lag_metrics(metrics::text_writer& w, const std::vector<lag_row>& rows);

}  // namespace sd::app
