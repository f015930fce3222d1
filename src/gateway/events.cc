// Server-Sent Events: GET /v1/topics/{topic}/events[?partition=P][&from=...][&encoding=json|base64]
// Every partition (or one) of the topic, merged as it arrives; each event is
//   id: <stream cursor after this record>\nevent: record\ndata: <record JSON>\n\n
// so a reconnecting EventSource (Last-Event-ID header, or ?last_event_id= on the first connect) resumes every
// partition right after what it already had: no gap, no duplicate. Without a cursor or `from`, it starts at the
// earliest offset. The session awaits each write before it reads more of the log (TCP backpressure: at most
// streamdown.http.stream.inflight.bytes of records held, leased from the memory budget), writes a comment line
// every 15 s of silence, and ends when the client goes away or stops reading (write timeout).
#include <spdlog/spdlog.h>

#include "gateway/gateway_impl.h"

namespace sd::gateway {
namespace {

constexpr auto heartbeat_interval = std::chrono::seconds(15);
constexpr std::size_t records_per_read = 1000;

struct sse_state {
  std::shared_ptr<net::async_event> wake;  // the current wait's event (set by the peer watcher too)
  bool peer_gone = false;
  std::shared_ptr<net::async_event> watcher_done;
};

}  // namespace

net::awaitable<std::optional<http::response>> handle_events(gateway::impl& g, const http::request& req,
                                                            http::stream_io& io) {
  const std::string& name = req.params.at(0);
  std::optional<http::response> error;
  auto topic = topic_for_read(g, req, name, error);
  if (!topic) co_return std::move(*error);
  std::string last_id = req.header("last-event-id");
  if (auto it = req.query.find("last_event_id"); last_id.empty() && it != req.query.end()) last_id = it->second;
  consume_params params;
  if (auto bad = parse_consume_params(req, *topic, last_id, params)) co_return std::move(*bad);
  if (!session_available(g)) co_return too_many_sessions(g);
  session_slot slot(g, session_kind::sse);
  auto& parts = params.parts;
  auto& delivered = params.delivered;  // the stream cursor: last offset sent per partition
  const auto enc = params.enc;
  auto next = co_await start_offsets(g, params);

  io.set_write_timeout(g.config.write_timeout);
  std::vector<std::pair<std::string, std::string>> headers{{"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}};
  if (!co_await io.begin(200, "text/event-stream", std::move(headers))) co_return std::nullopt;

  auto ex = co_await net::asio::this_coro::executor;
  auto st = std::make_shared<sse_state>();
  st->watcher_done = std::make_shared<net::async_event>(ex);
  net::asio::co_spawn(ex, io.wait_peer_gone(), [st](std::exception_ptr) {
    st->peer_gone = true;
    if (st->wake) st->wake->set();
    st->watcher_done->set();
  });

  close_reason why = close_reason::client_closed;
  std::vector<std::int64_t> seen_hw(parts.size(), -1);
  std::size_t round = 0;
  bool ok = co_await io.write("retry: 1000\n\n");
  while (ok && !st->peer_gone) {
    bool any = false;
    for (std::size_t k = 0; k < parts.size() && ok && !st->peer_gone; ++k) {
      const std::size_t i = (round + k) % parts.size();
      auto lease = co_await g.budget.acquire(g.config.inflight_bytes);
      auto got = co_await read_records(g.core, parts[i], next[i], g.config.inflight_bytes, records_per_read);
      seen_hw[i] = got.high_watermark;
      // A batch larger than the in-flight bytes is still read whole (a consumer must progress): lease the rest.
      net::budget_lease over;
      if (got.bytes > lease.bytes()) over = co_await g.budget.acquire(std::min(got.bytes - lease.bytes(), g.budget.capacity()));
      if (got.error == broker::kafka_error::offset_out_of_range && next[i] < got.log_start_offset) {
        next[i] = got.log_start_offset;  // retention passed us: go on from the log start
        any = true;
        continue;
      }
      if (got.error != broker::kafka_error::none) {
        why = got.error == broker::kafka_error::unknown_topic_or_partition ? close_reason::topic_gone : close_reason::error;
        json detail = json::object();
        detail["code"] = error_code_name(got.error);
        detail["partition"] = parts[i]->id;
        const std::string event = "event: error\ndata: " + detail.dump() + "\n\n";
        co_await io.write(event);
        ok = false;
        break;
      }
      if (got.records.empty()) {
        if (got.next_offset != next[i]) any = true;
        next[i] = got.next_offset;
        continue;
      }
      any = true;
      g.probe.buffered_bytes.add(static_cast<std::int64_t>(got.bytes));
      std::string chunk;
      chunk.reserve(got.bytes * 2 + got.records.size() * 64);
      for (const auto& r : got.records) {
        delivered[parts[i]->id] = r.offset;
        chunk += "id: ";
        chunk += stream_cursor(delivered);
        chunk += "\nevent: record\ndata: ";
        chunk += record_text(name, parts[i]->id, r, enc);
        chunk += "\n\n";
      }
      next[i] = got.next_offset;
      ok = co_await io.write(chunk);
      g.probe.buffered_bytes.add(-static_cast<std::int64_t>(got.bytes));
      if (ok) {
        g.probe.records_sent(session_kind::sse).inc(got.records.size());
        g.probe.bytes_sent(session_kind::sse).inc(chunk.size());
        parts[i]->bytes_out.inc(got.bytes);
        parts[i]->records_out.inc(got.records.size());
      } else if (!st->peer_gone) {
        why = close_reason::slow_reader;
      }
    }
    ++round;
    if (!ok || st->peer_gone || any) continue;
    st->wake = std::make_shared<net::async_event>(ex);
    const bool woken = co_await wait_for_appends(parts, seen_hw, net::asio::steady_timer::clock_type::now() + heartbeat_interval,
                                                 st->wake);
    if (!woken && !st->peer_gone) ok = co_await io.write(": keep-alive\n\n");
  }
  g.probe.closed(session_kind::sse, why);
  io.abort();  // ends the watcher's wait as well
  co_await st->watcher_done->wait();
  co_return std::nullopt;
}

}  // namespace sd::gateway
