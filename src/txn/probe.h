#pragma once
// txn_probe: the transaction coordinator's metrics (streamdown_txn_*). Written on the coordinator shard, read
// by the /metrics scrape on any thread. The last stable offset lag per partition is the broker's (probe.h
// there), since it is a partition's figure.

#include "metrics/counter.h"
#include "metrics/text_writer.h"

namespace sd::txn {

struct txn_probe {
  metrics::gauge transactional_ids;      // ids the coordinator knows
  metrics::gauge open_transactions;      // transactions Ongoing or being completed
  metrics::gauge oldest_open_start_ms;   // wall clock start of the oldest open transaction (0: none)
  metrics::counter commits_total;        // transactions committed (markers and offsets written)
  metrics::counter aborts_total;         // transactions aborted, for any reason
  metrics::counter timeouts_total;       // of which aborted by the coordinator at transaction.timeout.ms
  metrics::counter fenced_total;         // requests refused because a newer epoch took over

  void collect(metrics::text_writer& w, std::int64_t now_ms) const;
};

}  // namespace sd::txn
