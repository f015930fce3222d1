#include "app/metrics_sections.h"

#include "alerts/runner.h"
#include "base/clock.h"
#include "group/coordinator.h"
#include "txn/coordinator.h"

namespace sd::app {

void add_module_sections(metrics::exposition& exposition, const metric_sources& s) {
  exposition.add_section(
      [&net = s.net, &budget = s.budget](metrics::text_writer& w) { net.collect(w, budget); });
  exposition.add_section([&core = s.core](metrics::text_writer& w) { core.probe.collect(w, core.topics); });
  exposition.add_section([&core = s.core, &logs = s.logs](metrics::text_writer& w) {
    logs.probe().collect(w, logs.flusher().counts(), logs.files().stats(), logs.cache_budget().advised_bytes_total());
    core.topics.producer_probe().collect(w);
    broker::collect_partition_gauges(w,
                                     core.topics);  // storage_log_* and producer_state_entries per partition
    // The data directory's file system, read at scrape time (the disk_free_* alert kinds read the same).
    if (auto d = alerts::read_disk_usage(core.config.data_dir)) {
      w.family("streamdown_storage_disk_free_bytes", metrics::metric_type::gauge,
               "bytes free for the broker on the data directory's file system (statvfs f_bavail)");
      w.sample(static_cast<double>(d->free_bytes));
      w.family("streamdown_storage_disk_total_bytes", metrics::metric_type::gauge,
               "size of the data directory's file system");
      w.sample(static_cast<double>(d->total_bytes));
    }
  });
  if (s.groups) {
    // group_manager::probe() is atomics only: safe to read off the coordinator shard.
    exposition.add_section(
        [groups = s.groups](metrics::text_writer& w) { groups->manager().probe().collect(w); });
  }
  if (s.transactions) {
    // txn_probe is atomics only, like the group probe.
    exposition.add_section(
        [txns = s.transactions](metrics::text_writer& w) { txns->probe().collect(w, wall_ms_now()); });
  }
}

}  // namespace sd::app
