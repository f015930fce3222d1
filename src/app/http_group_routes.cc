#include "app/http_group_routes.h"

#include "alerts/status_json.h"

#include <cmath>
#include <climits>
#include <cstdlib>
#include <ctime>
#include <tuple>
#include <future>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "app/http_query.h"
#include "app/stall_diagnosis.h"
#include "base/clock.h"
#include "protocol/generated/consumer_protocol_assignment.h"
#include "protocol/group_protocol.h"

namespace sd::app {
namespace {

using json = nlohmann::json;
constexpr auto coordinator_timeout = std::chrono::seconds(5);

http::response json_response(int status, const json& body) { return {status, "application/json", body.dump()}; }

/// Runs fn on the coordinator shard and waits for it (HTTP thread only). nullopt when it did not answer in time.
template <class F>
auto on_coordinator(group::coordinator& c, F fn) -> std::optional<decltype(fn())> {
  using T = decltype(fn());
  auto promise = std::make_shared<std::promise<T>>();
  auto fut = promise->get_future();
  net::asio::post(c.executor(), [promise, fn = std::move(fn)]() mutable { promise->set_value(fn()); });
  if (fut.wait_for(coordinator_timeout) != std::future_status::ready) return std::nullopt;
  try {
    return fut.get();
  } catch (const std::future_error&) {
    return std::nullopt;
  }
}

json decode_assignment(const group::group_description& d, const sd::bytes& raw) {
  if (d.protocol_type != "consumer" || raw.empty()) return nullptr;
  protocol::consumer_protocol_assignment a;
  if (!protocol::decode_versioned(sd::byte_span(raw.data(), raw.size()), a)) return nullptr;
  json out = json::array();
  for (const auto& tp : a.assigned_partitions) out.push_back({{"topic", tp.topic}, {"partitions", tp.partitions}});
  return out;
}

json number_or_null(std::optional<double> v) { return v && std::isfinite(*v) ? json(*v) : json(nullptr); }

std::vector<group::topic_partition> assigned_partitions(const group::group_description& d, const sd::bytes& raw) {
  std::vector<group::topic_partition> out;
  if (d.protocol_type != "consumer" || raw.empty()) return out;
  protocol::consumer_protocol_assignment a;
  if (!protocol::decode_versioned(sd::byte_span(raw.data(), raw.size()), a)) return out;
  for (const auto& tp : a.assigned_partitions)
    for (auto p : tp.partitions) out.push_back({tp.topic, p});
  return out;
}

group_view view_of(const group::group_description& d) {
  group_view v;
  v.state = d.state;
  v.recent_rebalances_ms = d.recent_rebalances_ms;
  for (const auto& m : d.members)
    v.members.push_back({m.member_id, m.client_id, m.client_host, assigned_partitions(d, m.assignment)});
  return v;
}

/// A group as the coordinator describes it, with the commit time of each committed partition.
struct group_snapshot {
  group::group_description description;
  std::map<group::topic_partition, std::int64_t> commit_ms;
};

group_snapshot snapshot_group(group::group_manager& m, const std::string& id,
                              const std::vector<std::pair<group::topic_partition, group::committed_offset>>* offsets) {
  group_snapshot g{m.describe(id), {}};
  if (offsets)
    for (const auto& [tp, c] : *offsets) g.commit_ms[tp] = c.commit_timestamp_ms;
  return g;
}

using lag_key = std::tuple<std::string, std::string, std::int32_t>;  // group, topic, partition

/// For each (group, topic, partition) with history: the lag about `window_ms` ago and how long ago that was.
std::map<lag_key, std::pair<double, std::int64_t>> lag_before(const history_store* history,
                                                             const std::optional<std::string>& group,
                                                             std::int64_t now_ms, std::int64_t window_ms) {
  std::map<lag_key, std::pair<double, std::int64_t>> out;
  if (!history) return out;
  history_labels filter;
  if (group) filter.emplace_back("group", *group);
  for (const auto& s : history->read({"group_lag_records"}, now_ms - window_ms, filter)) {
    if (s.points.empty()) continue;
    std::string g, t;
    std::int32_t p = -1;
    for (const auto& [k, v] : s.labels) {
      if (k == "group") g = v;
      if (k == "topic") t = v;
      if (k == "partition") p = static_cast<std::int32_t>(std::strtol(v.c_str(), nullptr, 10));
    }
    out[{g, t, p}] = {s.points.front().value, now_ms - s.points.front().t_ms};
  }
  return out;
}

/// The stall diagnosis of one lag row (null when it is not stalled).
json stall_of(const group_view& view, const group_snapshot& g, const lag_row& r,
              const std::vector<broker::fetch_report>& reports,
              const std::map<lag_key, std::pair<double, std::int64_t>>& before, std::int64_t now_ms) {
  partition_view pv;
  pv.tp = {r.lag.topic, r.lag.partition};
  pv.committed = r.lag.committed;
  if (auto it = g.commit_ms.find(pv.tp); it != g.commit_ms.end()) pv.commit_ms = it->second;
  pv.lag = r.lag.lag;
  if (auto it = before.find({r.lag.group, r.lag.topic, r.lag.partition}); it != before.end()) {
    pv.lag_before = it->second.first;
    pv.lag_before_age_ms = it->second.second;
  }
  auto st = diagnose(view, pv, reports, now_ms);
  if (!st) return nullptr;
  return {{"reason", st->reason}, {"detail", st->detail}};
}

}  // namespace

void register_group_routes(http::http_server& http, group::coordinator& coordinator, lag_reporter& lag,
                           const http_access& access, stall_sources stall) {
  // Groups: DESCRIBE on each (the list leaves out the others, as ListGroups does).
  http.get("/v1/groups", [&coordinator, &lag, &access, stall](const http::request& req) {
    auto limit = query_int(req, "limit", 1000, 1, 1000);
    auto offset = query_int(req, "offset", 0, 0, INT32_MAX);
    if (!limit || !offset)
      return json_response(400, {{"error", "offset and limit must be numbers"}, {"code", "invalid_request"}});
    const auto filter = req.query.count("filter") ? req.query.at("filter") : std::string();
    auto list_groups = [&coordinator, filter] {
      std::vector<group_snapshot> out;
      auto& m = coordinator.manager();
      m.tick();  // as ListGroups: states as of now
      auto all_offsets = m.offsets(std::nullopt);
      std::map<std::string, const std::vector<std::pair<group::topic_partition, group::committed_offset>>*> by_group;
      for (const auto& [id, offs] : all_offsets) by_group[id] = &offs;
      for (auto& l : m.list()) {
        if (!filter.empty() && l.group_id.find(filter) == std::string::npos) continue;
        auto it = by_group.find(l.group_id);
        out.push_back(snapshot_group(m, l.group_id, it == by_group.end() ? nullptr : it->second));
      }
      std::sort(out.begin(), out.end(), [](const group_snapshot& a, const group_snapshot& b) {
        return a.description.group_id < b.description.group_id;
      });
      return out;
    };
    auto groups = on_coordinator(coordinator, std::move(list_groups));
    if (!groups) return json_response(503, {{"error", "group coordinator did not answer"}});
    auto rows = lag.collect_blocking(std::nullopt, false);
    if (!rows) return json_response(503, {{"error", "group coordinator did not answer"}});
    std::map<std::string, std::vector<const lag_row*>> rows_of;
    for (const auto& r : *rows) rows_of[r.lag.group].push_back(&r);
    const auto now = wall_ms_now();
    const auto reports = stall.fetchers ? stall.fetchers->snapshot(now) : std::vector<broker::fetch_report>{};
    const auto before = lag_before(stall.history, std::nullopt, now, stall_thresholds{}.lag_window_ms);
    json out = json::array();
    std::int64_t matched = 0;
    for (const auto& g : *groups) {
      const auto& d = g.description;
      if (!access.may(req, security::resource_type::group, d.group_id, security::acl_operation::describe)) continue;
      if (matched++ < *offset || static_cast<std::int64_t>(out.size()) >= *limit) continue;
      std::int64_t total = 0, stalled = 0;
      const auto view = view_of(d);
      for (const auto* r : rows_of[d.group_id]) {
        if (r->lag.lag > 0) total += r->lag.lag;
        if (!stall_of(view, g, *r, reports, before, now).is_null()) ++stalled;
      }
      out.push_back({{"id", d.group_id},
                     {"state", group::state_name(d.state)},
                     {"protocol_type", d.protocol_type},
                     {"protocol", d.protocol_name},
                     {"member_count", d.members.size()},
                     {"total_lag", total},
                     {"stalled", stalled}});
    }
    auto resp = json_response(200, out);
    resp.headers.emplace_back("X-Total-Count", std::to_string(matched));
    return resp;
  });

  http.get_prefix("/v1/groups/", [&coordinator, &lag, &access, stall](const http::request& req) {
    const std::string id = percent_decode(std::string_view(req.path).substr(std::string_view("/v1/groups/").size()));
    if (!access.allowed(req, security::resource_type::group, id, security::acl_operation::describe))
      return http_access::forbidden("DESCRIBE", "GROUP", id);
    auto describe = [&coordinator, id] {
      auto& m = coordinator.manager();
      m.fire_due(id);  // as DescribeGroups: a session that ended is gone now
      auto offsets = m.offsets(id);
      return snapshot_group(m, id, offsets.empty() ? nullptr : &offsets.front().second);
    };
    auto g = on_coordinator(coordinator, std::move(describe));
    if (!g) return json_response(503, {{"error", "group coordinator did not answer"}});
    const auto& d = g->description;
    auto collected = lag.collect_blocking(id, true);
    if (!collected) return json_response(503, {{"error", "group coordinator did not answer"}});
    const auto& rows = *collected;
    if (d.state == group::group_state::dead && d.members.empty() && rows.empty())
      return json_response(404, {{"error", "no such group"}, {"group", id}});

    const auto now = wall_ms_now();
    const auto reports = stall.fetchers ? stall.fetchers->snapshot(now) : std::vector<broker::fetch_report>{};
    const auto before = lag_before(stall.history, id, now, stall_thresholds{}.lag_window_ms);
    const auto view = view_of(d);
    json members = json::array();
    for (std::size_t i = 0; i < d.members.size(); ++i) {
      const auto& m = d.members[i];
      auto fetched = last_fetch_ms(view.members[i], reports);
      members.push_back({{"member_id", m.member_id},
                         {"client_id", m.client_id},
                         {"host", m.client_host},
                         {"group_instance_id", m.instance_id ? json(*m.instance_id) : json(nullptr)},
                         {"assignment", decode_assignment(d, m.assignment)},
                         {"assignment_bytes", m.assignment.size()},
                         {"last_fetch_ms", fetched ? json(*fetched) : json(nullptr)}});
    }
    json offsets = json::array();
    std::int64_t total = 0;
    for (const auto& r : rows) {
      if (r.lag.lag > 0) total += r.lag.lag;
      const auto* assignee = assignee_of(view, {r.lag.topic, r.lag.partition});
      offsets.push_back({{"topic", r.lag.topic},
                         {"partition", r.lag.partition},
                         {"committed_offset", r.lag.committed},
                         {"high_watermark", r.lag.high_watermark >= 0 ? json(r.lag.high_watermark) : json(nullptr)},
                         {"lag_records", r.lag.lag >= 0 ? json(r.lag.lag) : json(nullptr)},
                         {"lag_seconds", number_or_null(r.seconds)},
                         {"member_id", assignee ? json(assignee->member_id) : json(nullptr)},
                         {"stall", stall_of(view, *g, r, reports, before, now)}});
    }
    json out = {{"id", id},
                {"state", group::state_name(d.state)},
                {"generation", d.generation},
                {"protocol_type", d.protocol_type},
                {"protocol", d.protocol_name},
                {"leader", d.leader},
                {"members", members},
                {"offsets", offsets},
                {"total_lag", total},
                {"rebalances_recent", rebalances_within(view, now, stall_thresholds{}.rebalance_window_ms)}};
    return json_response(200, out);
  });
}

void register_alert_routes(http::http_server& http, const alerts::alert_engine& engine, const http_access& access) {
  // Alerts describe the whole broker: DESCRIBE on the cluster.
  http.get("/v1/alerts", [&engine, &access](const http::request& req) {
    if (!access.allowed_cluster(req, security::acl_operation::describe))
      return http_access::forbidden("DESCRIBE", "CLUSTER", security::cluster_resource_name);
    return json_response(200, alerts::status_json(engine));
  });
}

}  // namespace sd::app
