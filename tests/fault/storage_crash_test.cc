// Crash test: a child process appends and group-commits batches, reporting each flushed end offset through
// a pipe; we kill -9 it at a random moment, reopen the data directory and check that every offset reported
// as flushed reads back byte-identical and that offsets are contiguous from the log start. Repeated
// 20 times (STREAMDOWN_TEST_SCALE=small, default) or 200 times (large), alternating clean and unclean
// reopen paths for the next child.

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>

#include "crash_batches.h"
#include "io/filesystem.h"
#include "storage/log_manager.h"
#include "temp_dir.h"

namespace sd {
namespace {

std::string g_child;

int iterations() {
  const char* s = std::getenv("STREAMDOWN_TEST_SCALE");
  return s != nullptr && std::string(s) == "large" ? 200 : 20;
}

// Runs the child for about `run_ms`, kills it, returns the largest flushed end it reported (0 if none).
std::int64_t run_and_kill(const std::string& dir, int run_ms) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe");
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::close(fds[1]);
    ::execl(g_child.c_str(), g_child.c_str(), dir.c_str(), static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  ::close(fds[1]);
  std::int64_t max_end = 0;
  std::int64_t prev = 0;
  bytes pending;
  auto consume = [&](bool wait_ms_left, int timeout_ms) {
    pollfd p{fds[0], POLLIN, 0};
    if (::poll(&p, 1, wait_ms_left ? timeout_ms : -1) <= 0) return true;
    std::uint8_t buf[4096];
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) return false;
    pending.insert(pending.end(), buf, buf + n);
    std::size_t whole = pending.size() / 8 * 8;
    for (std::size_t i = 0; i < whole; i += 8) {
      std::int64_t v;
      std::memcpy(&v, pending.data() + i, 8);
      EXPECT_GE(v, prev);  // flushed ends are reported in order
      prev = v;
      max_end = std::max(max_end, v);
    }
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(whole));
    return true;
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(run_ms);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    if (!consume(true, static_cast<int>(left.count()))) break;  // child exited early
  }
  ::kill(pid, SIGKILL);
  int st = 0;
  ::waitpid(pid, &st, 0);
  while (consume(false, 0)) {
  }
  ::close(fds[0]);
  EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) << "child ended by itself, status " << st;
  return max_end;
}

TEST(StorageCrash, KillNineKeepsEveryFlushedOffset) {
  ASSERT_FALSE(g_child.empty()) << "pass the child executable's path as the first argument";
  test::temp_dir dir;
  std::mt19937 rng(12345);
  std::int64_t best_reported = 0;
  std::uint64_t truncated_total = 0;
  int torn_seen = 0;
  int n = iterations();
  for (int it = 0; it < n; ++it) {
    int run_ms = 5 + static_cast<int>(rng() % 150);
    std::int64_t reported = run_and_kill(dir.path(), run_ms);
    best_reported = std::max(best_reported, reported);

    storage::log_config cfg;
    cfg.segment_bytes = 64 * 1024;
    cfg.index_interval_bytes = 1024;
    cfg.retention_ms = -1;
    auto m = storage::log_manager::open(dir.path(), io::posix_filesystem(), cfg);
    ASSERT_TRUE(m) << m.error().message();
    // The marker may still be there when the child was killed before it finished opening the directory.
    auto log = (*m)->get("crash", partition_id(0));
    if (log) {
      truncated_total += log->recovery().bytes_truncated;
      torn_seen += log->recovery().bytes_truncated > 0 ? 1 : 0;
    }
    if (!log) {
      ASSERT_EQ(best_reported, 0) << "iteration " << it;
      continue;
    }
    ASSERT_GE(log->next_offset().value(), best_reported) << "iteration " << it << ": flushed data lost";
    EXPECT_EQ(log->start_offset(), offset(0));
    // Every stored batch (flushed or not) must be exactly what the child wrote, with no gap.
    offset at = log->start_offset();
    while (at < log->next_offset()) {
      auto r = log->read(at, 1 << 20);
      ASSERT_TRUE(r) << r.error().message();
      ASSERT_FALSE(r->empty());
      auto data = storage::copy_to_bytes(*r);
      ASSERT_TRUE(data);
      byte_span rest = *data;
      while (!rest.empty()) {
        auto f = batch::frame(rest, 1 << 20);
        ASSERT_EQ(f.status, batch::check::ok) << "iteration " << it << " offset " << at.value();
        ASSERT_EQ(f.hdr.base_offset, at.value()) << "gap or overlap at iteration " << it;
        bytes expect = crash::batch_for(at.value());
        ASSERT_TRUE(std::equal(expect.begin(), expect.end(), rest.begin(), rest.begin() + f.size))
            << "batch at " << at.value() << " differs";
        at = offset(f.hdr.last_offset() + 1);
        rest = rest.subspan(f.size);
      }
    }
    EXPECT_EQ(at, log->next_offset());
    log.reset();
    ASSERT_TRUE((*m)->close());
    m->reset();
    // Odd iterations: the child will see an unclean directory (full scan); even: a clean one (tail scan).
    if (it % 2 == 1) std::filesystem::remove(dir / ".clean_shutdown");
  }
  EXPECT_GT(best_reported, 0) << "the child never reported a flushed offset";
  EXPECT_GT(torn_seen, 0) << "no kill landed inside a batch: recovery of torn tails was not exercised";
  std::printf("%d kills; largest flushed end reported: %lld; bytes truncated at reopen: %llu in %d reopens\n", n,
              static_cast<long long>(best_reported), static_cast<unsigned long long>(truncated_total), torn_seen);
}

}  // namespace
}  // namespace sd

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc > 1) sd::g_child = argv[1];
  return RUN_ALL_TESTS();
}
