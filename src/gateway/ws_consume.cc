// WebSocket consume with credit: GET /v1/ws/consume?topic=T[&partition=P][&from=...][&cursor=C][&encoding=...]
// The client grants records with {"credit":N} (grants add up); the server sends one record JSON per message
// and never more than granted, and nothing else. {"commit":cursor} needs a group session. Anything else, a
// grant that would leave more than 1,000,000 outstanding, or a message over the limit closes the socket
// (1008 policy, 1009 too big) with a reason; a topic deleted under the session closes it with 4404.
// At most one read of the log (streamdown.http.stream.inflight.bytes, leased from the memory budget) and one
// message in the socket at a time: a client that stops reading holds nothing more, and after the write
// timeout it is disconnected.
#include <spdlog/spdlog.h>

#include <charconv>

#include "gateway/gateway_impl.h"

namespace sd::gateway {
namespace {

constexpr std::int64_t max_outstanding_credit = 1'000'000;
constexpr std::size_t records_per_read = 1000;

struct consume_state {
  std::int64_t credit = 0;
  bool closed = false;                       // the socket is done (peer, error or a close we decided)
  std::uint16_t close_code = 0;              // non-zero: send this close frame
  std::string close_text;
  close_reason why = close_reason::client_closed;
  std::shared_ptr<net::async_event> wake;    // the writer's current wait
  std::shared_ptr<net::async_event> reader_done;
  void poke() {
    if (wake) wake->set();
  }
  void fail(std::uint16_t code, std::string text, close_reason r) {
    if (closed) return;
    closed = true;
    close_code = code;
    close_text = std::move(text);
    why = r;
    poke();
  }
};

/// Reads the client's messages until the socket ends or a message breaks the protocol.
net::awaitable<void> read_grants(http::websocket_io& ws, std::shared_ptr<consume_state> st, stream_probe& probe) {
  while (!st->closed) {
    auto msg = co_await ws.read();
    if (!msg) {
      const auto& r = ws.end_reason();
      if (!st->closed) {
        st->closed = true;
        st->why = r == "too_big" ? close_reason::too_big : r == "idle" ? close_reason::idle : close_reason::client_closed;
        st->poke();
      }
      co_return;
    }
    auto j = json::parse(*msg, nullptr, false);
    if (j.is_object() && j.size() == 1 && j.contains("credit")) {
      const auto& c = j["credit"];
      if (!c.is_number_integer() || c.get<std::int64_t>() < 0 ||
          st->credit + c.get<std::int64_t>() > max_outstanding_credit) {
        st->fail(1008, "credit must be an integer >= 0 leaving at most 1000000 outstanding", close_reason::bad_message);
        co_return;
      }
      st->credit += c.get<std::int64_t>();
      probe.credit_outstanding.add(c.get<std::int64_t>());
      st->poke();
      continue;
    }
    if (j.is_object() && j.contains("commit")) {
      st->fail(1008, "commit needs a group session (?group=)", close_reason::bad_message);
      co_return;
    }
    st->fail(1008, "expected {\"credit\":N}", close_reason::bad_message);
    co_return;
  }
}

}  // namespace

net::awaitable<std::optional<http::response>> handle_ws_consume(gateway::impl& g, const http::request& req,
                                                                http::stream_io& io) {
  auto it_topic = req.query.find("topic");
  if (it_topic == req.query.end() || it_topic->second.empty())
    co_return json_error(400, "invalid_request", "topic is required");
  const std::string name = it_topic->second;
  if (!io.is_websocket_upgrade()) co_return json_error(426, "upgrade_required", "this endpoint is a WebSocket");
  if (req.query.contains("group"))
    co_return json_error(501, "not_implemented", "group sessions over WebSocket are not available yet");
  std::optional<http::response> error;
  auto topic = topic_for_read(g, req, name, error);
  if (!topic) co_return std::move(*error);
  auto it_cursor = req.query.find("cursor");
  consume_params params;
  if (auto bad = parse_consume_params(req, *topic, it_cursor == req.query.end() ? std::string() : it_cursor->second,
                                      params))
    co_return std::move(*bad);
  if (!session_available(g)) co_return too_many_sessions(g);
  session_slot slot(g, session_kind::ws_consume);
  auto& parts = params.parts;
  const auto enc = params.enc;
  auto next = co_await start_offsets(g, params);

  auto ws = co_await io.accept_websocket(ws_options(g));
  if (!ws) {
    g.probe.closed(session_kind::ws_consume, close_reason::client_closed);
    co_return std::nullopt;
  }

  auto ex = co_await net::asio::this_coro::executor;
  auto st = std::make_shared<consume_state>();
  st->reader_done = std::make_shared<net::async_event>(ex);
  net::asio::co_spawn(ex, read_grants(*ws, st, g.probe), [st](std::exception_ptr) { st->reader_done->set(); });

  std::vector<std::int64_t> seen_hw(parts.size(), -1);
  std::size_t round = 0;
  while (!st->closed) {
    if (st->credit == 0) {
      st->wake = std::make_shared<net::async_event>(ex);
      co_await st->wake->wait();
      continue;
    }
    bool any = false;
    for (std::size_t k = 0; k < parts.size() && !st->closed && st->credit > 0; ++k) {
      const std::size_t i = (round + k) % parts.size();
      auto lease = co_await g.budget.acquire(g.config.inflight_bytes);
      auto got = co_await read_records(g.core, parts[i], next[i], g.config.inflight_bytes,
                                       std::min<std::size_t>(records_per_read, static_cast<std::size_t>(st->credit)));
      seen_hw[i] = got.high_watermark;
      // A batch larger than the in-flight bytes is still read whole (a consumer must progress): lease the rest.
      net::budget_lease over;
      if (got.bytes > lease.bytes()) over = co_await g.budget.acquire(std::min(got.bytes - lease.bytes(), g.budget.capacity()));
      if (got.error == broker::kafka_error::offset_out_of_range && next[i] < got.log_start_offset) {
        next[i] = got.log_start_offset;
        any = true;
        continue;
      }
      if (got.error != broker::kafka_error::none) {
        const bool gone = got.error == broker::kafka_error::unknown_topic_or_partition;
        st->fail(gone ? 4404 : 1011, gone ? "the topic or partition was deleted" : "read failed: " + error_code_name(got.error),
                 gone ? close_reason::topic_gone : close_reason::error);
        break;
      }
      if (got.next_offset != next[i]) any = true;
      g.probe.buffered_bytes.add(static_cast<std::int64_t>(got.bytes));
      for (const auto& r : got.records) {
        if (st->closed || st->credit == 0) break;
        auto text = record_text(name, parts[i]->id, r, enc);
        if (!co_await ws->write(text)) {
          if (!st->closed) {
            st->closed = true;
            st->why = close_reason::slow_reader;
          }
          break;
        }
        next[i] = r.offset + 1;
        --st->credit;
        g.probe.credit_outstanding.add(-1);
        g.probe.records_sent(session_kind::ws_consume).inc();
        g.probe.bytes_sent(session_kind::ws_consume).inc(text.size());
        parts[i]->records_out.inc();
      }
      g.probe.buffered_bytes.add(-static_cast<std::int64_t>(got.bytes));
      // Every record of the read was sent: skip past control batches and the read's end as well.
      if (!st->closed && st->credit >= 0 && (got.records.empty() || next[i] == got.records.back().offset + 1))
        next[i] = std::max(next[i], got.next_offset);
    }
    ++round;
    if (st->closed || any) continue;
    st->wake = std::make_shared<net::async_event>(ex);
    co_await wait_for_appends(parts, seen_hw, net::asio::steady_timer::time_point::max(), st->wake);
  }
  g.probe.credit_outstanding.add(-st->credit);
  g.probe.closed(session_kind::ws_consume, st->why);
  if (st->close_code) co_await ws->close(st->close_code, st->close_text);
  else ws->abort();
  co_await st->reader_done->wait();
  co_return std::nullopt;
}

}  // namespace sd::gateway
