// The `http` source: POST /v1/topics/{topic}/records in the record_json shape (JSON array, NDJSON, raw body),
// answered only after the spool holds the records (spool.sync = always: on disk; interval: written, synced
// within spool.sync.interval.ms), one result per record in order. Served on the relay's http.addr, or on the
// source's own `listen` address when set.
//
// Answers: 200 with {"results":[{"seq":N} | {"error":...}, ...]} (a record that cannot be read is an error in its
// place; the others are written); 400 when the body is unreadable or no record is valid; 413 past
// http.max.body.bytes; 429 with Retry-After when the spool is full under spool.when.full = block (nothing
// written: retry the whole request); 503 when the spool cannot write.
//
// Idempotency-Key: a request carrying one is written once; a retry with the same key gets the first answer
// (kept for the last 10000 keys, in memory: a relay restart forgets them) or 409 while the first is in progress.

#include <spdlog/spdlog.h>

#include <cctype>
#include <chrono>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "base/log_limiter.h"
#include "http/http_server.h"
#include "http/idempotency_cache.h"
#include "record_json/record_json.h"
#include "relay/sources/sources.h"
#include "spool/errc.h"

namespace sd::relay {
namespace {

using json = nlohmann::json;

bool valid_topic(std::string_view t) {
  if (t.empty() || t.size() > 249 || t == "." || t == "..") return false;
  for (char c : t)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) return false;
  return true;
}

http::response json_response(int status, const json& body) { return {status, "application/json", body.dump(), {}}; }

class http_source final : public source {
 public:
  http_source(source_config cfg, source_context& ctx) : source(std::move(cfg)), _ctx(ctx) {}

  void start() override {
    http::http_server* server = _ctx.relay_http;
    if (!_cfg.listen.empty()) {
      http::http_limits limits;
      limits.body_bytes = _ctx.http_max_body_bytes;
      _own = std::make_unique<http::http_server>(limits);
      auto colon = _cfg.listen.rfind(':');
      auto ep = _own->listen(_cfg.listen.substr(0, colon), static_cast<std::uint16_t>(std::stoi(_cfg.listen.substr(colon + 1))));
      _bound = ep.address().to_string() + ":" + std::to_string(ep.port());
      _own->get("/v1/health", [](const http::request&) { return http::response{200, "application/json", R"({"status":"ok"})", {}}; });
      server = _own.get();
    }
    if (server == nullptr) throw std::runtime_error("http source " + _cfg.name + ": no HTTP server to serve on");
    server->route_prefix_async("POST", "/v1/topics/", [this](http::request req, http::reply_fn reply) {
      handle(std::move(req), std::move(reply));
    });
    if (_own) _own->start();
  }

  void stop() override {
    if (_own) _own->stop();
  }

  std::string bound_address() const override { return _bound; }

 private:
  void handle(http::request req, http::reply_fn reply) {
    // /v1/topics/{topic}/records
    const std::string_view rest = std::string_view(req.path).substr(std::string_view("/v1/topics/").size());
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos || rest.substr(slash) != "/records")
      return reply(json_response(404, {{"error", "not found"}}));
    const std::string topic(rest.substr(0, slash));
    if (!valid_topic(topic)) return reply(json_response(400, {{"error", "invalid topic name '" + topic + "'"}}));

    const std::string idem_key = req.header("idempotency-key");
    if (!idem_key.empty()) {
      http::response previous;
      switch (_idempotency.claim(topic + "\n" + idem_key, previous)) {
        case http::idempotency_cache::state::done: return reply(previous);
        case http::idempotency_cache::state::in_progress:
          return reply(json_response(409, {{"error", "a request with this Idempotency-Key is in progress"}}));
        case http::idempotency_cache::state::absent: break;
      }
      reply = [this, key = topic + "\n" + idem_key, inner = std::move(reply)](http::response r) {
        _idempotency.finish(key, r);
        inner(std::move(r));
      };
    }

    record_json::body_defaults defaults;
    for (auto [param, target] : {std::pair{"key_encoding", &defaults.key_encoding}, std::pair{"value_encoding", &defaults.value_encoding}}) {
      auto it = req.query.find(param);
      if (it == req.query.end()) continue;
      auto e = record_json::parse_encoding(it->second);
      if (!e) return reply(json_response(400, {{"error", std::string(param) + " must be json or base64"}}));
      *target = *e;
    }
    auto body = record_json::parse_body(req.header("content-type"), req.body, defaults);
    if (!body.error.empty()) {
      _stats.rejected_total.fetch_add(1, std::memory_order_relaxed);
      return reply(json_response(400, {{"error", body.error}}));
    }
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
    std::vector<spool::record> records;
    std::vector<int> slot;  // per item: index into records, or -1
    std::uint64_t bytes = 0;
    for (auto& item : body.items) {
      auto* r = std::get_if<record_json::record>(&item);
      if (r == nullptr) {
        slot.push_back(-1);
        continue;
      }
      spool::record s;
      s.timestamp_ms = r->timestamp_ms.value_or(now_ms);
      s.topic = topic;
      s.partition = r->partition;
      s.key = std::move(r->key);
      s.value = std::move(r->value);
      s.headers = std::move(r->headers);
      bytes += (s.key ? s.key->size() : 0) + (s.value ? s.value->size() : 0);
      slot.push_back(static_cast<int>(records.size()));
      records.push_back(std::move(s));
    }
    const auto invalid = static_cast<std::uint64_t>(body.items.size() - records.size());
    _stats.received_total.fetch_add(body.items.size(), std::memory_order_relaxed);
    _stats.rejected_total.fetch_add(invalid, std::memory_order_relaxed);
    auto results_with = [items = std::move(body.items), slot](std::uint64_t first_seq) {
      json results = json::array();
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (slot[i] < 0) results.push_back({{"error", std::get<record_json::item_error>(items[i]).message}});
        else if (first_seq == 0) results.push_back({{"dropped", true}});  // drop_newest discarded it
        else results.push_back({{"seq", first_seq + static_cast<std::uint64_t>(slot[i])}});
      }
      return results;
    };
    if (records.empty()) return reply(json_response(400, {{"error", "no valid record"}, {"results", results_with(0)}}));
    const auto n = static_cast<std::int64_t>(records.size());
    _stats.in_flight.fetch_add(n, std::memory_order_relaxed);
    _ctx.spool.append(std::move(records), [this, n, bytes, results_with = std::move(results_with),
                                           reply = std::move(reply)](result<std::uint64_t> r) mutable {
      _stats.in_flight.fetch_sub(n, std::memory_order_relaxed);
      if (r) {
        _stats.appended_total.fetch_add(static_cast<std::uint64_t>(n), std::memory_order_relaxed);
        _stats.bytes_total.fetch_add(bytes, std::memory_order_relaxed);
        return reply(json_response(200, {{"results", results_with(*r)}}));
      }
      if (r.error() == spool::errc::full) {
        _stats.backpressure_total.fetch_add(1, std::memory_order_relaxed);
        auto res = json_response(429, {{"error", "the relay's spool is full; retry later"}});
        res.headers.emplace_back("Retry-After", "1");
        return reply(std::move(res));
      }
      if (r.error() == spool::errc::record_too_large) {
        _stats.rejected_total.fetch_add(static_cast<std::uint64_t>(n), std::memory_order_relaxed);
        return reply(json_response(413, {{"error", "the request (or a record in it) is larger than the spool can hold; send fewer records per request"}}));
      }
      _stats.errors_total.fetch_add(1, std::memory_order_relaxed);
      if (_log_limit.admit()) spdlog::error("relay http source {}: spool append failed: {}", _cfg.name, r.error().message());
      return reply(json_response(503, {{"error", "the relay cannot store records: " + r.error().message()}}));
    });
  }

  source_context& _ctx;
  std::unique_ptr<http::http_server> _own;
  std::string _bound;
  http::idempotency_cache _idempotency;
  log_limiter _log_limit;
};

}  // namespace

std::unique_ptr<source> make_http_source(source_config cfg, source_context& ctx) {
  return std::make_unique<http_source>(std::move(cfg), ctx);
}

}  // namespace sd::relay
