// WebSocket produce with server-granted credit: GET /v1/ws/produce?topic=T[&acks=all|1][&window=N]
//   [&key_encoding=..][&value_encoding=..]
// The server opens with {"credit":N} (window, default 1000 records). The client sends one record per message
// (record_json's shape) and never more than granted; the server appends what has arrived as batches, answers
// each record in order with {"partition","offset","cursor"} or {"error_code","error"}, then grants as much
// credit as it answered. A fast sender is thereby paced by the log, not buffered: besides the record credit,
// the session stops reading its socket while more than 4x streamdown.http.stream.inflight.bytes of records wait
// (each message's bytes are leased from the memory budget until its append is answered).
// Sending beyond the credit, or a message that is not one JSON record object, closes the socket with 1008.
#include <deque>

#include "gateway/gateway_impl.h"

namespace sd::gateway {
namespace {

struct pending_record {
  record_json::item item;
  net::budget_lease lease;
};

struct produce_state {
  std::int64_t credit = 0;  // granted and not yet used by the client
  std::deque<pending_record> pending;
  std::size_t pending_bytes = 0;
  bool closed = false;
  std::uint16_t close_code = 0;
  std::string close_text;
  close_reason why = close_reason::client_closed;
  std::shared_ptr<net::async_event> arrived;  // the appender's current wait
  std::shared_ptr<net::async_event> drained;  // the reader's current wait (byte bound)
  std::shared_ptr<net::async_event> reader_done;
  void poke_appender() {
    if (arrived) arrived->set();
  }
  void fail(std::uint16_t code, std::string text, close_reason r) {
    if (closed) return;
    closed = true;
    close_code = code;
    close_text = std::move(text);
    why = r;
    poke_appender();
  }
};

net::awaitable<void> read_records_from_client(http::websocket_io& ws, std::shared_ptr<produce_state> st,
                                              net::memory_budget& budget, record_json::body_defaults defaults,
                                              std::size_t byte_bound) {
  auto ex = co_await net::asio::this_coro::executor;
  while (!st->closed) {
    while (st->pending_bytes >= byte_bound && !st->closed) {
      st->drained = std::make_shared<net::async_event>(ex);
      co_await st->drained->wait();
    }
    if (st->closed) break;
    auto msg = co_await ws.read();
    if (!msg) {
      if (!st->closed) {
        st->closed = true;
        st->why = ws.end_reason() == "too_big" ? close_reason::too_big
                  : ws.end_reason() == "idle"  ? close_reason::idle
                                               : close_reason::client_closed;
        st->poke_appender();
      }
      break;
    }
    if (st->credit <= 0) {
      st->fail(1008, "credit exceeded: wait for {\"credit\":N} before sending more records", close_reason::bad_message);
      break;
    }
    auto item = record_json::parse_record_text(*msg, defaults);
    if (std::holds_alternative<record_json::item_error>(item)) {
      st->fail(1008, "not a record: " + std::get<record_json::item_error>(item).message, close_reason::bad_message);
      break;
    }
    auto lease = co_await budget.acquire(std::min(msg->size(), budget.capacity()));
    --st->credit;
    st->pending_bytes += msg->size();
    st->pending.push_back({std::move(item), std::move(lease)});
    st->poke_appender();
  }
  if (st->drained) st->drained->set();
}

}  // namespace

net::awaitable<std::optional<http::response>> handle_ws_produce(gateway::impl& g, const http::request& req,
                                                                http::stream_io& io) {
  auto it_topic = req.query.find("topic");
  if (it_topic == req.query.end() || it_topic->second.empty())
    co_return json_error(400, "invalid_request", "topic is required");
  const std::string name = it_topic->second;
  if (!io.is_websocket_upgrade()) co_return json_error(426, "upgrade_required", "this endpoint is a WebSocket");
  auto acks = parse_acks(req);
  if (!acks) co_return json_error(400, "invalid_request", "acks must be all, -1, 1 or 0");
  std::int64_t window = 1000;
  if (auto it = req.query.find("window"); it != req.query.end()) {
    auto sp = parse_start_point(it->second);
    if (!sp || sp->k != start_point::kind::offset || sp->value < 1 || sp->value > 100000)
      co_return json_error(400, "invalid_request", "window must be a number in [1, 100000]");
    window = sp->value;
  }
  record_json::body_defaults defaults;
  if (auto bad = parse_input_encodings(req, defaults)) co_return std::move(*bad);
  std::optional<http::response> error;
  auto topic = topic_for_write(g, req, name, error);
  if (!topic) co_return std::move(*error);
  if (!session_available(g)) co_return too_many_sessions(g);
  session_slot slot(g, session_kind::ws_produce);

  auto ws = co_await io.accept_websocket(ws_options(g));
  if (!ws) {
    g.probe.closed(session_kind::ws_produce, close_reason::client_closed);
    co_return std::nullopt;
  }
  auto ex = co_await net::asio::this_coro::executor;
  auto st = std::make_shared<produce_state>();
  st->reader_done = std::make_shared<net::async_event>(ex);
  st->credit = window;
  const std::string first_grant = "{\"credit\":" + std::to_string(window) + "}";
  bool writable = co_await ws->write(first_grant);
  if (writable) writable = co_await ws->flush();
  net::asio::co_spawn(ex,
                      read_records_from_client(*ws, st, g.budget, defaults, 4 * g.config.inflight_bytes),
                      [st](std::exception_ptr) { st->reader_done->set(); });

  for (;;) {
    if (st->pending.empty()) {
      if (st->closed) break;
      st->arrived = std::make_shared<net::async_event>(ex);
      co_await st->arrived->wait();
      continue;
    }
    // Everything that has arrived goes as one request; its leases are held until it is answered.
    std::vector<record_json::item> items;
    std::vector<net::budget_lease> leases;
    items.reserve(st->pending.size());
    for (auto& p : st->pending) {
      items.push_back(std::move(p.item));
      leases.push_back(std::move(p.lease));
    }
    st->pending.clear();
    st->pending_bytes = 0;
    if (st->drained) st->drained->set();
    // The topic may have been deleted meanwhile: look it up again (its partitions, not a stale snapshot).
    auto current = g.core.topics.find_topic(name);
    std::vector<record_result> results;
    if (current) {
      results = co_await produce_items(g, *current, items, *acks);
      g.probe.produce_requests.inc();
    } else {
      results.resize(items.size());
      for (auto& r : results) {
        r.error_code = "unknown_topic_or_partition";
        r.message = "the topic was deleted";
      }
    }
    leases.clear();
    for (const auto& r : results) {
      if (!writable) break;
      auto text = to_json(r).dump(-1, ' ', false, json::error_handler_t::replace);
      writable = co_await ws->write(text);
      if (writable) {
        g.probe.records_sent(session_kind::ws_produce).inc();
        g.probe.bytes_sent(session_kind::ws_produce).inc(text.size());
      }
    }
    if (writable && !st->closed) {
      st->credit += static_cast<std::int64_t>(results.size());
      const std::string grant = "{\"credit\":" + std::to_string(results.size()) + "}";
      writable = co_await ws->write(grant);
    }
    if (writable) writable = co_await ws->flush();
    if (!writable && !st->closed) {
      st->closed = true;
      st->why = close_reason::slow_reader;
      if (st->drained) st->drained->set();
    }
  }
  g.probe.closed(session_kind::ws_produce, st->why);
  if (st->close_code && writable) co_await ws->close(st->close_code, st->close_text);
  else ws->abort();
  co_await st->reader_done->wait();
  co_await ws->quiesce();
  co_return std::nullopt;
}

}  // namespace sd::gateway
