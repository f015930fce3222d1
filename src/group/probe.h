#pragma once
// group_probe: the consumer-group coordinator's cheap metrics (streamdown_group_*). The counters are bumped
// on the coordinator shard; the gauges are refreshed there by group_manager::tick() (every
// coordinator_config::tick_interval_ms), so they trail changes by at most one tick. Any thread reads them.
// Consumer lag is not here (it needs the partitions' offsets: see the lag report in app/).

#include "metrics/counter.h"
#include "metrics/text_writer.h"

namespace sd::group {

struct group_probe {
  metrics::gauge groups;                  // groups the coordinator knows (any state)
  metrics::gauge members;                 // members over all groups
  metrics::counter rebalances_total;      // rebalances started (PreparingRebalance entered)
  metrics::counter offset_commits_total;  // OffsetCommit requests accepted and written to the offsets log

  void collect(metrics::text_writer& w) const;
};

}  // namespace sd::group
