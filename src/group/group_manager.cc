#include "group/group_manager.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "base/clock.h"
#include "group/errc.h"
#include "group/group_manager_internal.h"

namespace sd::group {

using detail::answer;

const char* state_name(group_state s) noexcept {
  switch (s) {
    case group_state::empty: return "Empty";
    case group_state::preparing_rebalance: return "PreparingRebalance";
    case group_state::completing_rebalance: return "CompletingRebalance";
    case group_state::stable: return "Stable";
    case group_state::dead: return "Dead";
  }
  return "Dead";
}

namespace {

join_result join_error(errc e, std::string member_id = {}) {
  join_result r;
  r.error = make_error_code(e);
  r.member_id = std::move(member_id);
  return r;
}
sync_result sync_error(errc e) {
  sync_result r;
  r.error = make_error_code(e);
  return r;
}

bool same_protocols(const std::vector<protocol_entry>& a, const std::vector<protocol_entry>& b) { return a == b; }

}  // namespace

group_manager::group_manager(coordinator_config config, group_store& store, clocks c)
    : _config(config), _store(store), _clocks(std::move(c)), _rng(std::random_device{}()) {
  if (!_clocks.wall_ms) _clocks.wall_ms = [] { return wall_ms_now(); };
  if (!_clocks.steady) _clocks.steady = [] { return clock::now(); };
}

group_manager::~group_manager() = default;

group_manager::group* group_manager::find(const std::string& id) const {
  auto it = _groups.find(id);
  return it == _groups.end() ? nullptr : it->second.get();
}

group_manager::group& group_manager::get_or_create(const std::string& id) {
  auto& slot = _groups[id];
  if (!slot) {
    slot = std::make_unique<group>();
    slot->id = id;
    slot->state_timestamp_ms = _clocks.wall_ms();
  }
  return *slot;
}

std::string group_manager::new_member_id(const std::string& client_id) {
  std::uint64_t a = _rng(), b = _rng();
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xffff),
                static_cast<unsigned>(b >> 48), static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return client_id + "-" + buf;
}

// ---- restore ---------------------------------------------------------------------------------------------

void group_manager::apply_replayed(const store_record& r) {
  if (const auto* o = std::get_if<offset_record>(&r)) {
    if (o->value) {
      get_or_create(o->group).offsets[o->tp] = *o->value;
    } else if (auto* g = find(o->group)) {
      g->offsets.erase(o->tp);
    }
    return;
  }
  if (std::holds_alternative<opaque_record>(r)) return;  // another module's record (not in the offsets log)
  const auto& gr = std::get<group_record>(r);
  if (!gr.value) {
    _groups.erase(gr.group);
    return;
  }
  auto& g = get_or_create(gr.group);
  const auto& md = *gr.value;
  g.protocol_type = md.protocol_type;
  g.protocol = md.protocol;
  g.generation = md.generation;
  g.leader = md.leader;
  g.state_timestamp_ms = md.state_timestamp_ms;
  g.members.clear();
  g.static_members.clear();
  for (const auto& pm : md.members) {
    member m;
    m.id = pm.member_id;
    m.instance_id = pm.instance_id;
    m.client_id = pm.client_id;
    m.client_host = pm.client_host;
    m.session_timeout_ms = pm.session_timeout_ms;
    m.rebalance_timeout_ms = pm.rebalance_timeout_ms;
    m.protocols = pm.protocols;
    m.assignment = pm.assignment;
    if (m.instance_id) g.static_members[*m.instance_id] = m.id;
    g.members.emplace(m.id, std::move(m));
  }
  g.state = g.members.empty() ? group_state::empty : group_state::stable;
}

void group_manager::finish_restore() {
  // Members of a restored Stable group get a fresh session: they keep heartbeating with their generation.
  auto t = now();
  for (auto& [_, g] : _groups)
    for (auto& [__, m] : g->members) m.session_deadline = t + std::chrono::milliseconds(m.session_timeout_ms);
}

// ---- JoinGroup -------------------------------------------------------------------------------------------

bool group_manager::supports(const group& g, const join_request& req) const {
  if (req.protocol_type.empty() || req.protocols.empty()) return false;
  if (g.members.empty()) return true;
  if (req.protocol_type != g.protocol_type) return false;
  for (const auto& p : req.protocols) {
    bool everyone = true;
    for (const auto& [_, m] : g.members)
      if (!m.metadata_for(p.name)) {
        everyone = false;
        break;
      }
    if (everyone) return true;
  }
  return false;
}

void group_manager::join(join_request req, join_callback done) {
  if (req.group_id.empty()) return done(join_error(errc::invalid_group_id, req.member_id));
  if (req.session_timeout_ms < _config.min_session_timeout_ms ||
      req.session_timeout_ms > _config.max_session_timeout_ms)
    return done(join_error(errc::invalid_session_timeout, req.member_id));
  if (req.rebalance_timeout_ms <= 0) req.rebalance_timeout_ms = req.session_timeout_ms;

  fire_due(req.group_id);
  group* existing = find(req.group_id);
  if (!existing && !req.member_id.empty()) return done(join_error(errc::unknown_member_id, req.member_id));
  if (existing && !supports(*existing, req)) return done(join_error(errc::inconsistent_group_protocol, req.member_id));
  if (!existing && (req.protocol_type.empty() || req.protocols.empty()))
    return done(join_error(errc::inconsistent_group_protocol, req.member_id));
  group& g = existing ? *existing : get_or_create(req.group_id);

  if (req.member_id.empty()) {
    if (req.instance_id) {
      auto it = g.static_members.find(*req.instance_id);
      if (it != g.static_members.end()) return join_static_rejoin(g, it->second, std::move(req), std::move(done));
    }
    auto id = new_member_id(req.client_id);
    if (req.require_known_member_id && !req.instance_id) {
      g.pending[id] = now() + std::chrono::milliseconds(req.session_timeout_ms);
      return done(join_error(errc::member_id_required, id));
    }
    return join_new_member(g, std::move(req), std::move(done), id);
  }

  if (auto p = g.pending.find(req.member_id); p != g.pending.end()) {
    g.pending.erase(p);
    auto id = req.member_id;
    return join_new_member(g, std::move(req), std::move(done), id);
  }
  if (req.instance_id) {
    auto it = g.static_members.find(*req.instance_id);
    if (it != g.static_members.end() && it->second != req.member_id)
      return done(join_error(errc::fenced_instance_id, req.member_id));
  }
  auto mit = g.members.find(req.member_id);
  if (mit == g.members.end()) {
    auto id = req.member_id;
    drop_if_unused(g.id);
    return done(join_error(errc::unknown_member_id, id));
  }
  join_existing_member(g, mit->second, std::move(req), std::move(done));
}

void group_manager::update_member(member& m, join_request&& req, join_callback&& done) {
  m.client_id = std::move(req.client_id);
  m.client_host = std::move(req.client_host);
  m.session_timeout_ms = req.session_timeout_ms;
  m.rebalance_timeout_ms = req.rebalance_timeout_ms;
  m.protocols = std::move(req.protocols);
  if (m.on_join) answer(m.on_join, join_error(errc::rebalance_in_progress, m.id));  // superseded
  m.on_join = std::move(done);
  m.session_deadline = now() + std::chrono::milliseconds(m.session_timeout_ms);
}

void group_manager::join_new_member(group& g, join_request&& req, join_callback&& done, const std::string& id) {
  if (g.members.empty()) g.protocol_type = req.protocol_type;
  member m;
  m.id = id;
  m.instance_id = req.instance_id;
  if (m.instance_id) g.static_members[*m.instance_id] = id;
  auto& stored = g.members.emplace(id, std::move(m)).first->second;
  update_member(stored, std::move(req), std::move(done));
  if (g.state == group_state::preparing_rebalance) {
    if (g.initial_delay) {
      g.rebalance_deadline =
          std::min(now() + std::chrono::milliseconds(_config.initial_rebalance_delay_ms), g.initial_delay_cap);
    }
    try_complete_join(g);
  } else {
    prepare_rebalance(g);
  }
}

join_result group_manager::current_generation(const group& g, const std::string& member_id) const {
  join_result r;
  r.generation = g.generation;
  r.protocol_type = g.protocol_type;
  r.protocol_name = g.protocol;
  r.leader = g.leader;
  r.member_id = member_id;
  if (member_id == g.leader && g.protocol) {
    for (const auto& [id, m] : g.members) {
      const auto* md = m.metadata_for(*g.protocol);
      r.members.push_back({id, m.instance_id, md ? *md : sd::bytes{}});
    }
  }
  return r;
}

void group_manager::join_existing_member(group& g, member& m, join_request&& req, join_callback&& done) {
  switch (g.state) {
    case group_state::preparing_rebalance:
      update_member(m, std::move(req), std::move(done));
      try_complete_join(g);
      return;
    case group_state::completing_rebalance:
      if (same_protocols(m.protocols, req.protocols)) {
        m.session_deadline = now() + std::chrono::milliseconds(m.session_timeout_ms);
        return done(current_generation(g, m.id));  // the member lost our answer: repeat it
      }
      update_member(m, std::move(req), std::move(done));
      prepare_rebalance(g);
      return;
    case group_state::stable:
      if (m.id == g.leader || !same_protocols(m.protocols, req.protocols)) {
        update_member(m, std::move(req), std::move(done));
        prepare_rebalance(g);
        return;
      }
      m.session_deadline = now() + std::chrono::milliseconds(m.session_timeout_ms);
      return done(current_generation(g, m.id));
    case group_state::empty:
    case group_state::dead:
      return done(join_error(errc::unknown_member_id, m.id));
  }
}

void group_manager::join_static_rejoin(group& g, const std::string& old_id, join_request&& req,
                                       join_callback&& done) {
  // A restarted static member: new member id, same assignment; the old id is fenced from now on.
  auto node = g.members.extract(old_id);
  member& old = node.mapped();
  answer(old.on_join, join_error(errc::fenced_instance_id, old_id));
  answer(old.on_sync, sync_error(errc::fenced_instance_id));
  auto id = new_member_id(req.client_id);
  node.key() = id;
  node.mapped().id = id;
  auto& m = g.members.insert(std::move(node)).position->second;
  g.static_members[*req.instance_id] = id;
  if (g.leader == old_id) g.leader = id;
  bool unchanged = same_protocols(m.protocols, req.protocols);
  if (g.state == group_state::stable && unchanged) {
    m.client_id = req.client_id;
    m.client_host = req.client_host;
    m.session_timeout_ms = req.session_timeout_ms;
    m.rebalance_timeout_ms = req.rebalance_timeout_ms;
    m.session_deadline = now() + std::chrono::milliseconds(m.session_timeout_ms);
    persist(g);
    return done(current_generation(g, id));
  }
  update_member(m, std::move(req), std::move(done));
  if (g.state == group_state::preparing_rebalance) {
    try_complete_join(g);
  } else {
    prepare_rebalance(g);
  }
}

void group_manager::prepare_rebalance(group& g) {
  if (g.state != group_state::preparing_rebalance) _probe.rebalances_total.inc();
  if (g.state == group_state::completing_rebalance) {
    for (auto& [_, m] : g.members) {
      m.assignment.clear();
      // Answering a waiting SyncGroup restarts the member's session, as Kafka's coordinator does: the
      // member has just heard from us and gets a full session to rejoin.
      if (m.on_sync) m.session_deadline = now() + std::chrono::milliseconds(m.session_timeout_ms);
      answer(m.on_sync, sync_error(errc::rebalance_in_progress));
    }
  }
  auto t = now();
  if (g.state == group_state::empty && _config.initial_rebalance_delay_ms > 0) {
    g.initial_delay = true;
    g.initial_delay_cap = t + std::chrono::milliseconds(g.max_rebalance_timeout());
    g.rebalance_deadline =
        std::min(t + std::chrono::milliseconds(_config.initial_rebalance_delay_ms), g.initial_delay_cap);
  } else {
    g.initial_delay = false;
    g.rebalance_deadline = t + std::chrono::milliseconds(g.max_rebalance_timeout());
  }
  g.state = group_state::preparing_rebalance;
  g.state_timestamp_ms = _clocks.wall_ms();
  try_complete_join(g);
}

void group_manager::try_complete_join(group& g) {
  if (g.state != group_state::preparing_rebalance || g.initial_delay) return;
  if (g.all_joined() && g.pending.empty()) complete_join(g);
}

std::optional<std::string> group_manager::select_protocol(const group& g) const {
  if (g.members.empty()) return std::nullopt;
  // Candidates: protocols every member supports, in the leader's (or first member's) order of preference.
  const member& first = g.members.count(g.leader) ? g.members.at(g.leader) : g.members.begin()->second;
  std::vector<std::string> candidates;
  for (const auto& p : first.protocols) {
    bool everyone = true;
    for (const auto& [_, m] : g.members)
      if (!m.metadata_for(p.name)) everyone = false;
    if (everyone) candidates.push_back(p.name);
  }
  if (candidates.empty()) return std::nullopt;
  // Each member votes for its most preferred candidate; most votes wins, ties go to the earlier candidate.
  std::map<std::string, int> votes;
  for (const auto& [_, m] : g.members)
    for (const auto& p : m.protocols)
      if (std::find(candidates.begin(), candidates.end(), p.name) != candidates.end()) {
        ++votes[p.name];
        break;
      }
  std::string best = candidates.front();
  for (const auto& c : candidates)
    if (votes[c] > votes[best]) best = c;
  return best;
}

void group_manager::complete_join(group& g) {
  // Laggards that did not rejoin in time leave the group.
  std::vector<std::string> gone;
  for (const auto& [id, m] : g.members)
    if (!m.on_join) gone.push_back(id);
  for (const auto& id : gone) {
    auto& m = g.members.at(id);
    if (m.instance_id) g.static_members.erase(*m.instance_id);
    g.members.erase(id);
  }
  g.initial_delay = false;
  ++g.generation;
  g.state_timestamp_ms = _clocks.wall_ms();
  g.recent_rebalances_ms.push_back(g.state_timestamp_ms);
  if (g.recent_rebalances_ms.size() > recent_rebalances_kept) g.recent_rebalances_ms.pop_front();
  if (g.members.empty()) {
    g.state = group_state::empty;
    g.protocol.reset();
    g.leader.clear();
    persist(g);
    return;
  }
  g.protocol = select_protocol(g);
  if (!g.members.count(g.leader)) g.leader = g.members.begin()->first;
  g.state = group_state::completing_rebalance;
  auto t = now();
  g.sync_deadline = t + std::chrono::milliseconds(g.max_rebalance_timeout());
  std::vector<std::pair<join_callback, join_result>> out;
  for (auto& [id, m] : g.members) {
    m.assignment.clear();
    m.session_deadline = t + std::chrono::milliseconds(m.session_timeout_ms);
    out.emplace_back(std::move(m.on_join), current_generation(g, id));
    m.on_join = nullptr;
  }
  for (auto& [cb, r] : out) cb(std::move(r));
}

// ---- SyncGroup, Heartbeat, LeaveGroup --------------------------------------------------------------------

void group_manager::sync(sync_request req, sync_callback done) {
  if (req.group_id.empty()) return done(sync_error(errc::invalid_group_id));
  fire_due(req.group_id);
  group* g = find(req.group_id);
  if (!g) return done(sync_error(errc::unknown_member_id));
  if (req.instance_id) {
    auto it = g->static_members.find(*req.instance_id);
    if (it != g->static_members.end() && it->second != req.member_id) return done(sync_error(errc::fenced_instance_id));
  }
  auto mit = g->members.find(req.member_id);
  if (mit == g->members.end()) return done(sync_error(errc::unknown_member_id));
  if (req.generation != g->generation) return done(sync_error(errc::illegal_generation));
  if ((req.protocol_type && *req.protocol_type != g->protocol_type) ||
      (req.protocol_name && g->protocol && *req.protocol_name != *g->protocol))
    return done(sync_error(errc::inconsistent_group_protocol));
  member& m = mit->second;
  switch (g->state) {
    case group_state::empty:
    case group_state::dead:
      return done(sync_error(errc::unknown_member_id));
    case group_state::preparing_rebalance:
      return done(sync_error(errc::rebalance_in_progress));
    case group_state::stable: {
      m.session_deadline = now() + std::chrono::milliseconds(m.session_timeout_ms);
      sync_result r;
      r.assignment = m.assignment;
      r.protocol_type = g->protocol_type;
      r.protocol_name = g->protocol;
      return done(std::move(r));
    }
    case group_state::completing_rebalance:
      break;
  }
  m.session_deadline = now() + std::chrono::milliseconds(m.session_timeout_ms);
  if (m.on_sync) answer(m.on_sync, sync_error(errc::rebalance_in_progress));
  m.on_sync = std::move(done);
  if (req.member_id != g->leader) return;
  for (auto& [id, mem] : g->members) mem.assignment.clear();
  for (auto& [id, a] : req.assignments)
    if (auto it = g->members.find(id); it != g->members.end()) it->second.assignment = std::move(a);
  g->state = group_state::stable;
  g->state_timestamp_ms = _clocks.wall_ms();
  persist(*g);
  for (auto& [id, mem] : g->members) {
    if (!mem.on_sync) continue;
    sync_result r;
    r.assignment = mem.assignment;
    r.protocol_type = g->protocol_type;
    r.protocol_name = g->protocol;
    mem.session_deadline = now() + std::chrono::milliseconds(mem.session_timeout_ms);  // answered: a new session
    answer(mem.on_sync, std::move(r));
  }
}

std::error_code group_manager::heartbeat(const heartbeat_request& req) {
  if (req.group_id.empty()) return errc::invalid_group_id;
  fire_due(req.group_id);  // a heartbeat after the session ended does not revive the member
  group* g = find(req.group_id);
  if (!g || g->state == group_state::empty) return errc::unknown_member_id;
  if (req.instance_id) {
    auto it = g->static_members.find(*req.instance_id);
    if (it != g->static_members.end() && it->second != req.member_id) return errc::fenced_instance_id;
  }
  auto mit = g->members.find(req.member_id);
  if (mit == g->members.end()) return errc::unknown_member_id;
  if (req.generation != g->generation) return errc::illegal_generation;
  mit->second.session_deadline = now() + std::chrono::milliseconds(mit->second.session_timeout_ms);
  if (g->state == group_state::preparing_rebalance) return errc::rebalance_in_progress;
  return {};
}

void group_manager::remove_member(group& g, const std::string& id, errc why) {
  auto it = g.members.find(id);
  if (it == g.members.end()) return;
  answer(it->second.on_join, join_error(why, id));
  answer(it->second.on_sync, sync_error(why));
  if (it->second.instance_id) {
    auto s = g.static_members.find(*it->second.instance_id);
    if (s != g.static_members.end() && s->second == id) g.static_members.erase(s);
  }
  g.members.erase(it);
  switch (g.state) {
    case group_state::stable:
    case group_state::completing_rebalance:
      prepare_rebalance(g);
      break;
    case group_state::preparing_rebalance:
      try_complete_join(g);
      break;
    default:
      break;
  }
}

leave_result group_manager::leave(const std::string& group_id, const std::vector<member_identity>& members) {
  leave_result out;
  if (group_id.empty()) {
    out.error = errc::invalid_group_id;
    return out;
  }
  fire_due(group_id);
  group* g = find(group_id);
  if (!g) {
    out.error = errc::unknown_member_id;
    return out;
  }
  for (const auto& who : members) {
    std::error_code ec;
    std::string id = who.member_id;
    if (who.instance_id) {
      auto it = g->static_members.find(*who.instance_id);
      if (it == g->static_members.end()) {
        ec = errc::unknown_member_id;
      } else if (!id.empty() && it->second != id) {
        ec = errc::fenced_instance_id;
      } else {
        id = it->second;
      }
    } else if (g->pending.erase(id) > 0) {
      try_complete_join(*g);
      out.members.emplace_back(who, ec);
      continue;
    } else if (!g->members.count(id)) {
      ec = errc::unknown_member_id;
    }
    if (!ec) remove_member(*g, id, errc::unknown_member_id);
    out.members.emplace_back(who, ec);
  }
  return out;
}


}  // namespace sd::group
