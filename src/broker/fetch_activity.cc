#include "broker/fetch_activity.h"

#include <algorithm>

namespace sd::broker {

void fetch_activity::report(std::uint64_t connection_id, fetch_report r) {
  if (r.partitions.size() > max_partitions_per_report) r.partitions.resize(max_partitions_per_report);
  const auto now_ms = r.at_ms;
  std::lock_guard lk(_mu);
  auto& slot = _by_connection[connection_id];
  _entries -= slot.partitions.size();
  _entries += r.partitions.size();
  slot = std::move(r);
  evict_locked(now_ms);
}

void fetch_activity::evict_locked(std::int64_t now_ms) {
  // The age sweep walks every report, so it runs at most every sweep_interval_ms (reports are per second).
  if (now_ms - _last_sweep_ms >= sweep_interval_ms) {
    _last_sweep_ms = now_ms;
    for (auto it = _by_connection.begin(); it != _by_connection.end();) {
      if (now_ms - it->second.at_ms > max_age_ms) {
        _entries -= it->second.partitions.size();
        it = _by_connection.erase(it);
      } else {
        ++it;
      }
    }
  }
  while (_entries > max_partition_entries && !_by_connection.empty()) {
    auto oldest = std::min_element(_by_connection.begin(), _by_connection.end(),
                                   [](const auto& a, const auto& b) { return a.second.at_ms < b.second.at_ms; });
    _entries -= oldest->second.partitions.size();
    _by_connection.erase(oldest);
  }
}

std::vector<fetch_report> fetch_activity::snapshot(std::int64_t now_ms) const {
  std::lock_guard lk(_mu);
  std::vector<fetch_report> out;
  out.reserve(_by_connection.size());
  for (const auto& [_, r] : _by_connection)
    if (now_ms - r.at_ms <= max_age_ms) out.push_back(r);
  return out;
}

std::size_t fetch_activity::partition_entries() const {
  std::lock_guard lk(_mu);
  return _entries;
}

}  // namespace sd::broker
