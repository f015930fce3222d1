// Child of the storage crash test: opens the data directory given as argv[1], then appends deterministic
// batches forever, asking the group-commit flusher for durability, and writes each flushed end offset (8
// bytes, native order) to stdout once its callback reports success. The parent kill -9s it at random.

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "crash_batches.h"
#include "base/clock.h"
#include "io/faulty_filesystem.h"
#include "storage/log_manager.h"

using namespace sd;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <data_dir>\n", argv[0]);
    return 2;
  }
  storage::log_config cfg;
  cfg.segment_bytes = 64 * 1024;
  cfg.index_interval_bytes = 1024;
  cfg.retention_ms = -1;
  // Short writes split each batch over several pwrite calls and the throttle (1 MB/s) makes the child spend
  // most of its time between those calls, so a kill -9 usually leaves a torn batch at the tail (a single
  // pwrite into the page cache is never torn by a kill).
  io::fault_config faults;
  faults.max_bytes_per_write = 128;
  faults.write_bytes_per_second = 1'000'000;
  io::faulty_filesystem fs(io::posix_filesystem(), faults);
  auto m = storage::log_manager::open(argv[1], fs, cfg);
  if (!m) {
    std::fprintf(stderr, "child: open: %s\n", m.error().message().c_str());
    return 3;
  }
  auto log = (*m)->get("crash", partition_id(0));
  if (!log) {
    auto created = (*m)->create_partition("crash", partition_id(0));
    if (!created) {
      std::fprintf(stderr, "child: create: %s\n", created.error().message().c_str());
      return 3;
    }
    log = *created;
  }
  std::atomic<int> outstanding{0};
  std::uint64_t round = 0;
  for (;;) {
    while (outstanding.load() >= 16) std::this_thread::yield();
    int n = static_cast<int>(1 + round++ % 6);
    offset end;
    for (int i = 0; i < n; ++i) {
      bytes b = crash::batch_for(log->next_offset().value());
      auto r = log->append(b, wall_ms_now());
      if (!r) {
        std::fprintf(stderr, "child: append: %s\n", r.error().message().c_str());
        std::_Exit(4);
      }
      end = r->next_offset;
    }
    ++outstanding;
    (*m)->flusher().request(*log, end, [end, &outstanding](status s) {
      if (!s) {
        std::fprintf(stderr, "child: flush: %s\n", s.error().message().c_str());
        std::_Exit(5);
      }
      std::int64_t v = end.value();
      if (::write(1, &v, sizeof v) != sizeof v) std::_Exit(6);
      --outstanding;
    });
    if (round % 8 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}
