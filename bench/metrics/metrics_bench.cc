// The hot-path cost of recording a metric: counter inc and histogram observe, from 1 and 2 threads on the
// SAME object (the worst case: every add contends for one cache line, as a per-API histogram does when two
// network loops answer the same API at once), and the cost of rendering a page.
//   build/release/bench/metrics/metrics_bench
#include <benchmark/benchmark.h>

#include <cstdint>

#include "metrics/counter.h"
#include "metrics/exposition.h"
#include "metrics/histogram.h"
#include "metrics/text_writer.h"

namespace {

sd::metrics::counter shared_counter;
sd::metrics::histogram shared_histogram;

void BM_CounterInc(benchmark::State& state) {
  for (auto _ : state) shared_counter.inc();
  benchmark::DoNotOptimize(shared_counter.value());
}
BENCHMARK(BM_CounterInc)->Threads(1)->Threads(2)->UseRealTime();

void BM_HistogramObserve(benchmark::State& state) {
  // Latencies spread over the first buckets, as request latencies mostly are.
  std::uint64_t ns = 20'000 + static_cast<std::uint64_t>(state.thread_index()) * 1000;
  for (auto _ : state) {
    shared_histogram.observe_ns(ns);
    ns = ns < 4'000'000 ? ns * 2 : 20'000;
  }
}
BENCHMARK(BM_HistogramObserve)->Threads(1)->Threads(2)->UseRealTime();

void BM_HistogramObserveSeparate(benchmark::State& state) {
  // One histogram per thread: the cost without cache-line contention.
  static sd::metrics::histogram per_thread[2];
  auto& h = per_thread[state.thread_index() % 2];
  std::uint64_t ns = 20'000;
  for (auto _ : state) {
    h.observe_ns(ns);
    ns = ns < 4'000'000 ? ns * 2 : 20'000;
  }
}
BENCHMARK(BM_HistogramObserveSeparate)->Threads(1)->Threads(2)->UseRealTime();

void BM_RenderPage(benchmark::State& state) {
  // 25 APIs with a histogram each plus 100 labelled gauges: about the broker's page with a few topics.
  static sd::metrics::histogram hs[25];
  sd::metrics::exposition e;
  e.add_section([](sd::metrics::text_writer& w) {
    w.family("bench_latency_seconds", sd::metrics::metric_type::histogram, "x");
    for (int i = 0; i < 25; ++i) {
      auto api = std::to_string(i);
      sd::metrics::label l[] = {{"api", api}};
      w.histogram(l, hs[i].snapshot());
    }
    w.family("bench_size_bytes", sd::metrics::metric_type::gauge, "x");
    for (int i = 0; i < 100; ++i) {
      auto p = std::to_string(i);
      sd::metrics::label l[] = {{"topic", "t"}, {"partition", p}};
      w.sample(l, i * 1000.0);
    }
  });
  for (auto _ : state) benchmark::DoNotOptimize(e.render());
}
BENCHMARK(BM_RenderPage);

}  // namespace

BENCHMARK_MAIN();
