#pragma once
// Shared by the transaction handlers (init_producer_id.cc, add_partitions_to_txn.cc ... list_transactions.cc):
// running a transaction coordinator request on its shard, and the error code an old client version expects.

#include "broker/handlers/handlers.h"
#include "broker/kafka_error.h"
#include "txn/coordinator.h"

namespace sd::broker::handlers {

/// Runs `op` (a txn::coordinator request) on the coordinator's executor and returns its result.
template <class T>
net::awaitable<T> on_txn_coordinator(broker_core& core, net::awaitable<T> op) {
  co_return co_await net::asio::co_spawn(core.transactions->executor(), std::move(op), net::asio::use_awaitable);
}

/// PRODUCER_FENCED (KIP-588) exists from `first_version` of an API; older versions get INVALID_PRODUCER_EPOCH.
inline std::int16_t txn_code(std::error_code ec, std::int16_t version, std::int16_t first_version) {
  auto e = to_kafka_error(ec);
  if (e == kafka_error::producer_fenced && version < first_version) e = kafka_error::invalid_producer_epoch;
  return code(e);
}

}  // namespace sd::broker::handlers
