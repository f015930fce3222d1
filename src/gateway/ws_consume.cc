// WebSocket consume with credit:
//   GET /v1/ws/consume?topic=T[&group=G[&session_timeout_ms=S]][&partition=P][&from=...][&cursor=C][&encoding=...]
// The client grants records with {"credit":N} (grants add up); the server sends one record JSON per message
// and never more than granted. With a group the session is a member of that consumer group (group_member.h:
// the same coordinator and protocol as Kafka clients, so it shares partitions with them): it reads only its
// assigned partitions, each from the group's committed offset (else `from`), rejoins when the group rebalances,
// and leaves when the socket ends. {"commit":cursor} (a record's or a stream cursor) commits the offsets after
// those records and is answered {"committed":cursor} or {"commit_error":code,"cursor":cursor}: the only
// messages besides records, and only when asked. Anything else, a grant that would leave more than 1,000,000
// outstanding, or a message over the limit closes the socket (1008 policy, 1009 too big) with a reason; a topic
// deleted under the session closes it with 4404, a failed group join with 4409.
// At most one read of the log (streamdown.http.stream.inflight.bytes, leased from the memory budget) and one
// message in the socket at a time: a client that stops reading holds nothing more, and after the write
// timeout it is disconnected.
#include <spdlog/spdlog.h>

#include <deque>

#include "gateway/gateway_impl.h"
#include "gateway/group_member.h"
#include "group/errc.h"

namespace sd::gateway {
namespace {

constexpr std::int64_t max_outstanding_credit = 1'000'000;
constexpr std::size_t max_unsent_answers = 1000;  // commit answers waiting for the socket

struct consume_state {
  std::int64_t credit = 0;
  bool closed = false;                       // the socket is done (peer, error or a close we decided)
  std::uint16_t close_code = 0;              // non-zero: send this close frame
  std::string close_text;
  close_reason why = close_reason::client_closed;
  bool rejoin = false;                       // group: a heartbeat saw a rebalance
  bool joining = false;
  std::deque<std::string> outbox;            // answers to commits, sent before more records
  std::shared_ptr<net::async_event> wake;    // the writer's current wait
  std::shared_ptr<net::async_event> heartbeat_wake;
  std::shared_ptr<net::async_event> reader_done;
  std::shared_ptr<net::async_event> heartbeat_done;
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
    if (heartbeat_wake) heartbeat_wake->set();
  }
};

/// Reads the client's messages until the socket ends or a message breaks the protocol.
net::awaitable<void> read_client(http::websocket_io& ws, std::shared_ptr<consume_state> st, stream_probe& probe,
                                 group_member* member, std::string topic) {
  while (!st->closed) {
    auto msg = co_await ws.read();
    if (!msg) {
      const auto& r = ws.end_reason();
      if (!st->closed) {
        st->closed = true;
        st->why = r == "too_big" ? close_reason::too_big : r == "idle" ? close_reason::idle : close_reason::client_closed;
        st->poke();
        if (st->heartbeat_wake) st->heartbeat_wake->set();
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
    if (j.is_object() && j.size() == 1 && j.contains("commit")) {
      if (!member) {
        st->fail(1008, "commit needs a group session (?group=)", close_reason::bad_message);
        co_return;
      }
      auto text = j["commit"].is_string() ? j["commit"].get<std::string>() : std::string();
      auto cursor = parse_cursor(text);
      if (!cursor) {
        st->fail(1008, "commit takes a cursor", close_reason::bad_message);
        co_return;
      }
      std::vector<std::pair<group::topic_partition, std::int64_t>> offsets;
      for (const auto& [p, o] : *cursor) offsets.push_back({{topic, p}, o + 1});
      if (st->outbox.size() >= max_unsent_answers) {  // a client that commits and never reads: bounded
        st->fail(1008, "too many commit answers unread", close_reason::bad_message);
        co_return;
      }
      auto ec = co_await member->commit(std::move(offsets));
      json answer = ec ? json{{"commit_error", ec.message()}, {"cursor", text}} : json{{"committed", text}};
      st->outbox.push_back(answer.dump());
      st->poke();
      continue;
    }
    st->fail(1008, "expected {\"credit\":N} or {\"commit\":cursor}", close_reason::bad_message);
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
  std::optional<http::response> error;
  auto topic = topic_for_read(g, req, name, error);
  if (!topic) co_return std::move(*error);
  auto it_cursor = req.query.find("cursor");
  consume_params params;
  if (auto bad = parse_consume_params(req, *topic, it_cursor == req.query.end() ? std::string() : it_cursor->second,
                                      params))
    co_return std::move(*bad);
  std::string group_id;
  std::int32_t session_timeout_ms = 10000;
  if (auto bad = parse_group_params(g, req, group_id, session_timeout_ms)) co_return std::move(*bad);
  const bool grouped = !group_id.empty();
  if (!session_available(g)) co_return too_many_sessions(g);
  session_slot slot(g, session_kind::ws_consume);
  const auto enc = params.enc;

  auto ws = co_await io.accept_websocket(ws_options(g));
  if (!ws) {
    g.probe.closed(session_kind::ws_consume, close_reason::client_closed);
    co_return std::nullopt;
  }

  auto ex = co_await net::asio::this_coro::executor;
  auto st = std::make_shared<consume_state>();
  st->reader_done = std::make_shared<net::async_event>(ex);
  st->heartbeat_done = std::make_shared<net::async_event>(ex);
  auto member = make_member(g, group_id, name, req, session_timeout_ms);
  if (grouped) {
    st->rejoin = true;  // the first join happens in the loop below
    net::asio::co_spawn(ex, keep_member_alive(*member, st), [st](std::exception_ptr) { st->heartbeat_done->set(); });
  } else {
    st->heartbeat_done->set();
  }
  net::asio::co_spawn(ex, read_client(*ws, st, g.probe, member.get(), name),
                      [st](std::exception_ptr) { st->reader_done->set(); });

  auto& parts = params.parts;
  const auto client_cursor = params.delivered;  // a group session still honours the client's own cursor
  std::vector<std::int64_t> next;
  if (!grouped) next = co_await start_offsets(g, params);  // (GCC 12: no co_await inside a ?: expression)
  std::vector<std::int64_t> seen_hw(parts.size(), -1);
  std::size_t round = 0;
  while (!st->closed) {
    if (st->rejoin) {
      // (Re)join: the assignment decides the partitions; each starts at the group's committed offset.
      st->rejoin = false;
      st->joining = true;
      auto ec = co_await member->join();
      st->joining = false;
      if (st->closed) break;
      if (ec) {
        st->fail(4409, "could not join group " + member->group_id() + ": " + ec.message(), close_reason::error);
        break;
      }
      co_await adopt_assignment(g, *member, name, client_cursor, params);
      next = co_await start_offsets(g, params);
      seen_hw.assign(parts.size(), -1);
      spdlog::debug("http group member {} of {} generation {}: {} partition(s)", member->member_id(),
                    member->group_id(), member->generation(), parts.size());
      continue;
    }
    if (!st->outbox.empty()) {
      bool sent = true;
      while (!st->outbox.empty() && sent) {
        auto text = std::move(st->outbox.front());
        st->outbox.pop_front();
        sent = co_await ws->write(text);
      }
      if (sent) sent = co_await ws->flush();  // (GCC 12: no co_await inside && or ||)
      if (!sent) st->fail(0, {}, close_reason::slow_reader);
    }
    if (st->closed) break;
    if (st->credit == 0 || parts.empty()) {
      st->wake = std::make_shared<net::async_event>(ex);
      if (st->rejoin || !st->outbox.empty()) continue;
      co_await st->wake->wait();
      continue;
    }
    bool any = false;
    for (std::size_t k = 0; k < parts.size() && !st->closed && st->credit > 0 && !st->rejoin; ++k) {
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
        bool queued = ws->queue(text);
        if (queued && ws->flush_due()) queued = co_await ws->flush();  // (GCC 12: no co_await inside &&)
        if (!queued) {
          st->fail(0, {}, close_reason::slow_reader);
          break;
        }
        next[i] = r.offset + 1;
        --st->credit;
        g.probe.credit_outstanding.add(-1);
        g.probe.records_sent(session_kind::ws_consume).inc();
        g.probe.bytes_sent(session_kind::ws_consume).inc(text.size());
        parts[i]->records_out.inc();
      }
      if (!got.records.empty() && !st->closed) {
        const bool flushed = co_await ws->flush();
        if (!flushed) st->fail(0, {}, close_reason::slow_reader);
      }
      g.probe.buffered_bytes.add(-static_cast<std::int64_t>(got.bytes));
      // Every record of the read was sent: skip past control batches and the read's end as well.
      if (!st->closed && (got.records.empty() || next[i] == got.records.back().offset + 1))
        next[i] = std::max(next[i], got.next_offset);
    }
    ++round;
    if (st->closed || any || st->rejoin || !st->outbox.empty()) continue;
    st->wake = std::make_shared<net::async_event>(ex);
    co_await wait_for_appends(parts, seen_hw, net::asio::steady_timer::time_point::max(), st->wake);
  }
  g.probe.credit_outstanding.add(-st->credit);
  g.probe.closed(session_kind::ws_consume, st->why);
  if (st->heartbeat_wake) st->heartbeat_wake->set();
  if (st->close_code) co_await ws->close(st->close_code, st->close_text);
  else ws->abort();
  co_await st->reader_done->wait();
  co_await st->heartbeat_done->wait();
  co_await ws->quiesce();
  if (member) co_await member->leave();
  co_return std::nullopt;
}

}  // namespace sd::gateway
