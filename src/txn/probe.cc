#include "txn/probe.h"

namespace sd::txn {

void txn_probe::collect(metrics::text_writer& w, std::int64_t now_ms) const {
  using metrics::metric_type;
  w.family("streamdown_txn_transactional_ids", metric_type::gauge, "transactional ids known to the coordinator");
  w.sample(static_cast<double>(transactional_ids.value()));
  w.family("streamdown_txn_open_transactions", metric_type::gauge, "transactions begun and not yet ended");
  w.sample(static_cast<double>(open_transactions.value()));
  const auto oldest = oldest_open_start_ms.value();
  w.family("streamdown_txn_oldest_open_age_seconds", metric_type::gauge,
           "age of the oldest open transaction (0 when none is open)");
  w.sample(oldest > 0 && now_ms > oldest ? static_cast<double>(now_ms - oldest) / 1000.0 : 0.0);
  w.family("streamdown_txn_commits_total", metric_type::counter, "transactions committed");
  w.sample(static_cast<double>(commits_total.value()));
  w.family("streamdown_txn_aborts_total", metric_type::counter, "transactions aborted (by the client, a timeout or a new producer)");
  w.sample(static_cast<double>(aborts_total.value()));
  w.family("streamdown_txn_timeouts_total", metric_type::counter, "transactions aborted at transaction.timeout.ms");
  w.sample(static_cast<double>(timeouts_total.value()));
  w.family("streamdown_txn_fenced_total", metric_type::counter, "requests refused because a newer producer epoch took over");
  w.sample(static_cast<double>(fenced_total.value()));
}

}  // namespace sd::txn
