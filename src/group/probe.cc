#include "group/probe.h"

namespace sd::group {

void group_probe::collect(metrics::text_writer& w) const {
  using metrics::metric_type;
  w.family("streamdown_group_groups", metric_type::gauge, "consumer groups known to the coordinator");
  w.sample(static_cast<double>(groups.value()));
  w.family("streamdown_group_members", metric_type::gauge, "members over all consumer groups");
  w.sample(static_cast<double>(members.value()));
  w.family("streamdown_group_rebalances_total", metric_type::counter, "group rebalances started");
  w.sample(static_cast<double>(rebalances_total.value()));
  w.family("streamdown_group_offset_commits_total", metric_type::counter,
           "offset commits accepted and written to the offsets log");
  w.sample(static_cast<double>(offset_commits_total.value()));
}

}  // namespace sd::group
