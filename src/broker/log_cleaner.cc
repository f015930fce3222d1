#include "broker/log_cleaner.h"

#include <spdlog/spdlog.h>

#include "base/clock.h"
#include "storage/errc.h"
#include "storage/layout.h"

namespace sd::broker {

/// One offset map per cleaner thread: a pass takes one for its duration. The pool's threads never run more
/// passes at once than there are maps (n), so acquire() always finds or makes one. Maps are made on first
/// need, not at start-up: a broker that never cleans never pays their memory (log.cleaner.dedupe.buffer.size).
class log_cleaner::map_pool {
 public:
  map_pool(int n, std::size_t bytes_each) : _bytes_each(bytes_each) { _free.reserve(static_cast<std::size_t>(n)); }
  std::unique_ptr<compaction::offset_map> acquire() {
    {
      std::lock_guard lk(_mu);
      if (!_free.empty()) {
        auto m = std::move(_free.back());
        _free.pop_back();
        return m;
      }
    }
    return std::make_unique<compaction::offset_map>(_bytes_each);
  }
  void release(std::unique_ptr<compaction::offset_map> m) {
    std::lock_guard lk(_mu);
    _free.push_back(std::move(m));
  }

 private:
  const std::size_t _bytes_each;
  std::mutex _mu;
  std::vector<std::unique_ptr<compaction::offset_map>> _free;
};

log_cleaner::log_cleaner(net::shard_set& shards, topic_table& topics, io::filesystem& fs, log_cleaner_config cfg)
    : _shards(shards),
      _topics(topics),
      _fs(fs),
      _cfg(std::move(cfg)),
      _throttle(_cfg.io_max_bytes_per_second == INT64_MAX ? 0.0 : static_cast<double>(_cfg.io_max_bytes_per_second)) {
  _cfg.threads = std::max(1, _cfg.threads);
  _pool = std::make_unique<net::asio::thread_pool>(static_cast<std::size_t>(_cfg.threads));
  _maps = std::make_unique<map_pool>(_cfg.threads,
                                     static_cast<std::size_t>(_cfg.dedupe_buffer_size / _cfg.threads));
}

log_cleaner::~log_cleaner() { stop(); }

void log_cleaner::add_internal_log(std::string name, std::shared_ptr<storage::partition_log> log, std::size_t shard) {
  _internal.push_back({target{std::move(name), 0, std::move(log), nullptr}, shard});
}

void log_cleaner::start() {
  if (!_cfg.enable) return;
  for (std::size_t s = 0; s < _shards.size(); ++s)
    net::asio::co_spawn(_shards.executor(s), shard_loop(s), net::asio::detached);
}

void log_cleaner::stop() {
  if (_stopped.exchange(true)) return;
  if (_pool) _pool->join();
}

net::awaitable<void> log_cleaner::shard_loop(std::size_t shard) {
  net::asio::steady_timer timer(_shards.executor(shard));
  while (!_stopped) {
    timer.expires_after(std::chrono::milliseconds(_cfg.backoff_ms));
    boost::system::error_code ec;
    co_await timer.async_wait(net::no_throw(ec));
    if (ec || _stopped) co_return;
    // Named locals, not temporaries, around co_await: GCC 12 mishandles temporaries in a coroutine's
    // range-for initialiser and in co_await expressions (double frees seen here).
    const std::vector<partition_ptr> mine = _topics.partitions_on_shard(shard);
    for (const auto& p : mine) {
      if (_stopped) co_return;
      if (p->deleted || !p->log->config().compact) continue;
      const target t{p->topic, p->id, p->log, p};
      co_await clean_log(t);
    }
    for (const auto& in : _internal) {
      if (_stopped) co_return;
      if (in.shard == shard) co_await clean_log(in.t);
    }
  }
}

namespace {

compaction::partition_facts facts_of(partition_state& p) {
  compaction::partition_facts f;
  f.last_stable = p.last_stable_now();
  for (const auto& a : p.producers->aborted()) f.aborted.push_back({a.producer_id, a.first_offset, a.last_offset});
  for (const auto& e : p.producers->entries())
    if (!e.batches.empty()) f.last_batch_of_producer[e.producer_id] = e.batches.back().base_offset;
  return f;
}

}  // namespace

net::awaitable<void> log_cleaner::clean_log(const target& in) {
  // Runs on the log's owner shard; only the pass itself leaves it.
  const target t = in;
  constexpr int max_passes_per_round = 64;
  const auto& p = t.partition;
  auto gone = [&p] { return p && p->deleted; };
  bool follow_up = false;  // the previous pass stopped with a full map
  for (int pass = 0; pass < max_passes_per_round && !_stopped; ++pass) {
    if (gone()) co_return;
    const auto cfg = t.log->config();
    if (!cfg.compact) co_return;
    const std::int64_t now = wall_ms_now();
    auto view = t.log->view_for_cleaning();
    compaction::partition_facts facts;
    if (p) {
      facts = facts_of(*p);
    } else {
      facts.last_stable = t.log->next_offset().value();
    }
    facts.tombstone_horizon = t.log->tombstone_horizon(now - cfg.delete_retention_ms).value();
    auto plan = compaction::assess(view, cfg, facts, now);
    {
      std::lock_guard lk(_stats_mu);
      _stats[{t.topic, t.id}].dirty_ratio = plan.dirty_ratio;
    }
    if (!plan.due && !(follow_up && plan.dirty_bytes > 0)) co_return;

    // Only durable data is cleaned: the pass first syncs the log up to the clean limit, on the cleaner's thread
    // (sync_state::sync is safe from any thread; usually the roll's flush already covered it).
    auto work = [this, view, cfg, facts, plan, sync = t.log->sync()]() -> result<compaction::pass_output> {
      if (sync->flushed() < plan.clean_limit) SD_TRY(sync->sync());
      auto map = _maps->acquire();
      auto out = compaction::clean(_fs, view, cfg, facts, plan, *map, &_throttle);
      _maps->release(std::move(map));
      return out;
    };
    auto out = co_await net::run_on(_pool->get_executor(), std::move(work));
    if (!out) {
      ++_failures;
      spdlog::warn("log cleaner: {}-{}: {}", t.topic, t.id, out.error().message());
      co_return;
    }
    _bytes_read += out->stats.bytes_read;
    _bytes_written += out->stats.bytes_written;
    if (out->segments.empty()) co_return;  // nothing cleanable (or not one batch fits the map)
    bool installed_all = true;
    std::size_t i = 0;
    for (; i < out->segments.size(); ++i) {
      const auto base = out->segments[i].base;
      auto st = gone() ? status(storage::errc::log_closed)
                       : t.log->install_cleaned(std::move(out->segments[i]), _cfg.step_hook);
      if (!st) {
        installed_all = false;
        if (gone()) (void)_fs.remove(view.dir + "/" + storage::layout::cleaning_file_name(base));
        if (st.error() != storage::errc::cleaning_conflict && st.error() != storage::errc::log_closed) {
          ++_failures;
          spdlog::warn("log cleaner: {}-{}: installing the segment at {} failed: {}", t.topic, t.id, base.value(),
                       st.error().message());
        }
        ++i;
        break;
      }
    }
    // Segments not installed: their .tmp files go now (start-up would remove them too).
    for (; i < out->segments.size(); ++i)
      (void)_fs.remove(view.dir + "/" + storage::layout::cleaning_file_name(out->segments[i].base));
    if (!gone()) t.log->record_clean_pass(now);
    if (p && !p->deleted) p->publish();
    ++_runs;
    _records_removed += out->stats.records_removed;
    {
      std::lock_guard lk(_stats_mu);
      _stats[{t.topic, t.id}].last_clean_ms = now;
    }
    spdlog::debug("log cleaner: {}-{}: {} segment(s) cleaned up to offset {}, {} record(s) removed, map {} keys{}",
                  t.topic, t.id, out->segments.size(), out->map_end.value(), out->stats.records_removed,
                  out->stats.map_keys, out->stats.map_full ? " (full: another pass follows)" : "");
    if (!installed_all || !out->stats.map_full) co_return;
    follow_up = true;
  }
}

void log_cleaner::collect(metrics::text_writer& w) const {
  using metrics::metric_type;
  w.family("streamdown_log_cleaner_runs_total", metric_type::counter, "cleaning passes installed");
  w.sample(static_cast<double>(_runs.load()));
  w.family("streamdown_log_cleaner_failures_total", metric_type::counter, "cleaning passes that failed");
  w.sample(static_cast<double>(_failures.load()));
  w.family("streamdown_log_cleaner_read_bytes_total", metric_type::counter, "bytes the cleaner read");
  w.sample(static_cast<double>(_bytes_read.load()));
  w.family("streamdown_log_cleaner_written_bytes_total", metric_type::counter, "bytes the cleaner wrote");
  w.sample(static_cast<double>(_bytes_written.load()));
  w.family("streamdown_log_cleaner_records_removed_total", metric_type::counter,
           "records the cleaner removed (older values of a key, expired tombstones, aborted data)");
  w.sample(static_cast<double>(_records_removed.load()));
  std::lock_guard lk(_stats_mu);
  // Partitions of deleted topics drop out of the per-partition families (their entries stay until then).
  auto live = [this](const std::pair<std::string, std::int32_t>& key) {
    for (const auto& in : _internal)
      if (in.t.topic == key.first) return true;
    return _topics.find(key.first, key.second) != nullptr;
  };
  w.family("streamdown_log_cleaner_dirty_ratio", metric_type::gauge,
           "dirty bytes / cleanable bytes of a compacted partition, as last assessed");
  for (const auto& [key, s] : _stats) {
    if (!live(key)) continue;
    const auto id = std::to_string(key.second);
    metrics::label l[] = {{"topic", key.first}, {"partition", id}};
    w.sample(l, s.dirty_ratio);
  }
  w.family("streamdown_log_cleaner_last_clean_timestamp_seconds", metric_type::gauge,
           "wall-clock time of the partition's last installed cleaning pass (0: never)");
  for (const auto& [key, s] : _stats) {
    if (!live(key)) continue;
    const auto id = std::to_string(key.second);
    metrics::label l[] = {{"topic", key.first}, {"partition", id}};
    w.sample(l, static_cast<double>(s.last_clean_ms) / 1000.0);
  }
}

}  // namespace sd::broker
