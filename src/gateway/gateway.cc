#include "gateway/gateway.h"

#include <spdlog/spdlog.h>

#include <charconv>

#include "gateway/gateway_impl.h"
#include "gateway/group_member.h"
#include "metrics/text_writer.h"
#include "storage/topic_name.h"

namespace sd::gateway {

using security::acl_operation;
using security::resource_type;

http::response json_error(int status, std::string_view code, std::string_view message, json extra) {
  json body = extra.is_object() ? std::move(extra) : json::object();
  body["error"] = message;
  body["code"] = code;
  return http::response{status, "application/json", body.dump(-1, ' ', false, json::error_handler_t::replace)};
}

http::response forbidden(std::string_view op, std::string_view rtype, std::string_view name) {
  return json_error(403, "forbidden",
                    "not authorized: " + std::string(op) + " on " + std::string(rtype) + " '" + std::string(name) + "'");
}

bool session_available(gateway::impl& g) {
  if (g.open_sessions < g.config.max_sessions) return true;
  g.probe.refused_sessions.inc();
  return false;
}

std::shared_ptr<const broker::topic_state> topic_for_read(gateway::impl& g, const http::request& req,
                                                          const std::string& name,
                                                          std::optional<http::response>& error) {
  if (!g.allowed(req, resource_type::topic, name, acl_operation::read)) {
    error = forbidden("READ", "TOPIC", name);
    return nullptr;
  }
  auto t = g.core.topics.find_topic(name);
  if (!t) error = json_error(404, "unknown_topic_or_partition", "no such topic: " + name);
  return t;
}

std::shared_ptr<const broker::topic_state> topic_for_write(gateway::impl& g, const http::request& req,
                                                           const std::string& name,
                                                           std::optional<http::response>& error) {
  if (!g.allowed(req, resource_type::topic, name, acl_operation::write)) {
    error = forbidden("WRITE", "TOPIC", name);
    return nullptr;
  }
  auto t = g.core.topics.find_topic(name);
  if (t) return t;
  if (!g.config.auto_create_topics) {
    error = json_error(404, "unknown_topic_or_partition", "no such topic: " + name);
    return nullptr;
  }
  if (!storage::is_valid_topic_name(name)) {
    error = json_error(400, "invalid_topic_exception", "not a valid topic name: " + name);
    return nullptr;
  }
  if (!g.may(req, resource_type::cluster, security::cluster_resource_name, acl_operation::create) &&
      !g.allowed(req, resource_type::topic, name, acl_operation::create)) {
    error = forbidden("CREATE", "TOPIC", name);
    return nullptr;
  }
  auto r = g.core.topics.create_topic(name, g.core.topics.config()->num_partitions, {}, false);
  if (!r.ok() && r.error != broker::kafka_error::topic_already_exists)
    spdlog::warn("auto-create of topic '{}' over HTTP failed: {}", name, r.message);
  t = g.core.topics.find_topic(name);
  if (!t) error = json_error(500, error_code_name(r.error), "could not create topic " + name + ": " + r.message);
  return t;
}

std::optional<int> parse_acks(const http::request& req) {
  auto it = req.query.find("acks");
  if (it == req.query.end() || it->second == "all" || it->second == "-1") return -1;
  if (it->second == "1" || it->second == "0") return 1;
  return std::nullopt;
}

std::string record_cursor(std::int32_t partition, std::int64_t offset) {
  return std::to_string(partition) + ":" + std::to_string(offset);
}

std::string stream_cursor(const std::map<std::int32_t, std::int64_t>& last_delivered) {
  std::string out;
  for (const auto& [p, o] : last_delivered) {
    if (!out.empty()) out += ',';
    out += record_cursor(p, o);
  }
  return out;
}

std::optional<std::map<std::int32_t, std::int64_t>> parse_cursor(std::string_view s) {
  std::map<std::int32_t, std::int64_t> out;
  if (s.empty()) return std::nullopt;
  while (!s.empty()) {
    auto comma = s.find(',');
    auto part = s.substr(0, comma);
    auto colon = part.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    std::int32_t p = 0;
    std::int64_t o = 0;
    auto a = std::from_chars(part.data(), part.data() + colon, p);
    auto b = std::from_chars(part.data() + colon + 1, part.data() + part.size(), o);
    if (a.ec != std::errc{} || a.ptr != part.data() + colon || b.ec != std::errc{} ||
        b.ptr != part.data() + part.size() || p < 0 || o < -1 || colon == 0)
      return std::nullopt;
    out[p] = o;
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
    if (s.empty()) return std::nullopt;
  }
  return out;
}

std::string record_text(const std::string& topic, std::int32_t partition, const protocol::record_view& r,
                        record_json::encoding enc) {
  auto text = [](const std::optional<sd::byte_span>& b) -> std::optional<std::string_view> {
    if (!b) return std::nullopt;
    return std::string_view(reinterpret_cast<const char*>(b->data()), b->size());
  };
  const std::string cursor = record_cursor(partition, r.offset);
  record_json::record_view_text v;
  v.topic = topic;
  v.partition = partition;
  v.offset = r.offset;
  v.timestamp_ms = r.timestamp;
  v.key = text(r.key);
  v.value = text(r.value);
  for (const auto& h : r.headers) v.headers.emplace_back(h.key, text(h.value).value_or(std::string_view{}));
  v.cursor = cursor;
  std::string out;
  out.reserve(128 + topic.size() + (r.key ? r.key->size() : 0) + (r.value ? r.value->size() : 0));
  record_json::append_json_line(out, v, enc);
  return out;
}

json to_json(const record_result& r) {
  if (r.error_code.empty())
    return json{{"partition", r.partition}, {"offset", r.offset}, {"cursor", record_cursor(r.partition, r.offset)}};
  json j{{"error_code", r.error_code}, {"error", r.message}};
  if (r.partition >= 0) j["partition"] = r.partition;
  return j;
}

std::optional<http::response> parse_consume_params(const http::request& req, const broker::topic_state& topic,
                                                   const std::string& cursor, consume_params& out) {
  if (auto it = req.query.find("encoding"); it != req.query.end()) {
    auto e = record_json::parse_encoding(it->second);
    if (!e) return json_error(400, "invalid_request", "encoding must be json or base64");
    out.enc = *e;
  }
  if (auto it = req.query.find("partition"); it != req.query.end()) {
    auto sp = parse_start_point(it->second);
    auto p = sp && sp->k == start_point::kind::offset && sp->value <= INT32_MAX
                 ? broker::partition_at(&topic, static_cast<std::int32_t>(sp->value))
                 : nullptr;
    if (!p) return json_error(404, "unknown_topic_or_partition", "topic " + topic.name + " has no partition " + it->second);
    out.parts.push_back(std::move(p));
  } else {
    out.parts = topic.partitions;
  }
  if (!cursor.empty()) {
    auto c = parse_cursor(cursor);
    if (!c) return json_error(400, "invalid_cursor", "not a cursor of this API: " + cursor);
    out.delivered = std::move(*c);
  }
  auto it_from = req.query.find("from");
  auto from = parse_start_point(it_from == req.query.end() ? "earliest" : it_from->second);
  if (!from) return json_error(400, "invalid_request", "from must be earliest, latest, an offset or @<epoch ms>");
  out.from = *from;
  return std::nullopt;
}

net::awaitable<std::vector<std::int64_t>> start_offsets(gateway::impl& g, const consume_params& params) {
  std::vector<std::int64_t> next(params.parts.size());
  for (std::size_t i = 0; i < params.parts.size(); ++i) {
    const auto& p = params.parts[i];
    auto d = params.delivered.find(p->id);
    // A cursor below the log start (retention removed those records) resumes at the log start.
    next[i] = d != params.delivered.end() ? std::max(d->second + 1, p->log_start.load(std::memory_order_acquire))
                                          : co_await resolve(g.core, p, params.from);
  }
  co_return next;
}

std::optional<http::response> parse_group_params(gateway::impl& g, const http::request& req, std::string& group,
                                                 std::int32_t& session_timeout_ms) {
  session_timeout_ms = 10000;
  const auto it_group = req.query.find("group");
  if (it_group == req.query.end()) return std::nullopt;
  if (it_group->second.empty()) return json_error(400, "invalid_request", "group must not be empty");
  if (!g.allowed(req, resource_type::group, it_group->second, acl_operation::read))
    return forbidden("READ", "GROUP", it_group->second);
  if (!g.core.groups) return json_error(503, "coordinator_not_available", "no group coordinator");
  if (auto it = req.query.find("session_timeout_ms"); it != req.query.end()) {
    auto sp = parse_start_point(it->second);
    if (!sp || sp->k != start_point::kind::offset || sp->value > 3600000)
      return json_error(400, "invalid_request", "session_timeout_ms must be a number of milliseconds");
    session_timeout_ms = static_cast<std::int32_t>(sp->value);
  }
  group = it_group->second;
  return std::nullopt;
}

std::unique_ptr<group_member> make_member(gateway::impl& g, const std::string& group, const std::string& topic,
                                          const http::request& req, std::int32_t session_timeout_ms) {
  if (group.empty()) return nullptr;
  auto& topics = g.core.topics;
  return std::make_unique<group_member>(
      *g.core.groups,
      [&topics](const std::string& t) {
        auto ts = topics.find_topic(t);
        return ts ? static_cast<std::int32_t>(ts->partitions.size()) : 0;
      },
      group, std::vector<std::string>{topic}, req.peer_host, session_timeout_ms);
}

net::awaitable<void> adopt_assignment(gateway::impl& g, group_member& member, const std::string& topic,
                                      const std::map<std::int32_t, std::int64_t>& client_cursor, consume_params& out) {
  auto current = g.core.topics.find_topic(topic);
  out.parts.clear();
  std::vector<group::topic_partition> tps;
  for (const auto& tp : member.assignment())
    if (auto p = broker::partition_at(current.get(), tp.partition)) {
      out.parts.push_back(p);
      tps.push_back(tp);
    }
  auto committed = co_await member.committed(tps);
  out.delivered.clear();
  for (std::size_t i = 0; i < tps.size(); ++i) {
    auto own = client_cursor.find(tps[i].partition);
    if (own != client_cursor.end()) out.delivered[tps[i].partition] = own->second;
    else if (committed[i] >= 0) out.delivered[tps[i].partition] = committed[i] - 1;
  }
}

std::optional<http::response> parse_input_encodings(const http::request& req, record_json::body_defaults& defaults) {
  for (auto [param, target] : {std::pair{"key_encoding", &defaults.key_encoding},
                               std::pair{"value_encoding", &defaults.value_encoding}}) {
    if (auto it = req.query.find(param); it != req.query.end()) {
      auto e = record_json::parse_encoding(it->second);
      if (!e) return json_error(400, "invalid_request", std::string(param) + " must be json or base64");
      *target = *e;
    }
  }
  return std::nullopt;
}

http::response too_many_sessions(const gateway::impl& g) {
  return json_error(503, "too_many_sessions", "the broker has its maximum of streaming sessions open",
                    json{{"max_sessions", g.config.max_sessions}});
}

http::websocket_options ws_options(const gateway::impl& g) {
  http::websocket_options wo;
  wo.max_message_bytes = g.config.ws_max_message_bytes;
  wo.idle_timeout = g.config.idle_timeout;
  wo.write_timeout = g.config.write_timeout;
  return wo;
}

gateway::gateway(broker::broker_core& core, net::memory_budget& budget, gateway_config config, access_fn allowed,
                 may_fn may)
    : _impl(std::make_unique<impl>(core, budget, config, std::move(allowed), std::move(may))) {}

gateway::~gateway() = default;

void gateway::register_routes(http::http_server& http) {
  auto& g = *_impl;
  http.route_stream("POST", "/v1/topics/{}/records",
                    [&g](const http::request& r, http::stream_io& io) { return handle_produce(g, r, io); },
                    http::body_mode::streamed);
  http.route_stream("POST", "/topics/{}",
                    [&g](const http::request& r, http::stream_io& io) { return handle_confluent_produce(g, r, io); });
  http.route_stream("GET", "/v1/topics/{}/partitions/{}/records",
                    [&g](const http::request& r, http::stream_io& io) { return handle_partition_read(g, r, io); });
  http.route_stream("GET", "/v1/topics/{}/events",
                    [&g](const http::request& r, http::stream_io& io) { return handle_events(g, r, io); });
  http.route_stream("GET", "/v1/ws/consume",
                    [&g](const http::request& r, http::stream_io& io) { return handle_ws_consume(g, r, io); });
  http.route_stream("GET", "/v1/ws/produce",
                    [&g](const http::request& r, http::stream_io& io) { return handle_ws_produce(g, r, io); });
  register_admin_routes(g, http);
}

void gateway::collect(metrics::text_writer& w) const { _impl->probe.collect(w); }

}  // namespace sd::gateway
