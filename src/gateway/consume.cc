// Stateless reads: GET /v1/topics/{topic}/partitions/{p}/records?offset=N|from=earliest|latest|N|@ms
//   &max_records=M&max_bytes=B&timeout_ms=T&encoding=json|base64
// Long poll: with nothing to return, waits up to timeout_ms for an append. The answer carries next_offset
// (where the next read starts) and next_cursor; an offset outside the log is 416 with the log's bounds.
#include <charconv>

#include "gateway/gateway_impl.h"

namespace sd::gateway {
namespace {

/// A non-negative integer query parameter, `fallback` when absent, clamped to [lo, hi]; nullopt if malformed.
std::optional<std::int64_t> int_param(const http::request& req, const char* name, std::int64_t fallback,
                                      std::int64_t lo, std::int64_t hi) {
  auto it = req.query.find(name);
  if (it == req.query.end()) return fallback;
  std::int64_t v = 0;
  const auto& s = it->second;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || ptr != s.data() + s.size()) return std::nullopt;
  return std::clamp(v, lo, hi);
}

}  // namespace

net::awaitable<std::optional<http::response>> handle_partition_read(gateway::impl& g, const http::request& req,
                                                                    http::stream_io&) {
  const std::string& name = req.params.at(0);
  std::int32_t pid = -1;
  {
    const auto& s = req.params.at(1);
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), pid);
    if (ec != std::errc{} || ptr != s.data() + s.size() || pid < 0)
      co_return json_error(400, "invalid_request", "the partition must be a number >= 0");
  }
  std::optional<http::response> error;
  auto topic = topic_for_read(g, req, name, error);
  if (!topic) co_return std::move(*error);
  auto p = broker::partition_at(topic.get(), pid);
  if (!p) co_return json_error(404, "unknown_topic_or_partition", "topic " + name + " has no partition " + req.params[1]);

  const std::size_t max_read = std::max<std::size_t>(64 << 10, g.budget.capacity() / 4);
  auto max_records = int_param(req, "max_records", 500, 1, 10000);
  auto max_bytes = int_param(req, "max_bytes", 1 << 20, 1, static_cast<std::int64_t>(max_read));
  auto timeout_ms = int_param(req, "timeout_ms", 0, 0, 60000);
  if (!max_records || !max_bytes || !timeout_ms)
    co_return json_error(400, "invalid_request", "max_records, max_bytes and timeout_ms must be numbers");
  auto enc = record_json::encoding::json;
  if (auto it = req.query.find("encoding"); it != req.query.end()) {
    auto e = record_json::parse_encoding(it->second);
    if (!e) co_return json_error(400, "invalid_request", "encoding must be json or base64");
    enc = *e;
  }

  // The start: an exact offset (out of range is an error), else a start point (clamped into the log).
  std::int64_t from = 0;
  if (auto it = req.query.find("offset"); it != req.query.end()) {
    auto sp = parse_start_point(it->second);
    if (!sp || sp->k != start_point::kind::offset)
      co_return json_error(400, "invalid_request", "offset must be a number >= 0");
    from = sp->value;
  } else {
    auto it_from = req.query.find("from");
    auto sp = parse_start_point(it_from == req.query.end() ? "earliest" : it_from->second);
    if (!sp) co_return json_error(400, "invalid_request", "from must be earliest, latest, an offset or @<epoch ms>");
    from = co_await resolve(g.core, p, *sp);
    if (from < 0) co_return json_error(404, "unknown_topic_or_partition", "the partition was deleted");
  }

  // The read's bytes are held from the memory budget while the answer is built.
  auto lease = co_await g.budget.acquire(static_cast<std::size_t>(*max_bytes));
  const auto deadline = net::asio::steady_timer::clock_type::now() + std::chrono::milliseconds(*timeout_ms);
  auto ex = co_await net::asio::this_coro::executor;
  read_outcome got;
  const std::vector<broker::partition_ptr> watched{p};
  std::vector<std::int64_t> seen{0};
  for (;;) {
    got = co_await read_records(g.core, p, from, static_cast<std::size_t>(*max_bytes),
                                static_cast<std::size_t>(*max_records));
    if (got.error == broker::kafka_error::offset_out_of_range)
      co_return json_error(416, "offset_out_of_range",
                           "offset " + std::to_string(from) + " is outside the log [" +
                               std::to_string(got.log_start_offset) + ", " + std::to_string(got.high_watermark) + "]",
                           json{{"log_start_offset", got.log_start_offset}, {"high_watermark", got.high_watermark}});
    if (got.error != broker::kafka_error::none)
      co_return json_error(got.error == broker::kafka_error::unknown_topic_or_partition ? 404 : 500,
                           error_code_name(got.error), "the read failed");
    if (!got.records.empty() || got.next_offset != from ||
        net::asio::steady_timer::clock_type::now() >= deadline)
      break;
    auto wake = std::make_shared<net::async_event>(ex);
    seen[0] = got.high_watermark;
    co_await wait_for_appends(watched, seen, deadline, wake);
  }

  std::string body = R"({"topic":)" + json(name).dump() + R"(,"partition":)" + std::to_string(pid) + R"(,"records":[)";
  for (std::size_t i = 0; i < got.records.size(); ++i) {
    if (i) body += ',';
    body += record_text(name, pid, got.records[i], enc);
  }
  body += R"(],"next_offset":)" + std::to_string(got.next_offset) + R"(,"next_cursor":")" +
          record_cursor(pid, got.next_offset - 1) + R"(","high_watermark":)" + std::to_string(got.high_watermark) +
          R"(,"log_start_offset":)" + std::to_string(got.log_start_offset) + "}";
  p->bytes_out.inc(got.bytes);
  p->records_out.inc(got.records.size());
  co_return http::response{200, "application/json", std::move(body)};
}

}  // namespace sd::gateway
