#pragma once
// txn_partitions: the partitions as the transaction coordinator sees them (txn::partition_gateway). Each call
// hops to the partitions' owner shards:
// - open() lets a producer epoch append transactional batches to a partition (partition_state::txn_writers;
//   Produce refuses a transactional batch of any other producer or epoch there, so nothing can land after
//   its transaction's marker and leave the partition's last stable offset stuck);
// - write_markers() closes that permission, appends the COMMIT/ABORT control batch, applies it to the
//   partition's producer state (last stable offset, aborted list), wakes long-polling fetches and waits for
//   the group-commit fdatasync, as an acks=all Produce.

#include "broker/broker_core.h"
#include "txn/coordinator.h"

namespace sd::broker {

class txn_partitions final : public txn::partition_gateway {
 public:
  explicit txn_partitions(broker_core& core) : _core(core) {}

  bool exists(const txn::topic_partition& tp) const override;
  net::awaitable<void> open(std::vector<txn::topic_partition> tps, std::int64_t producer_id,
                            std::int16_t epoch) override;
  net::awaitable<std::error_code> write_markers(std::vector<txn::topic_partition> tps, std::int64_t producer_id,
                                                std::int16_t epoch, producer::marker_kind kind) override;

 private:
  broker_core& _core;
};

}  // namespace sd::broker
