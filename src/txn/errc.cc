#include "txn/errc.h"

#include <string>

#include "base/error_category.h"

namespace sd::txn {
namespace {
std::string describe(int code) {
  switch (static_cast<errc>(code)) {
    case errc::invalid_producer_id_mapping: return "unknown transactional id or producer id";
    case errc::producer_fenced: return "producer fenced by a newer epoch of its transactional id";
    case errc::concurrent_transactions: return "the transaction is being completed";
    case errc::invalid_txn_state: return "not allowed in the transaction's state";
    case errc::invalid_transaction_timeout: return "transaction timeout outside the broker's allowed range";
    case errc::transactional_id_not_found: return "no such transactional id";
    case errc::completion_failed: return "the transaction's markers or offsets are not written yet";
    case errc::storage_error: return "the transaction log failed";
    case errc::unknown_partition: return "unknown topic or partition";
    case errc::operation_not_attempted: return "not attempted: another partition of the request failed";
  }
  return "unknown transaction error";
}
}  // namespace

const std::error_category& error_category() noexcept {
  static const named_error_category cat("txn", describe);
  return cat;
}

}  // namespace sd::txn
