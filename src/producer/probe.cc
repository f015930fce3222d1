#include "producer/probe.h"

namespace sd::producer {

void producer_probe::collect(metrics::text_writer& w) const {
  using metrics::metric_type;
  w.family("streamdown_producer_duplicates_total", metric_type::counter,
           "idempotent retries answered with their original offsets instead of being appended");
  w.sample(static_cast<double>(duplicates_total.value()));
  w.family("streamdown_producer_refused_batches_total", metric_type::counter,
           "batches refused by the idempotence checks, by reason");
  metrics::label epoch[] = {{"reason", "INVALID_PRODUCER_EPOCH"}};
  metrics::label seq[] = {{"reason", "OUT_OF_ORDER_SEQUENCE_NUMBER"}};
  w.sample(epoch, static_cast<double>(invalid_epoch_total.value()));
  w.sample(seq, static_cast<double>(out_of_order_total.value()));
  w.family("streamdown_producer_expired_total", metric_type::counter,
           "producer-state entries dropped after producer.id.expiration.ms of inactivity");
  w.sample(static_cast<double>(expired_total.value()));
}

}  // namespace sd::producer
