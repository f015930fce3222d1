// Log cleaner throughput (Google Benchmark), side by side with the I/O floor. Figures go to
// docs/BENCHMARKS.md ("Log compaction").
//
//   BM_clean_pass/<MiB>/<keys>   one full cleaning pass (offset map, rewrite, swap with fdatasync and
//                                directory syncs) over a freshly written partition log of <MiB> of 200-byte
//                                keyed records over <keys> keys, 4 MiB segments, everything below the active
//                                segment cleanable
//   BM_copy_floor/<MiB>          the reference: read every sealed segment of the same log and write it to a
//                                new file, then fdatasync (what any rewrite of that log must at least cost)
//
// Each iteration writes its log first with timing paused (the page cache then holds it, as it holds a
// recently written log in the broker). bytes_per_second counts the input log bytes. Run in
// STREAMDOWN_BENCH_DIR (default ./bench-tmp).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "base/clock.h"
#include "compaction/cleaner.h"
#include "io/filesystem.h"
#include "protocol/record_batch.h"
#include "storage/partition_log.h"

namespace {

using namespace sd;

std::string bench_dir() {
  const char* d = std::getenv("STREAMDOWN_BENCH_DIR");
  return std::string(d && *d ? d : "./bench-tmp") + "/compaction";
}

storage::log_config config() {
  storage::log_config c;
  c.segment_bytes = 4 << 20;
  c.retention_ms = -1;
  c.compact = true;
  c.delete_by_retention = false;
  c.min_cleanable_dirty_ratio = 0;
  return c;
}

/// A log of `mib` MiB of keyed 200-byte records (batches of 50) over `keys` keys, then one record in a new
/// active segment so everything before it is cleanable. Returns the bytes written.
std::uint64_t write_log(const std::string& dir, int mib, int keys) {
  std::filesystem::remove_all(dir);
  auto log = storage::partition_log::open(io::posix_filesystem(), dir, config());
  if (!log) std::abort();
  const std::string value(200, 'v');
  std::int64_t now = wall_ms_now();
  std::uint64_t n = 0;
  while ((*log)->size_bytes() < static_cast<std::uint64_t>(mib) << 20) {
    std::vector<protocol::record> rs(50);
    for (auto& r : rs) {
      const std::string k = "key-" + std::to_string(n++ % static_cast<std::uint64_t>(keys));
      r.key = bytes(k.begin(), k.end());
      r.value = bytes(value.begin(), value.end());
      r.timestamp = now;
    }
    auto b = protocol::build_batch(rs);
    if (!b || !(*log)->append(*b, now)) std::abort();
  }
  const auto size = (*log)->size_bytes();
  now += config().segment_ms + 1;
  protocol::record last;
  last.key = bytes{'z'};
  last.value = bytes{'z'};
  last.timestamp = now;
  auto b = protocol::build_batch(std::span(&last, 1));
  if (!b || !(*log)->append(*b, now) || !(*log)->close()) std::abort();
  return size;
}

void BM_clean_pass(benchmark::State& state) {
  const int mib = static_cast<int>(state.range(0));
  const int keys = static_cast<int>(state.range(1));
  const std::string dir = bench_dir() + "/clean";
  compaction::offset_map map(16 << 20);
  std::uint64_t bytes = 0, removed = 0;
  for (auto _ : state) {
    state.PauseTiming();
    bytes += write_log(dir, mib, keys);
    auto log = storage::partition_log::open(io::posix_filesystem(), dir, config(), {true, 0});
    if (!log) std::abort();
    const auto before = (*log)->size_bytes();
    state.ResumeTiming();
    auto passes = compaction::clean_synchronously(**log, io::posix_filesystem(), map, wall_ms_now());
    if (!passes || *passes < 1) state.SkipWithError("no pass ran");
    state.PauseTiming();
    removed += before - (*log)->size_bytes();
    (void)(*log)->close();
    state.ResumeTiming();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  state.counters["removed_share"] = bytes ? static_cast<double>(removed) / static_cast<double>(bytes) : 0;
  std::filesystem::remove_all(dir);
}

void BM_copy_floor(benchmark::State& state) {
  const int mib = static_cast<int>(state.range(0));
  const std::string dir = bench_dir() + "/copy";
  std::uint64_t bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    bytes += write_log(dir, mib, 1000);
    auto log = storage::partition_log::open(io::posix_filesystem(), dir, config(), {true, 0});
    if (!log) std::abort();
    auto view = (*log)->view_for_cleaning();
    state.ResumeTiming();
    auto out = io::posix_filesystem().open(dir + "/copy.out", io::open_mode::create_truncate);
    if (!out) std::abort();
    sd::bytes buf(1 << 20);
    std::uint64_t at = 0;
    for (const auto& seg : view.segments) {
      for (std::uint64_t pos = 0; pos < seg.size;) {
        const auto n = std::min<std::uint64_t>(buf.size(), seg.size - pos);
        auto r = io::read_up_to(*seg.file, file_pos(pos), mutable_byte_span(buf.data(), n));
        if (!r || !io::write_all(**out, file_pos(at), byte_span(buf.data(), *r))) std::abort();
        pos += *r;
        at += *r;
      }
    }
    if (!(*out)->datasync()) std::abort();
    state.PauseTiming();
    (void)(*log)->close();
    state.ResumeTiming();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  std::filesystem::remove_all(dir);
}

BENCHMARK(BM_clean_pass)->Args({64, 1000})->Args({64, 100000})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_copy_floor)->Args({64})->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
