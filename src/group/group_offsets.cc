// group_manager, second half: committed offsets, describe/list/delete, persistence of group metadata, and
// the timers (session and rebalance deadlines, offset retention, snapshots). Membership and rebalances are in
// group_manager.cc; the shared in-memory types in group_manager_internal.h.
#include <algorithm>
#include <chrono>

#include "base/clock.h"
#include "group/errc.h"
#include "group/group_manager.h"
#include "group/group_manager_internal.h"

namespace sd::group {

using detail::answer;

// ---- offsets ---------------------------------------------------------------------------------------------

std::error_code group_manager::check_committer(const commit_request& req, bool create) {
  if (req.group_id.empty()) return errc::invalid_group_id;
  fire_due(req.group_id);
  group* g = find(req.group_id);
  if (!g) {
    if (req.generation >= 0) return errc::illegal_generation;
    if (!create) return {};
    g = &get_or_create(req.group_id);
  }
  if (req.instance_id) {
    auto it = g->static_members.find(*req.instance_id);
    if (it == g->static_members.end()) {
      if (req.generation >= 0) return errc::unknown_member_id;
    } else if (it->second != req.member_id) {
      return errc::fenced_instance_id;
    }
  }
  if (req.generation < 0 && g->state == group_state::empty) {
    // Simple consumers and admin tools commit without membership.
  } else if (g->state == group_state::completing_rebalance) {
    return errc::rebalance_in_progress;
  } else if (!g->members.count(req.member_id)) {
    return errc::unknown_member_id;
  } else if (req.generation != g->generation) {
    return errc::illegal_generation;
  } else {
    auto& m = g->members.at(req.member_id);
    m.session_deadline = now() + std::chrono::milliseconds(m.session_timeout_ms);
  }
  return {};
}

std::error_code group_manager::check_transactional_committer(const commit_request& req) {
  // A transactional commit without membership (generation -1, TxnOffsetCommit v0-2) is not checked against
  // the group, as Kafka: the producer may not be one of its members.
  if (req.generation < 0 && req.member_id.empty()) return req.group_id.empty() ? errc::invalid_group_id : std::error_code{};
  return check_committer(req, false);
}

void group_manager::commit(commit_request req, commit_callback done) {
  if (auto ec = check_committer(req, true)) return done(ec);
  store_offsets(req.group_id, std::move(req.offsets), std::move(done));
}

void group_manager::commit_transactional(const std::string& group_id,
                                         std::vector<std::pair<topic_partition, committed_offset>> offsets,
                                         commit_callback done) {
  get_or_create(group_id);
  store_offsets(group_id, std::move(offsets), std::move(done));
}

void group_manager::store_offsets(const std::string& group_id,
                                  std::vector<std::pair<topic_partition, committed_offset>> offsets,
                                  commit_callback done) {
  group* g = find(group_id);
  const auto wall = _clocks.wall_ms();
  std::vector<store_record> records;
  records.reserve(offsets.size());
  for (auto& [tp, c] : offsets) {
    if (c.commit_timestamp_ms < 0) c.commit_timestamp_ms = wall;
    g->offsets[tp] = c;
    records.push_back(offset_record{g->id, tp, c});
  }
  if (records.empty()) return done({});
  _probe.offset_commits_total.inc();
  _store.append(std::move(records), std::move(done));
}

std::vector<fetched_offset> group_manager::fetch(const std::string& group_id,
                                                 const std::optional<std::vector<topic_partition>>& which) const {
  std::vector<fetched_offset> out;
  const group* g = find(group_id);
  if (!which) {
    if (!g) return out;
    for (const auto& [tp, c] : g->offsets) out.push_back({tp, c.offset, c.leader_epoch, c.metadata});
    return out;
  }
  for (const auto& tp : *which) {
    fetched_offset f;
    f.tp = tp;
    if (g) {
      if (auto it = g->offsets.find(tp); it != g->offsets.end()) {
        f.offset = it->second.offset;
        f.leader_epoch = it->second.leader_epoch;
        f.metadata = it->second.metadata;
      }
    }
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<std::error_code> group_manager::delete_offsets(const std::string& group_id,
                                                           const std::vector<topic_partition>& tps,
                                                           const subscription_check& subscribed,
                                                           std::error_code& error) {
  std::vector<std::error_code> out;
  group* g = find(group_id);
  if (!g) {
    error = group_id.empty() ? errc::invalid_group_id : errc::group_id_not_found;
    return out;
  }
  std::vector<store_record> records;
  for (const auto& tp : tps) {
    bool in_use = false;
    if (g->state != group_state::empty && g->protocol && g->protocol_type == "consumer" && subscribed) {
      for (const auto& [_, m] : g->members) {
        const auto* md = m.metadata_for(*g->protocol);
        if (md && subscribed(*md, tp.topic)) in_use = true;
      }
    }
    if (in_use) {
      out.emplace_back(errc::group_subscribed_to_topic);
      continue;
    }
    if (g->offsets.erase(tp) > 0) records.push_back(offset_record{g->id, tp, std::nullopt});
    out.emplace_back();
  }
  if (!records.empty()) _store.append(std::move(records), nullptr);
  return out;
}

std::size_t group_manager::remove_topic_offsets(const std::string& topic) {
  std::size_t removed = 0;
  for (auto& [id, g] : _groups) {
    std::vector<store_record> records;
    for (auto it = g->offsets.begin(); it != g->offsets.end();) {
      if (it->first.topic == topic) {
        records.push_back(offset_record{id, it->first, std::nullopt});
        it = g->offsets.erase(it);
      } else {
        ++it;
      }
    }
    removed += records.size();
    if (!records.empty()) _store.append(std::move(records), nullptr);
  }
  return removed;
}

// ---- describe, list, delete ------------------------------------------------------------------------------

group_description group_manager::describe(const std::string& group_id) const {
  group_description d;
  d.group_id = group_id;
  const group* g = find(group_id);
  if (!g) {
    if (group_id.empty()) d.error = errc::invalid_group_id;
    return d;  // Kafka: no error, state Dead
  }
  d.state = g->state;
  d.protocol_type = g->protocol_type;
  d.protocol_name = g->protocol.value_or("");
  d.generation = g->generation;
  d.leader = g->leader;
  d.recent_rebalances_ms.assign(g->recent_rebalances_ms.begin(), g->recent_rebalances_ms.end());
  for (const auto& [id, m] : g->members) {
    member_description md;
    md.member_id = id;
    md.instance_id = m.instance_id;
    md.client_id = m.client_id;
    md.client_host = m.client_host;
    if (g->protocol)
      if (const auto* p = m.metadata_for(*g->protocol)) md.metadata = *p;
    if (g->state == group_state::stable) md.assignment = m.assignment;
    d.members.push_back(std::move(md));
  }
  return d;
}

std::vector<group_listing> group_manager::list() const {
  std::vector<group_listing> out;
  for (const auto& [id, g] : _groups) out.push_back({id, g->protocol_type, g->state});
  return out;
}

std::error_code group_manager::delete_group(const std::string& group_id) {
  if (group_id.empty()) return errc::invalid_group_id;
  fire_due(group_id);  // a member whose session just ended is gone, not "still there until the next tick"
  group* g = find(group_id);
  if (!g) return errc::group_id_not_found;
  if (g->state != group_state::empty || !g->members.empty()) return errc::non_empty_group;
  std::vector<store_record> records;
  for (const auto& [tp, _] : g->offsets) records.push_back(offset_record{g->id, tp, std::nullopt});
  records.push_back(group_record{g->id, std::nullopt});
  g->state = group_state::dead;
  _groups.erase(group_id);
  _store.append(std::move(records), nullptr);
  return {};
}

void group_manager::persist(const group& g) {
  group_metadata md;
  md.protocol_type = g.protocol_type;
  md.protocol = g.protocol;
  md.generation = g.generation;
  md.leader = g.leader;
  md.state_timestamp_ms = g.state_timestamp_ms;
  if (g.state == group_state::stable) {
    for (const auto& [id, m] : g.members) {
      persisted_member pm;
      pm.member_id = id;
      pm.instance_id = m.instance_id;
      pm.client_id = m.client_id;
      pm.client_host = m.client_host;
      pm.session_timeout_ms = m.session_timeout_ms;
      pm.rebalance_timeout_ms = m.rebalance_timeout_ms;
      pm.protocols = m.protocols;
      pm.assignment = m.assignment;
      md.members.push_back(std::move(pm));
    }
  }
  std::vector<store_record> records;
  records.push_back(group_record{g.id, std::move(md)});
  _store.append(std::move(records), nullptr);
}

void group_manager::drop_if_unused(const std::string& id) {
  auto it = _groups.find(id);
  if (it == _groups.end()) return;
  const group& g = *it->second;
  if (g.state == group_state::empty && g.members.empty() && g.pending.empty() && g.offsets.empty() &&
      g.generation == 0) {
    _groups.erase(it);  // created by a request that failed; never persisted
  }
}

// ---- time ------------------------------------------------------------------------------------------------

void group_manager::fire_deadlines(group& g, time_point t) {
  // Members answered MEMBER_ID_REQUIRED that never came back.
  bool pending_dropped = false;
  for (auto it = g.pending.begin(); it != g.pending.end();) {
    if (it->second <= t) {
      it = g.pending.erase(it);
      pending_dropped = true;
    } else {
      ++it;
    }
  }
  if (pending_dropped) try_complete_join(g);
  // Expired sessions; a member waiting for its JoinGroup or SyncGroup answer is alive by definition.
  std::vector<std::string> expired;
  for (const auto& [mid, m] : g.members)
    if (!m.on_join && !m.on_sync && m.session_deadline <= t) expired.push_back(mid);
  for (const auto& mid : expired) remove_member(g, mid, errc::unknown_member_id);
  if (g.state == group_state::preparing_rebalance && g.rebalance_deadline <= t) {
    complete_join(g);  // the initial delay ended, or laggards are dropped
  } else if (g.state == group_state::completing_rebalance && g.sync_deadline <= t) {
    // Nobody (or not the leader) synced in time: drop who did not sync and rebalance again.
    std::vector<std::string> lag;
    for (const auto& [mid, m] : g.members)
      if (!m.on_sync) lag.push_back(mid);
    for (const auto& mid : lag) remove_member(g, mid, errc::unknown_member_id);
    if (g.state == group_state::completing_rebalance) prepare_rebalance(g);
  }
}

void group_manager::fire_due(const std::string& group_id) {
  if (group* g = find(group_id)) fire_deadlines(*g, now());
}

time_point group_manager::next_deadline(const group& g, time_point t) {
  time_point next = time_point::max();
  auto consider = [&](time_point d) {
    if (d > t && d < next) next = d;
  };
  for (const auto& [_, d] : g.pending) consider(d);
  for (const auto& [_, m] : g.members)
    if (!m.on_join && !m.on_sync) consider(m.session_deadline);
  if (g.state == group_state::preparing_rebalance) consider(g.rebalance_deadline);
  if (g.state == group_state::completing_rebalance) consider(g.sync_deadline);
  return next;
}

time_point group_manager::tick() {
  const auto t = now();
  time_point next = time_point::max();
  std::vector<std::string> ids;
  ids.reserve(_groups.size());
  for (const auto& [id, _] : _groups) ids.push_back(id);
  for (const auto& id : ids) {
    group* g = find(id);
    if (!g) continue;
    fire_deadlines(*g, t);
    if (g->state == group_state::empty && g->members.empty() && g->pending.empty() && g->offsets.empty()) {
      std::vector<store_record> records;
      records.push_back(group_record{id, std::nullopt});
      _groups.erase(id);
      _store.append(std::move(records), nullptr);
      continue;
    }
    next = std::min(next, next_deadline(*g, t));
  }
  std::int64_t members = 0;
  for (const auto& [_, g] : _groups) members += static_cast<std::int64_t>(g->members.size());
  _probe.groups.set(static_cast<std::int64_t>(_groups.size()));
  _probe.members.set(members);
  return next;
}

void group_manager::expire_offsets() {
  const auto wall = _clocks.wall_ms();
  for (auto& [id, g] : _groups) {
    if (g->state != group_state::empty) continue;
    std::vector<store_record> records;
    for (auto it = g->offsets.begin(); it != g->offsets.end();) {
      auto since = std::max(it->second.commit_timestamp_ms, g->state_timestamp_ms);
      if (since + _config.offsets_retention_ms <= wall) {
        records.push_back(offset_record{id, it->first, std::nullopt});
        it = g->offsets.erase(it);
      } else {
        ++it;
      }
    }
    if (!records.empty()) _store.append(std::move(records), nullptr);
  }
  // Groups left with nothing go in the next tick().
}

std::vector<std::pair<std::string, std::vector<std::pair<topic_partition, committed_offset>>>>
group_manager::offsets(const std::optional<std::string>& filter) const {
  std::vector<std::pair<std::string, std::vector<std::pair<topic_partition, committed_offset>>>> out;
  for (const auto& [id, g] : _groups) {
    if (filter && *filter != id) continue;
    auto& e = out.emplace_back();
    e.first = id;
    for (const auto& [tp, c] : g->offsets) e.second.emplace_back(tp, c);
  }
  return out;
}


}  // namespace sd::group
