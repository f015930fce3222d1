#include "client/key_scheduler.h"

#include <cassert>

namespace sd::client {

std::string key_scheduler::lane_name(const std::optional<std::string>& key) const {
  // A leading byte separates the null key from every real key (including the empty one).
  return key ? "k" + *key : std::string("n");
}

void key_scheduler::submit(std::uint64_t id, const std::optional<std::string>& key) {
  std::string lane = lane_name(key);
  auto& q = _lanes[lane];
  if (q.empty()) _ready.push_back(id);
  q.push_back(id);
  const bool inserted = _lane_of.emplace(id, std::move(lane)).second;
  assert(inserted && "record ids must be unique among queued records");
  (void)inserted;
}

std::optional<std::uint64_t> key_scheduler::ready() {
  if (_ready.empty()) return std::nullopt;
  const auto id = _ready.front();
  _ready.pop_front();
  return id;
}

void key_scheduler::complete(std::uint64_t id) {
  auto it = _lane_of.find(id);
  assert(it != _lane_of.end());
  auto lane_it = _lanes.find(it->second);
  assert(lane_it != _lanes.end() && !lane_it->second.empty() && lane_it->second.front() == id);
  auto& q = lane_it->second;
  q.pop_front();
  if (q.empty()) _lanes.erase(lane_it);
  else _ready.push_back(q.front());
  _lane_of.erase(it);
}

void offset_tracker::received(std::int64_t offset) {
  assert(!_highest || offset > *_highest);
  _pending.insert(offset);
  _highest = offset;
}

void offset_tracker::finished(std::int64_t offset) { _pending.erase(offset); }

std::optional<std::int64_t> offset_tracker::committable() const {
  if (!_pending.empty()) return *_pending.begin();
  if (_highest) return *_highest + 1;
  return std::nullopt;
}

}  // namespace sd::client
