#pragma once
// The gateway's shared state and the helpers its route files use (internal to src/gateway).

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "gateway/gateway.h"
#include "gateway/log_io.h"
#include "gateway/probe.h"
#include "http/idempotency_cache.h"
#include "protocol/record_batch.h"
#include "record_json/record_json.h"

namespace sd::gateway {

using json = nlohmann::json;

/// The most records a streaming session reads from one partition in one step.
constexpr std::size_t records_per_read = 1000;

struct gateway::impl {
  impl(broker::broker_core& c, net::memory_budget& b, gateway_config cfg, access_fn a, may_fn m)
      : core(c), budget(b), config(cfg), allowed(std::move(a)), may(std::move(m)) {}
  broker::broker_core& core;
  net::memory_budget& budget;
  gateway_config config;
  access_fn allowed;
  may_fn may;
  stream_probe probe;
  std::size_t open_sessions = 0;     // HTTP event loop only
  std::uint32_t keyless_rotation = 0;  // HTTP event loop only: the partition of the next keyless request
  http::idempotency_cache idempotency;  // Idempotency-Key of HTTP produce (principal, topic, key)
};

/// Registers admin.cc's routes (topic create/delete/alter, group offset reset).
void register_admin_routes(gateway::impl& g, http::http_server& http);

/// {"error": message, "code": code, ...extra} with the status.
http::response json_error(int status, std::string_view code, std::string_view message, json extra = json::object());
http::response forbidden(std::string_view op, std::string_view rtype, std::string_view name);

/// An open streaming session's slot: counted against max_sessions and in the sessions gauge while alive.
class session_slot {
 public:
  session_slot(gateway::impl& g, session_kind k) : _g(&g), _k(k) {
    ++_g->open_sessions;
    _g->probe.sessions(k).add(1);
  }
  ~session_slot() {
    --_g->open_sessions;
    _g->probe.sessions(_k).add(-1);
  }
  session_slot(const session_slot&) = delete;
  session_slot& operator=(const session_slot&) = delete;

 private:
  gateway::impl* _g;
  session_kind _k;
};

/// Whether a new session may open (else the caller answers 503 and counts it).
bool session_available(gateway::impl& g);

/// Looks the topic up for reading: READ on it first (403), then existence (404). Sets `error` on failure.
std::shared_ptr<const broker::topic_state> topic_for_read(gateway::impl& g, const http::request& req,
                                                          const std::string& name, std::optional<http::response>& error);

// Cursors. A record's cursor is "<partition>:<offset>". A stream's cursor (SSE event ids, WebSocket sessions)
// is the last delivered offset of every partition seen so far, "<p>:<offset>,<p>:<offset>,..." in partition
// order; resuming from it starts each listed partition right after its offset.
std::string record_cursor(std::int32_t partition, std::int64_t offset);
std::string stream_cursor(const std::map<std::int32_t, std::int64_t>& last_delivered);
/// Parses either form into partition -> last delivered offset; nullopt when malformed.
std::optional<std::map<std::int32_t, std::int64_t>> parse_cursor(std::string_view s);

/// One consumed record as the HTTP API prints it (record_json's shape plus "cursor").
std::string record_text(const std::string& topic, std::int32_t partition, const protocol::record_view& r,
                        record_json::encoding enc);

/// What a produced record became.
struct record_result {
  std::int32_t partition = -1;
  std::int64_t offset = -1;
  std::string error_code;  // empty: written
  std::string message;
};
json to_json(const record_result& r);

/// Partitions, batches and appends parsed records to `topic` (which the caller may WRITE), in order. Items
/// that are parse errors, name a missing partition or are too large on their own get an error result; the
/// others are appended (acks as in log_io). Records without a partition go by murmur2 of the key (Kafka's
/// default), keyless ones all to one partition per call, rotating between calls.
net::awaitable<std::vector<record_result>> produce_items(gateway::impl& g, const broker::topic_state& topic,
                                                         const std::vector<record_json::item>& items, int acks);

/// Produces an NDJSON request body as it arrives (body_mode::streamed), slice by slice: each slice is what
/// arrived while the previous one was appended (at most ~1 MiB), and its results are written before the next is
/// read, so memory stays bounded whatever the body's length and the client reads results while it sends. The
/// answer is the non-streamed shape, chunked, one result per line, the separator leading the line:
/// `{"topic":T,"results":[` / `{...}` / `,{...}` / ... / `],"errors":N}` (plus "error":{code,message} when the
/// body broke off). A line longer than the HTTP body limit
/// is one invalid_record result.
net::awaitable<std::optional<http::response>> produce_streamed(gateway::impl& g, const broker::topic_state& topic,
                                                               const std::string& name, http::stream_io& io,
                                                               record_json::body_defaults defaults, int acks);
/// Reads a streamed-mode request body whole into `out`; the answer to send instead (413 past the HTTP body
/// limit, 400 when the body broke off), if any.
net::awaitable<std::optional<http::response>> read_whole_body(gateway::impl& g, http::stream_io& io,
                                                              std::string& out);

/// Finds the topic for writing: WRITE (403); if missing, auto-creates it when enabled and CREATE is granted on
/// the cluster or the topic (as Metadata does), else 404.
std::shared_ptr<const broker::topic_state> topic_for_write(gateway::impl& g, const http::request& req,
                                                           const std::string& name,
                                                           std::optional<http::response>& error);

/// `acks` query value: all|-1 -> -1, 1 -> 1, 0 -> 1 (always answered); nullopt when invalid.
std::optional<int> parse_acks(const http::request& req);

/// What a streaming consumer asked for: ?encoding=, ?partition= (else every partition), a cursor to resume
/// from, and ?from= (default earliest) for the partitions the cursor does not name.
struct consume_params {
  record_json::encoding enc = record_json::encoding::json;
  std::vector<broker::partition_ptr> parts;
  std::map<std::int32_t, std::int64_t> delivered;  // from the cursor: last delivered offset per partition
  start_point from;
};
/// Parses the above; `cursor` is the resume token the endpoint takes (Last-Event-ID or ?cursor=), may be empty.
/// Returns the error answer, if any.
std::optional<http::response> parse_consume_params(const http::request& req, const broker::topic_state& topic,
                                                   const std::string& cursor, consume_params& out);
/// Where each of out.parts starts: right after its cursor offset (never below the log start), else `from`.
net::awaitable<std::vector<std::int64_t>> start_offsets(gateway::impl& g, const consume_params& params);

class group_member;
/// ?group= (READ on it, 403) and ?session_timeout_ms= (default 10000). `group` stays empty without the
/// parameter. Returns the error answer, if any.
std::optional<http::response> parse_group_params(gateway::impl& g, const http::request& req, std::string& group,
                                                 std::int32_t& session_timeout_ms);
/// The group member of a session (nullptr without a group).
std::unique_ptr<group_member> make_member(gateway::impl& g, const std::string& group, const std::string& topic,
                                          const http::request& req, std::int32_t session_timeout_ms);
/// After a (re)join: out.parts become `member`'s partitions of `topic`, and out.delivered the client's own
/// positions (`client_cursor`, e.g. a Last-Event-ID) where it names the partition, else the group's committed
/// offsets; start_offsets() then says where each partition starts.
net::awaitable<void> adopt_assignment(gateway::impl& g, group_member& member, const std::string& topic,
                                      const std::map<std::int32_t, std::int64_t>& client_cursor, consume_params& out);

/// ?key_encoding= and ?value_encoding= into `defaults`; the error answer, if any.
std::optional<http::response> parse_input_encodings(const http::request& req, record_json::body_defaults& defaults);
/// The 503 answer when max_sessions are open.
http::response too_many_sessions(const gateway::impl& g);
/// The WebSocket limits from the config.
http::websocket_options ws_options(const gateway::impl& g);

/// Route handlers (one file each).
net::awaitable<std::optional<http::response>> handle_produce(gateway::impl& g, const http::request& req,
                                                             http::stream_io& io);
net::awaitable<std::optional<http::response>> handle_confluent_produce(gateway::impl& g, const http::request& req,
                                                                       http::stream_io& io);
net::awaitable<std::optional<http::response>> handle_partition_read(gateway::impl& g, const http::request& req,
                                                                    http::stream_io& io);
net::awaitable<std::optional<http::response>> handle_events(gateway::impl& g, const http::request& req,
                                                            http::stream_io& io);
net::awaitable<std::optional<http::response>> handle_ws_consume(gateway::impl& g, const http::request& req,
                                                                http::stream_io& io);
net::awaitable<std::optional<http::response>> handle_ws_produce(gateway::impl& g, const http::request& req,
                                                                http::stream_io& io);

}  // namespace sd::gateway
