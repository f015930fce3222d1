#include "gateway/group_member.h"
#include "gateway/coordinator_call.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "base/byte_reader.h"
#include "base/clock.h"
#include "group/errc.h"
#include "net/event.h"
#include "net/shard_set.h"
#include "protocol/generated/consumer_protocol_assignment.h"
#include "protocol/generated/consumer_protocol_subscription.h"
#include "protocol/group_protocol.h"

namespace sd::gateway {
namespace {

const char* const offered_protocols[] = {"range", "roundrobin", "RoundRobinAssigner"};

/// Topics of a member's subscription. Read as version 0 (topics, user data) whatever the version says: every
/// later version only appends fields, and some clients write a version 1 header without its fields.
std::vector<std::string> subscribed_topics(const sd::bytes& metadata) {
  sd::byte_reader r(sd::byte_span(metadata.data(), metadata.size()));
  const auto version = r.read_i16();
  protocol::consumer_protocol_subscription sub;
  if (!r.ok() || version < 0) return {};
  sub.decode(r, 0);
  if (!r.ok()) return {};
  return sub.topics;
}

sd::bytes encode_assignment(const std::vector<group::topic_partition>& tps) {
  protocol::consumer_protocol_assignment a;
  for (const auto& tp : tps) {
    auto it = std::find_if(a.assigned_partitions.begin(), a.assigned_partitions.end(),
                           [&](const auto& e) { return e.topic == tp.topic; });
    if (it == a.assigned_partitions.end()) {
      a.assigned_partitions.emplace_back();
      it = std::prev(a.assigned_partitions.end());
      it->topic = tp.topic;
    }
    it->partitions.push_back(tp.partition);
  }
  return protocol::encode_versioned(a, 0);
}

std::vector<group::topic_partition> decode_assignment(const sd::bytes& raw) {
  std::vector<group::topic_partition> out;
  if (raw.empty()) return out;
  protocol::consumer_protocol_assignment a;
  if (!protocol::decode_versioned(sd::byte_span(raw.data(), raw.size()), a)) return out;
  for (const auto& tp : a.assigned_partitions)
    for (auto p : tp.partitions) out.push_back({tp.topic, p});
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

group_member::group_member(group::coordinator& c, partition_count_fn counts, std::string group_id,
                           std::vector<std::string> topics, std::string client_host, std::int32_t session_timeout_ms)
    : _coordinator(c),
      _counts(std::move(counts)),
      _group(std::move(group_id)),
      _topics(std::move(topics)),
      _host(std::move(client_host)),
      _session_timeout_ms(session_timeout_ms) {}

std::map<std::string, std::vector<group::topic_partition>> group_member::assign(
    const std::string& strategy, const std::map<std::string, std::vector<std::string>>& subscriptions,
    const std::map<std::string, std::int32_t>& partitions) {
  std::map<std::string, std::vector<group::topic_partition>> out;
  for (const auto& [member, topics] : subscriptions) out[member];
  if (strategy == "range") {
    // Per topic: its subscribers in member-id order each take a contiguous range, the first ones one extra.
    std::map<std::string, std::vector<std::string>> by_topic;
    for (const auto& [member, topics] : subscriptions)
      for (const auto& t : topics) by_topic[t].push_back(member);
    for (auto& [topic, members] : by_topic) {
      auto it = partitions.find(topic);
      if (it == partitions.end() || members.empty()) continue;
      const auto n = it->second;
      const auto m = static_cast<std::int32_t>(members.size());
      std::int32_t next = 0;
      for (std::int32_t i = 0; i < m; ++i) {
        const std::int32_t take = n / m + (i < n % m ? 1 : 0);
        for (std::int32_t k = 0; k < take; ++k) out[members[static_cast<std::size_t>(i)]].push_back({topic, next++});
      }
    }
  } else {
    // Round robin over every (topic, partition) in order, skipping members not subscribed to the topic.
    std::vector<std::string> members;
    for (const auto& [member, topics] : subscriptions) members.push_back(member);
    std::size_t cursor = 0;
    for (const auto& [topic, n] : partitions) {
      for (std::int32_t p = 0; p < n; ++p) {
        for (std::size_t tries = 0; tries < members.size(); ++tries) {
          const auto& m = members[cursor % members.size()];
          ++cursor;
          const auto& subs = subscriptions.at(m);
          if (std::find(subs.begin(), subs.end(), topic) != subs.end()) {
            out[m].push_back({topic, p});
            break;
          }
        }
      }
    }
  }
  return out;
}

net::awaitable<std::error_code> group_member::join() {
  for (int attempt = 0; attempt < 5; ++attempt) {
    group::join_request req;
    req.group_id = _group;
    req.member_id = _member_id;
    req.client_id = "streamdown-http";
    req.client_host = _host;
    req.session_timeout_ms = _session_timeout_ms;
    req.rebalance_timeout_ms = _session_timeout_ms;
    req.protocol_type = "consumer";
    protocol::consumer_protocol_subscription sub;
    sub.topics = _topics;
    const auto metadata = protocol::encode_versioned(sub, 0);
    for (const char* name : offered_protocols) req.protocols.push_back({name, metadata});
    auto start_join = [req = std::move(req)](group::group_manager& m, group::join_callback done) mutable {
      m.join(std::move(req), std::move(done));
    };
    auto joined = co_await call_with_callback<group::join_result>(_coordinator, std::move(start_join));
    if (!joined.member_id.empty()) _member_id = joined.member_id;
    if (joined.error == group::errc::member_id_required) continue;
    if (joined.error == group::errc::unknown_member_id) {
      _member_id.clear();
      continue;
    }
    if (joined.error) co_return joined.error;
    _generation = joined.generation;

    group::sync_request sreq;
    sreq.group_id = _group;
    sreq.member_id = _member_id;
    sreq.generation = _generation;
    if (joined.leader == _member_id) {
      std::map<std::string, std::vector<std::string>> subscriptions;
      std::map<std::string, std::int32_t> counts;
      for (const auto& m : joined.members) {
        subscriptions[m.member_id] = subscribed_topics(m.metadata);
        for (const auto& t : subscriptions[m.member_id])
          if (!counts.contains(t)) counts[t] = std::max(0, _counts(t));
      }
      for (auto& [member, tps] : assign(joined.protocol_name.value_or("range"), subscriptions, counts))
        sreq.assignments.emplace_back(member, encode_assignment(tps));
    }
    auto start_sync = [sreq = std::move(sreq)](group::group_manager& m, group::sync_callback done) mutable {
      m.sync(std::move(sreq), std::move(done));
    };
    auto synced = co_await call_with_callback<group::sync_result>(_coordinator, std::move(start_sync));
    if (synced.error == group::errc::rebalance_in_progress) continue;
    if (synced.error) co_return synced.error;
    _assignment = decode_assignment(synced.assignment);
    // Only our subscription's topics (a foreign leader may assign what we did not ask for; ignore it).
    std::erase_if(_assignment, [&](const auto& tp) {
      return std::find(_topics.begin(), _topics.end(), tp.topic) == _topics.end();
    });
    co_return std::error_code{};
  }
  co_return make_error_code(group::errc::rebalance_in_progress);
}

net::awaitable<std::error_code> group_member::heartbeat() {
  group::heartbeat_request req{_group, _member_id, std::nullopt, _generation};
  auto& c = _coordinator;
  auto beat = [&c, req]() { return c.manager().heartbeat(req); };
  co_return co_await net::run_on(c.executor(), std::move(beat));
}

net::awaitable<std::error_code> group_member::commit(std::vector<std::pair<group::topic_partition, std::int64_t>> offsets) {
  group::commit_request req;
  req.group_id = _group;
  req.member_id = _member_id;
  req.generation = _generation;
  const auto now = wall_ms_now();
  for (auto& [tp, o] : offsets) req.offsets.push_back({tp, group::committed_offset{o, -1, std::nullopt, now}});
  auto start_commit = [req = std::move(req)](group::group_manager& m, group::commit_callback done) mutable {
    m.commit(std::move(req), std::move(done));
  };
  co_return co_await call_with_callback<std::error_code>(_coordinator, std::move(start_commit));
}

net::awaitable<std::vector<std::int64_t>> group_member::committed(std::vector<group::topic_partition> tps) {
  auto& c = _coordinator;
  auto fetch = [&c, group = _group, tps]() {
    std::vector<std::int64_t> out(tps.size(), -1);
    auto got = c.manager().fetch(group, tps);
    for (const auto& f : got)
      for (std::size_t i = 0; i < tps.size(); ++i)
        if (tps[i] == f.tp) out[i] = f.offset;
    return out;
  };
  co_return co_await net::run_on(c.executor(), std::move(fetch));
}

net::awaitable<void> group_member::leave() {
  if (_member_id.empty()) co_return;
  auto& c = _coordinator;
  auto go = [&c, group = _group, id = _member_id]() {
    (void)c.manager().leave(group, {group::member_identity{id, std::nullopt}});
  };
  co_await net::run_on(c.executor(), std::move(go));
  _member_id.clear();
}

}  // namespace sd::gateway
