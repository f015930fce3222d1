#include "benchtool/bench_report.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace sd::benchtool {
namespace {

double per_gb(double cpu_s, std::uint64_t bytes) { return bytes == 0 ? 0.0 : cpu_s / (static_cast<double>(bytes) / 1e9); }
double rate(double n, double s) { return s > 0 ? n / s : 0.0; }

}  // namespace

std::string to_json(const bench_options& o, const bench_result& r) {
  nlohmann::json j;
  j["workload"] = to_string(o.kind);
  j["brokers"] = o.brokers;
  j["topic"] = o.topic;
  j["size"] = o.size;
  j["partitions"] = o.partitions;
  j["acks"] = o.acks;
  j["linger_ms"] = o.linger_ms;
  j["compression"] = o.compression;
  j["idempotence"] = o.idempotence;
  j["transaction_records"] = o.transaction_records;
  j["keys"] = o.keys;
  j["rate"] = o.rate;
  j["count"] = r.messages;
  j["bytes"] = r.bytes;
  j["errors"] = r.errors;
  j["elapsed_s"] = r.elapsed_s;
  j["msg_per_s"] = rate(static_cast<double>(r.messages), r.elapsed_s);
  j["mb_per_s"] = rate(static_cast<double>(r.bytes) / 1e6, r.elapsed_s);
  nlohmann::json lat;
  const auto& h = r.latency_ns;
  auto us = [](std::uint64_t ns) { return static_cast<double>(ns) / 1000.0; };
  lat["samples"] = h.count();
  lat["p50"] = us(h.percentile(0.50));
  lat["p99"] = us(h.percentile(0.99));
  lat["p999"] = us(h.percentile(0.999));
  lat["max"] = us(h.max());
  lat["mean"] = h.mean() / 1000.0;
  lat["from"] = o.kind == workload::consume ? "none" : (r.latency_from_intended ? "intended" : "send");
  j["latency_us"] = lat;
  if (o.kind == workload::consume) {
    j["startup_s"] = r.startup_s;
    j["fetch_requests"] = r.fetch_requests;
    j["fetch_response_bytes"] = r.fetch_response_bytes;
    j["fetch_rtt_s"] = r.fetch_rtt_s;
  }
  j["client_cpu_s"] = r.client_cpu_s;
  j["client_cpu_s_per_gb"] = per_gb(r.client_cpu_s, r.bytes);
  if (r.broker_cpu_s >= 0) {
    j["broker_cpu_s"] = r.broker_cpu_s;
    j["broker_cpu_s_per_gb"] = per_gb(r.broker_cpu_s, r.bytes);
  } else {
    j["broker_cpu_s"] = nullptr;
    j["broker_cpu_s_per_gb"] = nullptr;
  }
  return j.dump();
}

std::string to_text(const bench_options& o, const bench_result& r) {
  std::string out = fmt::format("{} {} ({} B values, {} partition(s), acks={}, linger {} ms, {}{}): ", to_string(o.kind),
                                o.topic, o.size, o.partitions, o.acks, o.linger_ms, o.compression,
                                o.idempotence ? ", idempotent" : "");
  out += fmt::format("{} msg, {:.1f} MB in {:.2f} s = {:.0f} msg/s, {:.1f} MB/s, {} error(s)\n", r.messages,
                     static_cast<double>(r.bytes) / 1e6, r.elapsed_s, rate(static_cast<double>(r.messages), r.elapsed_s),
                     rate(static_cast<double>(r.bytes) / 1e6, r.elapsed_s), r.errors);
  if (o.kind != workload::consume && r.latency_ns.count() > 0) {
    const auto& h = r.latency_ns;
    out += fmt::format("latency from {} time (us): p50 {:.0f}  p99 {:.0f}  p99.9 {:.0f}  max {:.0f}  ({} samples)\n",
                       r.latency_from_intended ? "intended send" : "send call", h.percentile(0.5) / 1000.0,
                       h.percentile(0.99) / 1000.0, h.percentile(0.999) / 1000.0, h.max() / 1000.0, h.count());
  }
  if (o.kind == workload::consume)
    out += fmt::format("timed from the first Fetch request, {:.3f} s after start; {} Fetch requests, {:.2f} s waiting for "
                       "them, {:.1f} MB per response\n",
                       r.startup_s, r.fetch_requests, r.fetch_rtt_s,
                       r.fetch_requests == 0 ? 0.0 : static_cast<double>(r.fetch_response_bytes) / 1e6 / static_cast<double>(r.fetch_requests));
  out += fmt::format("client CPU {:.2f} s ({:.2f} s/GB)", r.client_cpu_s, per_gb(r.client_cpu_s, r.bytes));
  if (r.broker_cpu_s >= 0)
    out += fmt::format(", broker CPU {:.2f} s ({:.2f} s/GB)", r.broker_cpu_s, per_gb(r.broker_cpu_s, r.bytes));
  out += "\n";
  return out;
}

}  // namespace sd::benchtool
