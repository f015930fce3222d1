// Cost of the idempotence rules on the produce path (check + record per batch), and of snapshot
// encode/decode, as a function of how many producers a partition remembers.
#include <benchmark/benchmark.h>

#include "producer/snapshot.h"

namespace sd::producer {
namespace {

batch::header make(std::int64_t pid, std::int32_t seq, std::int64_t base) {
  batch::header h;
  h.base_offset = base;
  h.last_offset_delta = 9;
  h.records_count = 10;
  h.max_timestamp = 1000;
  h.producer_id = pid;
  h.producer_epoch = 0;
  h.base_sequence = seq;
  return h;
}

// One batch of 10 records per iteration, round-robin over `producers` producers.
void BM_CheckAndRecord(benchmark::State& state) {
  const auto producers = state.range(0);
  producer_state_table t(86'400'000);
  std::vector<std::int32_t> seq(static_cast<std::size_t>(producers), 0);
  std::int64_t offset = 0;
  std::int64_t i = 0;
  for (auto _ : state) {
    const std::int64_t pid = i++ % producers;
    auto h = make(pid, seq[static_cast<std::size_t>(pid)], offset);
    auto c = t.check(h, 1'000'000);
    benchmark::DoNotOptimize(c);
    t.record(h, 1'000'000);
    seq[static_cast<std::size_t>(pid)] += 10;
    offset += 10;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CheckAndRecord)->Arg(1)->Arg(100)->Arg(10'000);

void BM_DuplicateCheck(benchmark::State& state) {
  producer_state_table t(86'400'000);
  for (int b = 0; b < 5; ++b) t.record(make(1, b * 10, b * 10), 1'000'000);
  const auto h = make(1, 20, 0);
  for (auto _ : state) {
    auto c = t.check(h, 1'000'000);
    benchmark::DoNotOptimize(c);
  }
}
BENCHMARK(BM_DuplicateCheck);

void BM_SnapshotEncodeDecode(benchmark::State& state) {
  producer_state_table t(86'400'000);
  for (std::int64_t pid = 0; pid < state.range(0); ++pid)
    for (int b = 0; b < 5; ++b) t.record(make(pid, b * 10, pid * 50 + b * 10), 1'000'000);
  snapshot s{offset(state.range(0) * 50), t.entries()};
  std::size_t size = 0;
  for (auto _ : state) {
    bytes data = encode_snapshot(s);
    size = data.size();
    auto back = decode_snapshot(data);
    benchmark::DoNotOptimize(back);
  }
  state.counters["bytes"] = static_cast<double>(size);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}
BENCHMARK(BM_SnapshotEncodeDecode)->Arg(100)->Arg(10'000);

}  // namespace
}  // namespace sd::producer
BENCHMARK_MAIN();
