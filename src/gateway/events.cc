// Server-Sent Events: GET /v1/topics/{topic}/events[?partition=P][&from=...][&encoding=json|base64]
// Every partition (or one) of the topic, merged as it arrives; each event is
//   id: <stream cursor after this record>\nevent: record\ndata: <record JSON>\n\n
// so a reconnecting EventSource (Last-Event-ID header, or ?last_event_id= on the first connect) resumes every
// partition right after what it already had: no gap, no duplicate. Without a cursor or `from`, it starts at the
// earliest offset. The session awaits each write before it reads more of the log (TCP backpressure: at most
// streamdown.http.stream.inflight.bytes of records held, leased from the memory budget), writes a comment line
// every 15 s of silence, and ends when the client goes away or stops reading (write timeout).
// With ?group=G the session is a member of that consumer group (as a WebSocket group session is): it streams
// only its assigned partitions, from the client's Last-Event-ID where it names the partition, else from the
// group's committed offsets; it commits what it has written every 5 s and at the end (as Kafka's auto-commit
// does: at-least-once for what the client processes), rejoins on a rebalance and leaves when the stream ends.
#include <spdlog/spdlog.h>

#include "gateway/gateway_impl.h"
#include "gateway/group_member.h"

namespace sd::gateway {
namespace {

constexpr auto heartbeat_interval = std::chrono::seconds(15);

constexpr auto commit_interval = std::chrono::seconds(5);

struct sse_state {
  std::shared_ptr<net::async_event> wake;  // the current wait's event (set by the peer watcher too)
  bool peer_gone = false;
  std::shared_ptr<net::async_event> watcher_done;
  // Group sessions (keep_member_alive's contract):
  bool closed = false;
  bool joining = false;
  bool rejoin = false;
  std::shared_ptr<net::async_event> heartbeat_wake;
  std::shared_ptr<net::async_event> heartbeat_done;
  void poke() {
    if (wake) wake->set();
  }
};

/// Commits, for every partition of `parts`, the offset after the last record written to the client.
net::awaitable<void> commit_written(group_member& member, const std::string& topic,
                                    const std::vector<broker::partition_ptr>& parts,
                                    const std::map<std::int32_t, std::int64_t>& delivered) {
  std::vector<std::pair<group::topic_partition, std::int64_t>> offsets;
  for (const auto& p : parts)
    if (auto d = delivered.find(p->id); d != delivered.end()) offsets.push_back({{topic, p->id}, d->second + 1});
  if (offsets.empty()) co_return;
  auto ec = co_await member.commit(std::move(offsets));
  if (ec) spdlog::debug("SSE group {} commit: {}", member.group_id(), ec.message());
}

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
  std::string group_id;
  std::int32_t session_timeout_ms = 10000;
  if (auto bad = parse_group_params(g, req, group_id, session_timeout_ms)) co_return std::move(*bad);
  if (!session_available(g)) co_return too_many_sessions(g);
  session_slot slot(g, session_kind::sse);
  auto& parts = params.parts;
  auto& delivered = params.delivered;  // the stream cursor: last offset sent per partition
  const auto enc = params.enc;
  const auto client_cursor = params.delivered;
  std::vector<std::int64_t> next;
  if (group_id.empty()) next = co_await start_offsets(g, params);

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
  auto member = make_member(g, group_id, name, req, session_timeout_ms);
  st->heartbeat_done = std::make_shared<net::async_event>(ex);
  if (member) {
    st->rejoin = true;  // the first join happens in the loop below
    net::asio::co_spawn(ex, keep_member_alive(*member, st), [st](std::exception_ptr) { st->heartbeat_done->set(); });
  } else {
    st->heartbeat_done->set();
  }
  auto next_commit = net::asio::steady_timer::clock_type::now() + commit_interval;
  bool uncommitted = false;

  close_reason why = close_reason::client_closed;
  std::vector<std::int64_t> seen_hw(parts.size(), -1);
  std::size_t round = 0;
  bool ok = co_await io.write("retry: 1000\n\n");
  while (ok && !st->peer_gone) {
    if (st->rejoin) {
      st->rejoin = false;
      st->joining = true;
      // Commit what was written before giving partitions up (Kafka's auto-commit on revocation), so the next
      // owner starts after it.
      if (uncommitted) co_await commit_written(*member, name, parts, delivered);
      uncommitted = false;
      auto ec = co_await member->join();
      st->joining = false;
      if (ec) {
        json detail = json::object();
        detail["code"] = "group_join_failed";
        detail["error"] = "could not join group " + group_id + ": " + ec.message();
        const std::string event = "event: error\ndata: " + detail.dump() + "\n\n";
        co_await io.write(event);
        why = close_reason::error;
        break;
      }
      co_await adopt_assignment(g, *member, name, client_cursor, params);
      next = co_await start_offsets(g, params);
      seen_hw.assign(parts.size(), -1);
      continue;
    }
    if (member && uncommitted && net::asio::steady_timer::clock_type::now() >= next_commit) {
      co_await commit_written(*member, name, parts, delivered);
      uncommitted = false;
      next_commit = net::asio::steady_timer::clock_type::now() + commit_interval;
    }
    bool any = false;
    for (std::size_t k = 0; k < parts.size() && ok && !st->peer_gone && !st->rejoin; ++k) {
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
        uncommitted = true;
        g.probe.records_sent(session_kind::sse).inc(got.records.size());
        g.probe.bytes_sent(session_kind::sse).inc(chunk.size());
        parts[i]->bytes_out.inc(got.bytes);
        parts[i]->records_out.inc(got.records.size());
      } else if (!st->peer_gone) {
        why = close_reason::slow_reader;
      }
    }
    ++round;
    if (!ok || st->peer_gone || any || st->rejoin) continue;
    st->wake = std::make_shared<net::async_event>(ex);
    auto deadline = net::asio::steady_timer::clock_type::now() + heartbeat_interval;
    if (member && uncommitted) deadline = std::min(deadline, next_commit);
    const bool woken = co_await wait_for_appends(parts, seen_hw, deadline, st->wake);
    const bool commit_due = member && uncommitted && net::asio::steady_timer::clock_type::now() >= next_commit;
    if (!woken && !st->peer_gone && !commit_due && !st->rejoin) ok = co_await io.write(": keep-alive\n\n");
  }
  g.probe.closed(session_kind::sse, why);
  io.abort();  // ends the watcher's wait as well
  co_await st->watcher_done->wait();
  st->closed = true;
  if (st->heartbeat_wake) st->heartbeat_wake->set();
  co_await st->heartbeat_done->wait();
  if (member) {
    if (uncommitted) co_await commit_written(*member, name, parts, delivered);
    co_await member->leave();
  }
  co_return std::nullopt;
}

}  // namespace sd::gateway
