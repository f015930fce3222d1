#include "storage/log_manager.h"

#include <atomic>
#include <functional>
#include <thread>

#include "base/clock.h"
#include "io/errc.h"
#include "storage/errc.h"
#include "storage/layout.h"
#include "storage/topic_name.h"

namespace sd::storage {

namespace {

/// fn(0) .. fn(n - 1) on up to `threads` threads (the caller's included); small n runs on the caller alone.
void for_each_parallel(std::size_t n, std::size_t threads, const std::function<void(std::size_t)>& fn) {
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < n;) fn(i);
  };
  std::vector<std::thread> extra;
  const std::size_t want = std::min(threads, n / 32);
  for (std::size_t t = 1; t < want; ++t) extra.emplace_back(worker);
  worker();
  for (auto& t : extra) t.join();
}

}  // namespace

log_manager::log_manager(std::string dir, io::filesystem& fs, log_config defaults, log_manager_options options)
    : _dir(std::move(dir)), _fs(fs), _defaults(defaults), _options(options), _files(options.max_open_files), _cache_budget(options.page_cache_budget_bytes, /*background=*/true),
      _deleter(fs) {
  _flusher.set_filesystem_sync_limit(options.filesystem_sync_dirty_max_bytes);
}

log_manager::~log_manager() { (void)close(); }

std::string log_manager::partition_path(const partition_key& key) const {
  return _dir + "/" + layout::partition_dir_name(key.topic, key.partition);
}

result<std::unique_ptr<log_manager>> log_manager::open(std::string data_dir, io::filesystem& fs,
                                                       log_config defaults, log_manager_options options) {
  SD_TRY(defaults.validate());
  SD_TRY(fs.mkdir(data_dir));
  std::unique_ptr<log_manager> m(new log_manager(data_dir, fs, defaults, options));
  auto lock = fs.lock_exclusive(data_dir + "/" + std::string(layout::lock_file));
  if (!lock) {
    if (lock.error() == io::errc::locked) return errc::data_dir_locked;
    return lock.error();
  }
  m->_lock = std::move(*lock);

  const std::string marker = data_dir + "/" + std::string(layout::clean_shutdown_file);
  auto clean = fs.exists(marker);
  if (!clean) return clean.error();
  m->_was_clean = *clean;

  auto entries = fs.list(data_dir);
  if (!entries) return entries.error();
  bool removed_any = false;
  std::vector<partition_key> found;
  for (const auto& e : *entries) {
    if (!e.is_dir) continue;
    if (layout::is_deleted_dir_name(e.name)) {
      SD_TRY(fs.remove_all(data_dir + "/" + e.name));
      removed_any = true;
      continue;
    }
    auto pd = layout::parse_partition_dir_name(e.name);
    if (!pd) continue;  // not ours: leave it alone
    found.push_back(partition_key{pd->topic, pd->partition});
  }
  // Partitions recover independently: open them on several threads (their work is small reads and, after a
  // crash, fsyncs, both mostly waiting).
  status failed;
  std::mutex failed_mu;
  for_each_parallel(found.size(), options.open_threads, [&](std::size_t i) {
    auto log = m->open_partition(found[i], defaults, *clean);
    if (!log) {
      std::lock_guard lk(failed_mu);
      if (failed) failed = log.error();
    }
  });
  if (!failed) return failed.error();
  // From here on a crash is an unclean shutdown: the marker must be gone (durably) before any write.
  if (*clean) {
    SD_TRY(fs.remove(marker));
    removed_any = true;
  }
  if (removed_any) SD_TRY(fs.sync_dir(data_dir));
  m->_open_complete = true;
  return m;
}

result<std::shared_ptr<partition_log>> log_manager::open_partition(const partition_key& key,
                                                                   const log_config& config, bool clean) {
  auto log = partition_log::open(_fs, partition_path(key), config, open_options{clean, 0, &_probe, &_files, &_cache_budget, &_deleter});
  if (!log) return log.error();
  std::shared_ptr<partition_log> shared(std::move(*log));
  shared->attach_flusher(&_flusher);
  _flusher.watch(shared->sync());
  std::lock_guard lk(_mu);
  _logs[key] = shared;
  return shared;
}

std::vector<partition_key> log_manager::partitions() const {
  std::lock_guard lk(_mu);
  std::vector<partition_key> out;
  out.reserve(_logs.size());
  for (const auto& [k, v] : _logs) out.push_back(k);
  return out;
}

result<std::shared_ptr<partition_log>> log_manager::create_partition(const std::string& topic,
                                                                     partition_id partition,
                                                                     std::optional<log_config> config) {
  SD_TRY(validate_topic_name(topic));
  if (partition.value() < 0) return errc::invalid_partition;
  log_config cfg = config.value_or(_defaults);
  SD_TRY(cfg.validate());
  partition_key key{topic, partition};
  {
    std::lock_guard lk(_mu);
    if (_closed) return errc::log_closed;
    if (_logs.contains(key)) return errc::partition_exists;
  }
  auto log = open_partition(key, cfg, false);
  if (!log) return log.error();
  SD_TRY(_fs.sync_dir(_dir));  // the new partition directory survives a crash
  return log;
}

std::shared_ptr<partition_log> log_manager::get(const std::string& topic, partition_id partition) const {
  std::lock_guard lk(_mu);
  auto it = _logs.find(partition_key{topic, partition});
  return it == _logs.end() ? nullptr : it->second;
}

status log_manager::remove_topic(const std::string& topic) {
  SD_TRY(validate_topic_name(topic));
  std::vector<std::pair<partition_key, std::shared_ptr<partition_log>>> doomed;
  {
    std::lock_guard lk(_mu);
    for (auto it = _logs.begin(); it != _logs.end();) {
      if (it->first.topic == topic) {
        doomed.emplace_back(it->first, it->second);
        it = _logs.erase(it);
      } else {
        ++it;
      }
    }
  }
  if (doomed.empty()) return errc::unknown_partition;
  for (auto& [key, log] : doomed) {
    log->mark_removed();
    _flusher.unwatch(log->sync().get());
    std::string from = partition_path(key);
    std::string to = from + "." + std::to_string(wall_ms_now()) + "-" + std::to_string(++_deleted_seq) +
                     std::string(layout::deleted_suffix);
    SD_TRY(_fs.rename(from, to));
  }
  SD_TRY(_fs.sync_dir(_dir));
  auto entries = _fs.list(_dir);
  if (!entries) return entries.error();
  for (const auto& e : *entries) {
    if (e.is_dir && layout::is_deleted_dir_name(e.name)) SD_TRY(_fs.remove_all(_dir + "/" + e.name));
  }
  return _fs.sync_dir(_dir);
}

status log_manager::update_config(const std::string& topic, const log_config& config) {
  SD_TRY(config.validate());
  std::lock_guard lk(_mu);
  bool any = false;
  for (auto& [key, log] : _logs) {
    if (key.topic != topic) continue;
    log->update_config(config);
    any = true;
  }
  if (!any) return errc::unknown_partition;
  return ok();
}

status log_manager::enforce_retention(std::int64_t now_ms) {
  std::vector<std::shared_ptr<partition_log>> logs;
  {
    std::lock_guard lk(_mu);
    for (auto& [k, v] : _logs) logs.push_back(v);
  }
  status first;
  for (auto& log : logs) {
    auto r = log->enforce_retention(now_ms);
    if (!r && first) first = r.error();
  }
  return first;
}

status log_manager::close() {
  std::map<partition_key, std::shared_ptr<partition_log>> logs;
  {
    std::lock_guard lk(_mu);
    if (_closed) return ok();
    _closed = true;
    logs = _logs;
  }
  _flusher.stop();
  // Each close is mostly waiting on fdatasync: run several at once (one thread per log at a time, as the
  // log's threading contract asks; nothing else uses the logs any more).
  std::vector<partition_log*> order;
  order.reserve(logs.size());
  for (auto& [key, log] : logs) order.push_back(log.get());
  std::mutex first_mu;
  status first;
  for_each_parallel(order.size(), _options.close_threads, [&](std::size_t i) {
    auto r = order[i]->close();
    if (!r) {
      std::lock_guard lk(first_mu);
      if (first) first = r;
    }
  });
  if (first && _open_complete) {
    // Every log is flushed and indexed: the next start may skip the full scan.
    std::string marker = _dir + "/" + std::string(layout::clean_shutdown_file);
    auto f = _fs.open(marker, io::open_mode::create_truncate);
    if (!f) {
      first = f.error();
    } else {
      auto s = (*f)->datasync();
      if (s) s = _fs.sync_dir(_dir);
      if (!s) first = s;
    }
  }
  _lock.reset();
  return first;
}

}  // namespace sd::storage
