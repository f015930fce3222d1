#pragma once
// producer_probe: the producer module's metrics (streamdown_producer_*): what the idempotence checks decided.
// Every partition's producer_state_table records into the one probe it was given (relaxed atomics). The
// number of entries per partition is published by the broker's owner shard (broker/partition_state.h).

#include "metrics/counter.h"
#include "metrics/text_writer.h"

namespace sd::producer {

struct producer_probe {
  metrics::counter duplicates_total;     // retries answered with the original offsets, not appended
  metrics::counter invalid_epoch_total;  // refused: epoch older than the producer's
  metrics::counter out_of_order_total;   // refused: sequence does not continue the producer's
  metrics::counter expired_total;        // entries dropped for producer.id.expiration.ms

  void collect(metrics::text_writer& w) const;
};

}  // namespace sd::producer
