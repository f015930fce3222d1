#include "storage/probe.h"

#include "storage/flusher.h"

namespace sd::storage {

void storage_probe::collect(metrics::text_writer& w, const flusher_counts& flusher, const file_cache_stats& files,
                            std::uint64_t cache_budget_advised_bytes) const {
  using metrics::metric_type;
  w.family("streamdown_storage_fsync_duration_seconds", metric_type::histogram,
           "duration of each fdatasync of a segment file, fsync of a partition directory, or syncfs "
           "serving several partitions");
  w.histogram({}, fsync_seconds.snapshot());
  w.family("streamdown_storage_fsyncs_total", metric_type::counter,
           "fdatasync/fsync/syncfs calls on partition logs");
  w.sample(static_cast<double>(fsyncs_total.value()));
  w.family("streamdown_storage_filesystem_syncs_total", metric_type::counter,
           "flusher rounds that made several partitions durable with one syncfs (little dirty memory; "
           "streamdown.log.sync.filesystem.dirty.max.bytes)");
  w.sample(static_cast<double>(filesystem_syncs_total.value()));
  w.family("streamdown_storage_fsync_errors_total", metric_type::counter,
           "failed fdatasync/fsync/syncfs calls (a failed fdatasync is sticky for its partition; a failed "
           "syncfs falls back to each file's fdatasync)");
  w.sample(static_cast<double>(fsync_errors_total.value()));
  w.family("streamdown_storage_read_verified_bytes_total", metric_type::counter,
           "bytes trusted at start-up (clean shutdown or recovery point) CRC-checked on their first read");
  w.sample(static_cast<double>(read_verified_bytes_total.value()));
  w.family("streamdown_storage_read_corrupt_batches_total", metric_type::counter,
           "batches whose CRC failed on read (reported as a storage error, never served)");
  w.sample(static_cast<double>(read_corrupt_batches_total.value()));
  w.family("streamdown_storage_flusher_rounds_total", metric_type::counter,
           "group-commit rounds of the flusher (one round syncs every partition waiting)");
  w.sample(static_cast<double>(flusher.rounds));
  w.family("streamdown_storage_flusher_gathers_total", metric_type::counter,
           "group-commit rounds that first waited (at most one sync's duration) for the appenders the previous "
           "round saw, so that one sync covers them");
  w.sample(static_cast<double>(flusher.gathers));
  w.family("streamdown_storage_open_files", metric_type::gauge,
           "log files held open now (bounded by streamdown.log.open.files.max, plus files with unsynced writes)");
  w.sample(static_cast<double>(files.open));
  w.family("streamdown_storage_open_files_max", metric_type::gauge, "streamdown.log.open.files.max in force");
  w.sample(static_cast<double>(files.max_open));
  w.family("streamdown_storage_file_cache_hits_total", metric_type::counter,
           "log file uses that found the file open");
  w.sample(static_cast<double>(files.hits));
  w.family("streamdown_storage_file_cache_misses_total", metric_type::counter,
           "log file uses that had to open the file");
  w.sample(static_cast<double>(files.misses));
  w.family("streamdown_storage_file_cache_evictions_total", metric_type::counter,
           "idle synced log files closed to stay within streamdown.log.open.files.max");
  w.sample(static_cast<double>(files.evictions));
  w.family("streamdown_storage_page_cache_budget_advised_bytes_total", metric_type::counter,
           "written log advised out of the page cache to stay within streamdown.log.page.cache.budget.bytes "
           "(all partitions together; second pass)");
  w.sample(static_cast<double>(cache_budget_advised_bytes));
}

}  // namespace sd::storage
