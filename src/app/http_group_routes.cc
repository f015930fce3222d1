#include "app/http_group_routes.h"

#include "alerts/status_json.h"

#include <cmath>
#include <ctime>
#include <future>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

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

}  // namespace

void register_group_routes(http::http_server& http, group::coordinator& coordinator, lag_reporter& lag,
                           const http_access& access) {
  // Groups: DESCRIBE on each (the list leaves out the others, as ListGroups does).
  http.get("/v1/groups", [&coordinator, &lag, &access](const http::request& req) {
    struct summary {
      group::group_listing listing;
      std::string protocol;
      std::size_t members = 0;
    };
    auto list_groups = [&coordinator] {
      std::vector<summary> out;
      coordinator.manager().tick();  // as ListGroups: states as of now
      for (auto& l : coordinator.manager().list()) {
        auto d = coordinator.manager().describe(l.group_id);
        out.push_back({std::move(l), d.protocol_name, d.members.size()});
      }
      return out;
    };
    auto groups = on_coordinator(coordinator, std::move(list_groups));
    if (!groups) return json_response(503, {{"error", "group coordinator did not answer"}});
    auto rows = lag.collect_blocking(std::nullopt, false);
    if (!rows) return json_response(503, {{"error", "group coordinator did not answer"}});
    std::map<std::string, std::int64_t> total;
    for (const auto& r : *rows)
      if (r.lag.lag > 0) total[r.lag.group] += r.lag.lag;
    json out = json::array();
    for (const auto& g : *groups) {
      if (!access.may(req, security::resource_type::group, g.listing.group_id, security::acl_operation::describe))
        continue;
      auto it = total.find(g.listing.group_id);
      out.push_back({{"id", g.listing.group_id},
                     {"state", group::state_name(g.listing.state)},
                     {"protocol_type", g.listing.protocol_type},
                     {"protocol", g.protocol},
                     {"member_count", g.members},
                     {"total_lag", it == total.end() ? 0 : it->second}});
    }
    return json_response(200, out);
  });

  http.get_prefix("/v1/groups/", [&coordinator, &lag, &access](const http::request& req) {
    const std::string id = percent_decode(std::string_view(req.path).substr(std::string_view("/v1/groups/").size()));
    if (!access.allowed(req, security::resource_type::group, id, security::acl_operation::describe))
      return http_access::forbidden("DESCRIBE", "GROUP", id);
    auto describe = [&coordinator, id] {
      coordinator.manager().fire_due(id);  // as DescribeGroups: a session that ended is gone now
      return coordinator.manager().describe(id);
    };
    auto d = on_coordinator(coordinator, std::move(describe));
    if (!d) return json_response(503, {{"error", "group coordinator did not answer"}});
    auto collected = lag.collect_blocking(id, true);
    if (!collected) return json_response(503, {{"error", "group coordinator did not answer"}});
    const auto& rows = *collected;
    if (d->state == group::group_state::dead && d->members.empty() && rows.empty())
      return json_response(404, {{"error", "no such group"}, {"group", id}});

    json members = json::array();
    for (const auto& m : d->members) {
      members.push_back({{"member_id", m.member_id},
                         {"client_id", m.client_id},
                         {"host", m.client_host},
                         {"group_instance_id", m.instance_id ? json(*m.instance_id) : json(nullptr)},
                         {"assignment", decode_assignment(*d, m.assignment)},
                         {"assignment_bytes", m.assignment.size()}});
    }
    json offsets = json::array();
    std::int64_t total = 0;
    for (const auto& r : rows) {
      if (r.lag.lag > 0) total += r.lag.lag;
      offsets.push_back({{"topic", r.lag.topic},
                         {"partition", r.lag.partition},
                         {"committed_offset", r.lag.committed},
                         {"high_watermark", r.lag.high_watermark >= 0 ? json(r.lag.high_watermark) : json(nullptr)},
                         {"lag_records", r.lag.lag >= 0 ? json(r.lag.lag) : json(nullptr)},
                         {"lag_seconds", number_or_null(r.seconds)}});
    }
    json out = {{"id", id},
                {"state", group::state_name(d->state)},
                {"generation", d->generation},
                {"protocol_type", d->protocol_type},
                {"protocol", d->protocol_name},
                {"leader", d->leader},
                {"members", members},
                {"offsets", offsets},
                {"total_lag", total}};
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
