// base_bench: CRC-32C throughput. Every produced batch is checked once on the network loop (the whole
// batch but its first 21 bytes), so this bounds the broker's CPU per GB ingested.
//   BM_crc32c/<bytes>           crc32c::extend as the broker uses it (3-way interleaved SSE4.2 when present)
//   BM_crc32c_portable/<bytes>  the slicing-by-8 table version: the reference for the same bytes
#include <benchmark/benchmark.h>

#include "base/bytes.h"
#include "base/crc32c.h"

namespace sd {
namespace crc32c::detail {
std::uint32_t extend_portable_for_test(std::uint32_t crc, const std::uint8_t* data, std::size_t n) noexcept;
}
namespace {

void BM_crc32c(benchmark::State& state) {
  bytes data(static_cast<std::size_t>(state.range(0)), 0xA5);
  for (auto _ : state) benchmark::DoNotOptimize(crc32c::extend(0, data.data(), data.size()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_crc32c)->Arg(1024)->Arg(16384)->Arg(1 << 20);

void BM_crc32c_portable(benchmark::State& state) {
  bytes data(static_cast<std::size_t>(state.range(0)), 0xA5);
  for (auto _ : state) benchmark::DoNotOptimize(crc32c::detail::extend_portable_for_test(0, data.data(), data.size()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_crc32c_portable)->Arg(16384);

}  // namespace
}  // namespace sd

BENCHMARK_MAIN();
