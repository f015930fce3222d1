#include "app/metrics_sections.h"

#include "group/coordinator.h"

namespace sd::app {

void add_module_sections(metrics::exposition& exposition, const metric_sources& s) {
  exposition.add_section(
      [&net = s.net, &budget = s.budget](metrics::text_writer& w) { net.collect(w, budget); });
  exposition.add_section([&core = s.core](metrics::text_writer& w) { core.probe.collect(w, core.topics); });
  exposition.add_section([&core = s.core, &logs = s.logs](metrics::text_writer& w) {
    logs.probe().collect(w, logs.flusher().rounds_total());
    core.topics.producer_probe().collect(w);
    broker::collect_partition_gauges(w,
                                     core.topics);  // storage_log_* and producer_state_entries per partition
  });
  if (s.groups) {
    // group_manager::probe() is atomics only: safe to read off the coordinator shard.
    exposition.add_section(
        [groups = s.groups](metrics::text_writer& w) { groups->manager().probe().collect(w); });
  }
}

}  // namespace sd::app
