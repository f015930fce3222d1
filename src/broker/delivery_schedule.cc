#include "broker/delivery_schedule.h"

#include <algorithm>

namespace sd::broker {

void delivery_schedule::appended(std::int64_t base, std::int64_t next, std::int64_t due_ms, std::int64_t delay_ms) {
  if (next <= base) return;
  std::lock_guard lk(_mu);
  due_ms = std::max(due_ms, _last_due);  // never earlier than a record before it
  _last_due = due_ms;
  const std::int64_t bucket = std::max<std::int64_t>(1, delay_ms / 1024);
  if (!_entries.empty() && due_ms - _entries.back().first_due < bucket) {
    _entries.back().due = due_ms;
    return;
  }
  _entries.push_back({base, due_ms, due_ms});
}

void delivery_schedule::drop_due(std::int64_t now_ms) {
  while (!_entries.empty() && _entries.front().due <= now_ms) _entries.pop_front();
}

std::optional<std::int64_t> delivery_schedule::first_not_due(std::int64_t now_ms) {
  std::lock_guard lk(_mu);
  drop_due(now_ms);
  if (_entries.empty()) return std::nullopt;
  return _entries.front().base;
}

std::optional<std::int64_t> delivery_schedule::next_due_ms(std::int64_t now_ms) {
  std::lock_guard lk(_mu);
  drop_due(now_ms);
  if (_entries.empty()) return std::nullopt;
  return _entries.front().due;
}

void delivery_schedule::clear() {
  std::lock_guard lk(_mu);
  _entries.clear();
}

std::size_t delivery_schedule::entries() const {
  std::lock_guard lk(_mu);
  return _entries.size();
}

}  // namespace sd::broker
