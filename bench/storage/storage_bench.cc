// Storage micro-benchmarks (Google Benchmark). Figures and the command line go to docs/BENCHMARKS.md.
//
//   BM_append_nosync/<batch bytes>                 appends to one partition log, no fdatasync at all
//   BM_group_commit/<batch bytes>/<appenders>      N threads append to ONE shared partition log (through a
//                                                  mutex, as the broker's event loop serialises appends to a
//                                                  partition) and each waits for its batch to be durable
//                                                  via the flusher (acks=all). One fdatasync covers every
//                                                  waiting batch.
//   BM_group_commit_loop/<batch bytes>/<producers>  the broker's model: one event-loop thread appends for
//                                                  N clients with one batch in flight each; flusher
//                                                  callbacks post completions back to that loop
//   BM_group_commit_open/<batch bytes>/<interval us> one producer appends every interval without waiting
//                                                  (open loop); append-to-durable latency p50/p99
//   BM_raw_append_fdatasync/<bytes per sync>       reference: write(B) + fdatasync() in a loop, appending to
//                                                  64 MiB files like the log (the group-commit expectation's)
//   BM_raw_write_fdatasync/<bytes per sync>        the disk's best case: the same loop overwriting 512 MiB
//                                                  in place (no block allocation, no journal commit)
//   BM_recovery_open/<clean>                       partition_log::open of a 128 MiB log, unclean / clean
//
// Counters: bytes_per_second, fsyncs_per_second (real fdatasync + directory fsync calls, counted by a
// pass-through faulty_filesystem with no fault set), bytes_per_fsync.
// Each case runs for STREAMDOWN_BENCH_SECONDS (default 3) in STREAMDOWN_BENCH_DIR (default ./bench-tmp).

#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/record_batch_header.h"
#include "io/faulty_filesystem.h"
#include "storage/flusher.h"
#include "storage/partition_log.h"

namespace sd {
namespace {

double run_seconds() {
  const char* s = std::getenv("STREAMDOWN_BENCH_SECONDS");
  return s != nullptr ? std::atof(s) : 3.0;
}

std::string bench_dir(const std::string& name) {
  const char* d = std::getenv("STREAMDOWN_BENCH_DIR");
  std::string root = d != nullptr ? d : "./bench-tmp";
  std::string path = root + "/" + name;
  std::filesystem::remove_all(path);
  std::filesystem::create_directories(path);
  return path;
}

bytes make_batch(std::size_t total) {
  bytes b(total, 0x5A);
  batch::header h;
  h.batch_length = static_cast<std::int32_t>(total - batch::length_field_end);
  h.magic = batch::magic_v2;
  h.last_offset_delta = 9;
  h.records_count = 10;
  h.base_timestamp = h.max_timestamp = 1'700'000'000'000;
  batch::write_header(b.data(), h);
  batch::seal_crc(b);
  return b;
}

storage::log_config bench_config() {
  storage::log_config c;
  c.segment_bytes = 64 << 20;
  c.retention_bytes = 512 << 20;  // bounded disk use; retention runs every 1024 appends
  c.retention_ms = -1;
  c.cache_window_bytes = 256 << 20;  // the broker's default (streamdown.log.page.cache.window.bytes)
  return c;
}

using clock_type = std::chrono::steady_clock;

/// The counters every sync case reports: bytes/s, fsyncs/s and bytes per fsync over `elapsed` seconds.
void set_sync_counters(benchmark::State& state, double bytes, double syncs, double elapsed) {
  state.counters["bytes_per_second"] = benchmark::Counter(bytes / elapsed);
  state.counters["fsyncs_per_second"] = benchmark::Counter(syncs / elapsed);
  state.counters["bytes_per_fsync"] = benchmark::Counter(syncs > 0 ? bytes / syncs : 0);
}

void BM_append_nosync(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  std::string dir = bench_dir("append_nosync");
  auto log = storage::partition_log::open(io::posix_filesystem(), dir, bench_config());
  if (!log) {
    state.SkipWithError(log.error().message().c_str());
    return;
  }
  bytes b = make_batch(size);
  std::uint64_t appended = 0;
  for (auto _ : state) {
    auto start = clock_type::now();
    auto deadline = start + std::chrono::duration<double>(run_seconds());
    while (clock_type::now() < deadline) {
      for (int i = 0; i < 64; ++i) {
        if (!(*log)->append(b, 0)) {
          state.SkipWithError("append failed");
          return;
        }
        if (++appended % 1024 == 0) (void)(*log)->enforce_retention(0);
      }
    }
    state.SetIterationTime(std::chrono::duration<double>(clock_type::now() - start).count());
  }
  double secs = run_seconds();
  state.counters["bytes_per_second"] = benchmark::Counter(static_cast<double>(appended * size) / secs);
  state.counters["appends_per_second"] = benchmark::Counter(static_cast<double>(appended) / secs);
  log->reset();
  std::filesystem::remove_all(dir);
}

struct waiter {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  bool ok = true;
};

void BM_group_commit(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const auto appenders = static_cast<int>(state.range(1));
  std::string dir = bench_dir("group_commit");
  io::faulty_filesystem counting(io::posix_filesystem());  // no faults: counts fdatasync calls
  auto log = storage::partition_log::open(counting, dir, bench_config());
  if (!log) {
    state.SkipWithError(log.error().message().c_str());
    return;
  }
  storage::flusher fl;
  std::mutex log_mu;  // the partition's owner: one appender at a time, like one event loop
  std::atomic<std::uint64_t> appended{0};
  std::atomic<bool> failed{false};
  double elapsed = 0;
  std::uint64_t syncs_before = counting.stats().syncs;
  for (auto _ : state) {
    std::atomic<bool> stop{false};
    auto start = clock_type::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < appenders; ++t) {
      threads.emplace_back([&] {
        bytes b = make_batch(size);
        waiter w;
        while (!stop.load(std::memory_order_relaxed)) {
          offset end;
          {
            std::lock_guard lk(log_mu);
            auto r = (*log)->append(b, 0);
            if (!r) {
              failed = true;
              return;
            }
            end = r->next_offset;
            if (appended.fetch_add(1) % 1024 == 1023) (void)(*log)->enforce_retention(0);
            w.done = false;
            fl.request(**log, end, [&w](status s) {
              std::lock_guard wl(w.mu);
              w.ok = s.has_value();
              w.done = true;
              w.cv.notify_one();
            });
          }
          std::unique_lock wl(w.mu);
          w.cv.wait(wl, [&] { return w.done; });
          if (!w.ok) {
            failed = true;
            return;
          }
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(run_seconds()));
    stop = true;
    for (auto& t : threads) t.join();
    elapsed = std::chrono::duration<double>(clock_type::now() - start).count();
    state.SetIterationTime(elapsed);
  }
  if (failed) state.SkipWithError("append or sync failed");
  double syncs = static_cast<double>(counting.stats().syncs - syncs_before);
  double total = static_cast<double>(appended.load() * size);
  set_sync_counters(state, total, syncs, elapsed);
  fl.stop();
  log->reset();
  std::filesystem::remove_all(dir);
}

// The broker's appender model: ONE storage event-loop thread owns the partition and appends for
// `producers` clients, each with one batch in flight (acks=all: a client sends its next batch when the
// previous one is acknowledged). The flusher callback posts the completion back to the loop, which then
// appends that client's next batch. Same counters as BM_group_commit.
void BM_group_commit_loop(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const auto producers = static_cast<std::size_t>(state.range(1));
  std::string dir = bench_dir("group_commit_loop");
  io::faulty_filesystem counting(io::posix_filesystem());  // no faults: counts fdatasync calls
  auto log = storage::partition_log::open(counting, dir, bench_config());
  if (!log) {
    state.SkipWithError(log.error().message().c_str());
    return;
  }
  storage::flusher fl;
  struct loop_queue {  // the loop's inbox: completions posted by the flusher thread
    std::mutex mu;
    std::condition_variable cv;
    std::size_t completed = 0;
    bool failed = false;
  } inbox;
  std::uint64_t appended = 0;
  bool failed = false;
  double elapsed = 0;
  std::uint64_t syncs_before = counting.stats().syncs;
  for (auto _ : state) {
    std::atomic<bool> stop{false};
    auto start = clock_type::now();
    std::thread loop([&] {
      bytes b = make_batch(size);
      std::size_t in_flight = 0;
      std::size_t ready = producers;
      for (;;) {
        for (; ready > 0 && !stop.load(std::memory_order_relaxed); --ready) {
          auto r = (*log)->append(b, 0);
          if (!r) {
            failed = true;
            break;
          }
          if (++appended % 1024 == 0) (void)(*log)->enforce_retention(0);
          ++in_flight;
          fl.request(**log, r->next_offset, [&inbox](status s) {
            std::lock_guard lk(inbox.mu);
            if (!s) inbox.failed = true;
            if (inbox.completed++ == 0) inbox.cv.notify_one();
          });
        }
        if (in_flight == 0 && (stop || failed)) return;
        std::unique_lock lk(inbox.mu);
        inbox.cv.wait(lk, [&] { return inbox.completed > 0; });
        if (inbox.failed) failed = true;
        in_flight -= inbox.completed;
        ready += failed ? 0 : inbox.completed;
        inbox.completed = 0;
      }
    });
    std::this_thread::sleep_for(std::chrono::duration<double>(run_seconds()));
    stop = true;
    loop.join();
    elapsed = std::chrono::duration<double>(clock_type::now() - start).count();
    state.SetIterationTime(elapsed);
  }
  if (failed) state.SkipWithError("append or sync failed");
  double syncs = static_cast<double>(counting.stats().syncs - syncs_before);
  double total = static_cast<double>(appended * size);
  set_sync_counters(state, total, syncs, elapsed);
  fl.stop();
  log->reset();
  std::filesystem::remove_all(dir);
}

// Open loop: one producer appends a batch every <interval> µs without waiting for earlier ones to be
// durable (arrivals independent of completions, like many clients at a steady rate) and asks the flusher
// for each. Reports the append-to-durable latency (p50, p99) beside fsyncs/s.
void BM_group_commit_open(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const auto interval = std::chrono::microseconds(state.range(1));
  std::string dir = bench_dir("group_commit_open");
  io::faulty_filesystem counting(io::posix_filesystem());  // no faults: counts fdatasync calls
  auto log = storage::partition_log::open(counting, dir, bench_config());
  if (!log) {
    state.SkipWithError(log.error().message().c_str());
    return;
  }
  storage::flusher fl;
  std::mutex lat_mu;
  std::vector<double> latencies_us;
  std::atomic<std::int64_t> outstanding{0};
  std::atomic<bool> failed{false};
  double elapsed = 0;
  std::uint64_t syncs_before = counting.stats().syncs;
  for (auto _ : state) {
    bytes b = make_batch(size);
    auto start = clock_type::now();
    auto deadline = start + std::chrono::duration<double>(run_seconds());
    auto next = start;
    std::uint64_t appended = 0;
    while (next < deadline) {
      std::this_thread::sleep_until(next);
      next += interval;
      auto t0 = clock_type::now();
      auto r = (*log)->append(b, 0);
      if (!r) {
        failed = true;
        break;
      }
      if (++appended % 1024 == 0) (void)(*log)->enforce_retention(0);
      ++outstanding;
      fl.request(**log, r->next_offset, [t0, &lat_mu, &latencies_us, &outstanding, &failed](status st) {
        if (!st) failed = true;
        double us = std::chrono::duration<double, std::micro>(clock_type::now() - t0).count();
        {
          std::lock_guard lk(lat_mu);
          latencies_us.push_back(us);
        }
        --outstanding;
      });
    }
    while (outstanding.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    elapsed = std::chrono::duration<double>(clock_type::now() - start).count();
    state.SetIterationTime(elapsed);
  }
  if (failed) state.SkipWithError("append or sync failed");
  std::sort(latencies_us.begin(), latencies_us.end());
  auto pct = [&](double p) {
    return latencies_us.empty() ? 0.0 : latencies_us[static_cast<std::size_t>(p * (latencies_us.size() - 1))];
  };
  double syncs = static_cast<double>(counting.stats().syncs - syncs_before);
  state.counters["fsyncs_per_second"] = benchmark::Counter(syncs / elapsed);
  state.counters["latency_p50_us"] = benchmark::Counter(pct(0.5));
  state.counters["latency_p99_us"] = benchmark::Counter(pct(0.99));
  fl.stop();
  log->reset();
  std::filesystem::remove_all(dir);
}

void BM_raw_write_fdatasync(benchmark::State& state) {
  const auto per_sync = static_cast<std::size_t>(state.range(0));
  std::string dir = bench_dir("raw");
  std::string path = dir + "/raw.dat";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    state.SkipWithError("open failed");
    return;
  }
  bytes buf(per_sync, 0x5A);
  std::uint64_t syncs = 0;
  std::uint64_t written = 0;
  const std::uint64_t wrap = 512ull << 20;  // rewrite the same 512 MiB, like retention bounds the log
  double elapsed = 0;
  for (auto _ : state) {
    auto start = clock_type::now();
    auto deadline = start + std::chrono::duration<double>(run_seconds());
    std::uint64_t pos = 0;
    while (clock_type::now() < deadline) {
      if (::pwrite(fd, buf.data(), buf.size(), static_cast<off_t>(pos)) != static_cast<ssize_t>(buf.size()) ||
          ::fdatasync(fd) != 0) {
        state.SkipWithError("write/fdatasync failed");
        break;
      }
      pos = (pos + per_sync) % wrap;
      written += per_sync;
      ++syncs;
    }
    elapsed = std::chrono::duration<double>(clock_type::now() - start).count();
    state.SetIterationTime(elapsed);
  }
  ::close(fd);
  set_sync_counters(state, static_cast<double>(written), static_cast<double>(syncs), elapsed);
  std::filesystem::remove_all(dir);
}

// Same loop as BM_raw_write_fdatasync, but appending like the log does: each write extends a 64 MiB file,
// a new file is created when it is full (its directory fsynced, counted), and files beyond 512 MiB are
// deleted. The reference of the group-commit expectation (a log appends); the overwrite loop above shows the
// file system's cost of appending.
void BM_raw_append_fdatasync(benchmark::State& state) {
  const auto per_sync = static_cast<std::size_t>(state.range(0));
  std::string dir = bench_dir("raw_append");
  const std::uint64_t file_bytes = 64ull << 20;
  const int keep_files = 8;
  bytes buf(per_sync, 0x5A);
  std::uint64_t syncs = 0;
  std::uint64_t written = 0;
  double elapsed = 0;
  int fd = -1;
  int file_no = 0;
  std::uint64_t pos = file_bytes;  // opens the first file on the first write
  auto file_path = [&](int n) { return dir + "/" + std::to_string(n) + ".log"; };
  for (auto _ : state) {
    auto start = clock_type::now();
    auto deadline = start + std::chrono::duration<double>(run_seconds());
    while (clock_type::now() < deadline) {
      if (pos + per_sync > file_bytes) {
        if (fd >= 0) ::close(fd);
        fd = ::open(file_path(++file_no).c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || dfd < 0 || ::fsync(dfd) != 0) {
          state.SkipWithError("open/fsync dir failed");
          if (dfd >= 0) ::close(dfd);
          break;
        }
        ::close(dfd);
        ++syncs;
        if (file_no > keep_files) std::filesystem::remove(file_path(file_no - keep_files));
        pos = 0;
      }
      if (::pwrite(fd, buf.data(), buf.size(), static_cast<off_t>(pos)) != static_cast<ssize_t>(buf.size()) ||
          ::fdatasync(fd) != 0) {
        state.SkipWithError("write/fdatasync failed");
        break;
      }
      pos += per_sync;
      written += per_sync;
      ++syncs;
    }
    elapsed = std::chrono::duration<double>(clock_type::now() - start).count();
    state.SetIterationTime(elapsed);
  }
  if (fd >= 0) ::close(fd);
  set_sync_counters(state, static_cast<double>(written), static_cast<double>(syncs), elapsed);
  std::filesystem::remove_all(dir);
}

// Start-up recovery cost: open a 128 MiB partition (1 KiB batches, 2 segments of 64 MiB) after an unclean
// shutdown (every batch's CRC checked, indexes rebuilt) and after a clean one (indexes loaded, tail scan).
void BM_recovery_open(benchmark::State& state) {
  const bool clean = state.range(0) != 0;
  std::string dir = bench_dir("recovery");
  const std::size_t total = 128 << 20;
  {
    auto cfg = bench_config();
    cfg.retention_bytes = -1;
    auto log = storage::partition_log::open(io::posix_filesystem(), dir, cfg);
    if (!log) {
      state.SkipWithError(log.error().message().c_str());
      return;
    }
    bytes b = make_batch(1024);
    for (std::size_t n = 0; n < total; n += b.size()) (void)(*log)->append(b, 0);
    if (!(*log)->close()) state.SkipWithError("close failed");
  }
  for (auto _ : state) {
    auto log = storage::partition_log::open(io::posix_filesystem(), dir, bench_config(),
                                            storage::open_options{clean, 0});
    if (!log) {
      state.SkipWithError(log.error().message().c_str());
      break;
    }
    benchmark::DoNotOptimize((*log)->next_offset());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(total));
  std::filesystem::remove_all(dir);
}

BENCHMARK(BM_raw_append_fdatasync)
    ->Arg(1024)
    ->Arg(4 * 1024)
    ->Arg(16 * 1024)
    ->Arg(4 * 16384)
    ->Arg(16 * 16384)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kSecond);
BENCHMARK(BM_recovery_open)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_append_nosync)->Arg(1024)->Arg(16384)->Iterations(1)->UseManualTime()->Unit(benchmark::kSecond);
BENCHMARK(BM_group_commit)
    ->ArgsProduct({{1024, 16384}, {1, 4, 16}})
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kSecond);
BENCHMARK(BM_group_commit_loop)
    ->ArgsProduct({{16384}, {1, 16}})
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kSecond);
BENCHMARK(BM_group_commit_open)
    ->ArgsProduct({{16384}, {250, 1000}})
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kSecond);
BENCHMARK(BM_raw_write_fdatasync)
    ->Arg(1024)
    ->Arg(4 * 1024)
    ->Arg(16 * 1024)
    ->Arg(4 * 16384)
    ->Arg(16 * 16384)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kSecond);

}  // namespace
}  // namespace sd

BENCHMARK_MAIN();
