#pragma once
// Transaction coordinator errors. Only broker/ maps them to Kafka error codes (broker/kafka_error.cc).

#include <system_error>

namespace sd::txn {

enum class errc {
  invalid_producer_id_mapping = 1,  // the transactional id is unknown, or has another producer id
  producer_fenced,                  // an older epoch of the transactional id (a newer producer took over)
  concurrent_transactions,          // the transaction is being completed or another request is in progress
  invalid_txn_state,                // the request does not fit the transaction's state
  invalid_transaction_timeout,      // outside 1..transaction.max.timeout.ms
  transactional_id_not_found,       // DescribeTransactions of an unknown id
  completion_failed,                // markers or offsets could not be written yet (retried; clients retry)
  storage_error,                    // the transaction log failed to write or sync
  unknown_partition,                // AddPartitionsToTxn of a partition that does not exist
  operation_not_attempted,          // another partition of the same request failed
};

const std::error_category& error_category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), error_category()}; }

}  // namespace sd::txn

template <>
struct std::is_error_code_enum<sd::txn::errc> : std::true_type {};
