#include "benchtool/bench_options.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "benchtool/bench_report.h"

namespace sd::benchtool {
namespace {

TEST(bench_options, defaults_are_valid) {
  bench_options o;
  EXPECT_EQ(validate(o), "");
  o.kind = workload::consume;
  EXPECT_EQ(validate(o), "");
}

TEST(bench_options, bad_values_name_the_option) {
  auto bad = [](auto change, const char* needle) {
    bench_options o;
    change(o);
    auto msg = validate(o);
    EXPECT_NE(msg.find(needle), std::string::npos) << "got: " << msg;
  };
  bad([](bench_options& o) { o.partitions = 0; }, "--partitions");
  bad([](bench_options& o) { o.size = -1; }, "--size");
  bad([](bench_options& o) { o.duration_s = 0; }, "--duration");
  bad([](bench_options& o) { o.acks = "2"; }, "--acks");
  bad([](bench_options& o) { o.compression = "brotli"; }, "--compression");
  bad([](bench_options& o) { o.kind = workload::latency; }, "--rate");
  bad([](bench_options& o) { o.idempotence = true; o.acks = "1"; }, "--idempotence");
  bad([](bench_options& o) { o.sets = {"novalue"}; }, "--set");
  bad([](bench_options& o) { o.sets = {"=x"}; }, "--set");
  bad([](bench_options& o) { o.brokers.clear(); }, "--brokers");
  bad([](bench_options& o) { o.count = -3; }, "--count");
}

TEST(bench_report, json_has_the_contract_fields) {
  bench_options o;
  o.kind = workload::latency;
  o.rate = 100;
  bench_result r;
  r.messages = 10;
  r.bytes = 10240;
  r.elapsed_s = 2.0;
  for (int i = 1; i <= 10; ++i) r.latency_ns.record(static_cast<std::uint64_t>(i) * 1000000);
  r.latency_from_intended = true;
  r.client_cpu_s = 0.5;
  auto j = nlohmann::json::parse(to_json(o, r));
  EXPECT_EQ(j["workload"], "latency");
  EXPECT_EQ(j["count"], 10);
  EXPECT_DOUBLE_EQ(j["msg_per_s"].get<double>(), 5.0);
  EXPECT_DOUBLE_EQ(j["mb_per_s"].get<double>(), 10240 / 1e6 / 2.0);
  EXPECT_EQ(j["latency_us"]["from"], "intended");
  EXPECT_EQ(j["latency_us"]["samples"], 10);
  EXPECT_DOUBLE_EQ(j["latency_us"]["max"].get<double>(), 10000.0);
  EXPECT_LE(j["latency_us"]["p50"].get<double>(), j["latency_us"]["p99"].get<double>());
  EXPECT_TRUE(j["broker_cpu_s"].is_null());
  r.broker_cpu_s = 1.0;
  j = nlohmann::json::parse(to_json(o, r));
  EXPECT_NEAR(j["broker_cpu_s_per_gb"].get<double>(), 1.0 / (10240 / 1e9), 1e-6);
  EXPECT_FALSE(to_text(o, r).empty());
}

}  // namespace
}  // namespace sd::benchtool
