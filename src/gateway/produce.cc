// HTTP produce: POST /v1/topics/{topic}/records (record_json bodies) and the Confluent REST v2 shape,
// POST /topics/{topic}. One result per record, in request order, after the appends (acks=all: after the fsync).
#include <spdlog/spdlog.h>

#include <map>

#include "base/clock.h"
#include "broker/topic_config.h"
#include "client/murmur2.h"
#include "gateway/gateway_impl.h"

namespace sd::gateway {
namespace {

constexpr std::size_t batch_header_bytes = 61;

/// An upper bound of a record's encoded size inside a batch (varint lengths at most 5 or 10 bytes each), so
/// batches built by summing it never exceed the limit.
std::size_t record_size_bound(const record_json::record& r) {
  std::size_t n = 32 + (r.key ? r.key->size() : 0) + (r.value ? r.value->size() : 0);
  for (const auto& [k, v] : r.headers) n += 10 + k.size() + v.size();
  return n;
}

protocol::record to_protocol(const record_json::record& r, std::int64_t now) {
  protocol::record out;
  if (r.key) out.key = sd::bytes(r.key->begin(), r.key->end());
  if (r.value) out.value = sd::bytes(r.value->begin(), r.value->end());
  for (const auto& [k, v] : r.headers) out.headers.push_back({k, sd::bytes(v.begin(), v.end())});
  out.timestamp = r.timestamp_ms.value_or(now);
  return out;
}

/// Records of one partition on their way into batches: which request item each record came from.
struct partition_plan {
  std::vector<std::vector<std::size_t>> batch_items;  // per batch, the item indexes in it
};

}  // namespace

net::awaitable<std::vector<record_result>> produce_items(gateway::impl& g, const broker::topic_state& topic,
                                                         const std::vector<record_json::item>& items, int acks) {
  std::vector<record_result> results(items.size());
  const auto n = static_cast<std::int32_t>(topic.partitions.size());
  const auto log_cfg = broker::effective_log_config(*g.core.topics.config(), topic.overrides);
  const auto max_batch = static_cast<std::size_t>(log_cfg.max_batch_bytes);
  const std::int32_t keyless = n > 0 ? static_cast<std::int32_t>(g.keyless_rotation++ % static_cast<std::uint32_t>(n)) : 0;
  const std::int64_t now = wall_ms_now();

  // Partition each record and plan batches (in request order within each partition).
  std::map<std::int32_t, std::vector<std::size_t>> by_partition;
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto& res = results[i];
    if (const auto* bad = std::get_if<record_json::item_error>(&items[i])) {
      res.error_code = "invalid_record";
      res.message = bad->message;
      continue;
    }
    const auto& r = std::get<record_json::record>(items[i]);
    std::int32_t p = r.partition;
    if (p >= n || p < -1) {
      res.error_code = "unknown_topic_or_partition";
      res.message = "topic " + topic.name + " has no partition " + std::to_string(p) + " (it has " +
                    std::to_string(n) + ")";
      res.partition = p;
      continue;
    }
    if (p < 0) p = r.key ? client::murmur2_partition(*r.key, n) : keyless;
    res.partition = p;
    if (log_cfg.compact && !r.key) {  // as Produce: a compacted topic keeps records by key
      res.error_code = "invalid_record";
      res.message = "compacted topic " + topic.name + " cannot accept a record without a key";
      continue;
    }
    if (record_size_bound(r) + batch_header_bytes > max_batch) {
      res.error_code = "message_too_large";
      res.message = "the record is larger than the topic's max.message.bytes (" + std::to_string(max_batch) + ")";
      continue;
    }
    by_partition[p].push_back(i);
  }

  std::vector<append_job> jobs;
  std::vector<partition_plan> plans;
  for (auto& [p, idxs] : by_partition) {
    append_job job;
    job.partition = broker::partition_at(&topic, p);
    partition_plan plan;
    std::size_t i = 0;
    while (i < idxs.size()) {
      protocol::batch_builder builder;
      std::size_t size = batch_header_bytes;
      auto& members = plan.batch_items.emplace_back();
      while (i < idxs.size()) {
        const auto& r = std::get<record_json::record>(items[idxs[i]]);
        auto bound = record_size_bound(r);
        if (!members.empty() && size + bound > max_batch) break;
        builder.add(to_protocol(r, now));
        size += bound;
        members.push_back(idxs[i]);
        ++i;
      }
      auto built = builder.build();
      if (!built) {  // cannot happen for a non-empty uncompressed batch; answered rather than assumed
        for (auto m : members) {
          results[m].error_code = "unknown_server_error";
          results[m].message = "could not build the batch: " + built.error().message();
        }
        plan.batch_items.pop_back();
        continue;
      }
      job.batches.push_back(std::move(*built));
    }
    if (job.batches.empty()) continue;
    jobs.push_back(std::move(job));
    plans.push_back(std::move(plan));
  }

  co_await append_all(g.core, jobs, acks);

  for (std::size_t j = 0; j < jobs.size(); ++j) {
    const auto& job = jobs[j];
    for (std::size_t b = 0; b < plans[j].batch_items.size(); ++b) {
      const auto base = b < job.base_offsets.size() ? job.base_offsets[b] : -1;
      const auto& members = plans[j].batch_items[b];
      for (std::size_t k = 0; k < members.size(); ++k) {
        auto& res = results[members[k]];
        if (base >= 0) {
          res.offset = base + static_cast<std::int64_t>(k);
        } else {
          res.error_code = error_code_name(job.error == broker::kafka_error::none ? broker::kafka_error::unknown_server_error
                                                                                  : job.error);
          res.message = job.message.empty() ? "not written: an earlier batch of the partition failed" : job.message;
        }
      }
    }
  }
  for (const auto& r : results) {
    if (r.error_code.empty()) g.probe.produced_records.inc();
    else g.probe.produce_record_errors.inc();
  }
  co_return results;
}

namespace {

/// Parses the body and produces it: the answer of a v1 produce request.
net::awaitable<http::response> produce_answer(gateway::impl& g, const broker::topic_state& topic, const std::string& name,
                                              const http::request& req, const std::string& text,
                                              record_json::body_defaults defaults, int acks) {
  auto body = record_json::parse_body(req.header("content-type"), text, defaults);
  if (!body.error.empty()) co_return json_error(400, "invalid_body", body.error);
  auto results = co_await produce_items(g, topic, body.items, acks);
  json out = json::array();
  std::size_t errors = 0;
  for (const auto& r : results) {
    out.push_back(to_json(r));
    errors += !r.error_code.empty();
  }
  co_return http::response{200, "application/json",
                           json{{"topic", name}, {"results", out}, {"errors", errors}}.dump(
                               -1, ' ', false, json::error_handler_t::replace)};
}

}  // namespace

net::awaitable<std::optional<http::response>> handle_produce(gateway::impl& g, const http::request& req,
                                                             http::stream_io& io) {
  const std::string& name = req.params.at(0);
  auto acks = parse_acks(req);
  if (!acks) co_return json_error(400, "invalid_request", "acks must be all, -1, 1 or 0");
  record_json::body_defaults defaults;
  if (auto bad = parse_input_encodings(req, defaults)) co_return std::move(*bad);
  std::optional<http::response> error;
  auto topic = topic_for_write(g, req, name, error);
  if (!topic) co_return std::move(*error);
  // Idempotency-Key: a retry of a request that was answered gets that answer and writes nothing again.
  const std::string& idem = req.header("idempotency-key");
  if (idem.size() > 256) co_return json_error(400, "invalid_request", "Idempotency-Key is longer than 256 bytes");
  g.probe.produce_requests.inc();
  // NDJSON streams (any length; results are written while the body still arrives), unless the answer must be
  // kept whole for Idempotency-Key replays. Other bodies are read whole, within the HTTP body limit.
  if (idem.empty() && record_json::is_line_delimited(req.header("content-type")))
    co_return co_await produce_streamed(g, *topic, name, io, defaults, *acks);
  std::string body;
  if (auto refused = co_await read_whole_body(g, io, body)) co_return std::move(*refused);
  const std::string idem_scope = idem.empty() ? std::string() : req.principal + "\n" + name + "\n" + idem;
  if (!idem.empty()) {
    http::response previous;
    switch (g.idempotency.claim(idem_scope, previous)) {
      case http::idempotency_cache::state::done:
        previous.headers.emplace_back("Idempotent-Replayed", "true");
        co_return previous;
      case http::idempotency_cache::state::in_progress:
        co_return json_error(409, "request_in_progress", "a request with this Idempotency-Key is in progress");
      case http::idempotency_cache::state::absent:
        break;
    }
  }
  auto answer = co_await produce_answer(g, *topic, name, req, body, defaults, *acks);
  if (!idem.empty()) g.idempotency.finish(idem_scope, answer);
  co_return answer;
}

// Confluent REST Proxy v2: {"records":[{"key","value","partition"}...]} with
// application/vnd.kafka.json.v2+json (key and value are JSON: strings stay strings, anything else its text)
// or application/vnd.kafka.binary.v2+json (key and value base64). Answer: {"key_schema_id":null,
// "value_schema_id":null,"offsets":[{"partition","offset","error_code","error"}]} with Confluent's numeric
// error codes (40403 unknown partition, 40005 invalid record, 50002 other).
net::awaitable<std::optional<http::response>> handle_confluent_produce(gateway::impl& g, const http::request& req,
                                                                       http::stream_io&) {
  const std::string& name = req.params.at(0);
  const auto& ct = req.header("content-type");
  record_json::body_defaults defaults;
  if (ct.find("vnd.kafka.binary.v2") != std::string::npos) {
    defaults.key_encoding = record_json::encoding::base64;
    defaults.value_encoding = record_json::encoding::base64;
  } else if (ct.find("vnd.kafka.json.v2") == std::string::npos && ct.find("application/json") == std::string::npos) {
    co_return http::response{415, "application/vnd.kafka.v2+json",
                             R"({"error_code":415,"message":"Content-Type must be application/vnd.kafka.json.v2+json or application/vnd.kafka.binary.v2+json"})"};
  }
  std::optional<http::response> error;
  auto topic = topic_for_write(g, req, name, error);
  if (!topic) {
    const int status = error->status;
    co_return http::response{status, "application/vnd.kafka.v2+json",
                             json{{"error_code", status * 100 + 1},
                                  {"message", json::parse(error->body, nullptr, false).value("error", error->body)}}
                                 .dump()};
  }
  // The json embedded format stores every key and value as its JSON text (a string keeps its quotes), which
  // is what Confluent's JSON deserializers read back.
  std::string text = req.body;
  if (defaults.value_encoding == record_json::encoding::json) {
    auto j = json::parse(req.body, nullptr, false);
    if (j.is_object() && j.contains("records") && j["records"].is_array()) {
      for (auto& r : j["records"]) {
        if (!r.is_object()) continue;
        for (const char* field : {"key", "value"})
          if (r.contains(field) && !r[field].is_null()) r[field] = r[field].dump();
      }
      text = j.dump();
    }
  }
  auto body = record_json::parse_body("application/json", text, defaults);
  if (!body.error.empty())
    co_return http::response{422, "application/vnd.kafka.v2+json",
                             json{{"error_code", 42201}, {"message", body.error}}.dump()};
  g.probe.produce_requests.inc();
  auto results = co_await produce_items(g, *topic, body.items, -1);
  json offsets = json::array();
  for (const auto& r : results) {
    if (r.error_code.empty()) {
      offsets.push_back({{"partition", r.partition}, {"offset", r.offset}, {"error_code", nullptr}, {"error", nullptr}});
    } else {
      const int code = r.error_code == "unknown_topic_or_partition" ? 40403
                       : r.error_code == "invalid_record"           ? 40005
                                                                    : 50002;
      offsets.push_back({{"partition", r.partition >= 0 ? json(r.partition) : json(nullptr)},
                         {"offset", nullptr},
                         {"error_code", code},
                         {"error", r.message}});
    }
  }
  co_return http::response{200, "application/vnd.kafka.v2+json",
                           json{{"key_schema_id", nullptr}, {"value_schema_id", nullptr}, {"offsets", offsets}}.dump(
                               -1, ' ', false, json::error_handler_t::replace)};
}

}  // namespace sd::gateway
