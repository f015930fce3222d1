// The stdin source reading a pipe into a real spool: lines (the last one without a newline included), JSON
// records and a bad line, long lines cut, many lines batched in order, and a full spool that holds the reader
// back until space frees up, after which every line arrives once.

#include "relay/sources/stdin_source.h"

#include <unistd.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "line_source_test_util.h"

namespace sd::relay::test {
namespace {

struct pipe_fds {
  pipe_fds() { EXPECT_EQ(::pipe(fds), 0); }
  ~pipe_fds() {
    close_write();
    ::close(fds[0]);
  }
  void close_write() {
    if (fds[1] >= 0) ::close(fds[1]);
    fds[1] = -1;
  }
  int read_end() const { return fds[0]; }
  int write_end() const { return fds[1]; }
  int fds[2] = {-1, -1};
};

source_config stdin_config(const std::string& format = "lines", std::size_t max_line_bytes = 1 << 20) {
  source_config c;
  c.name = "stdin-0";
  c.type = source_type::stdin_lines;
  c.topic = "lines";
  c.format = format;
  c.max_line_bytes = max_line_bytes;
  return c;
}

bool at_eof(const source& s) {
  nlohmann::json j;
  s.describe(j);
  return j.value("eof", false);
}

TEST(StdinSource, LinesIncludingALastLineWithoutNewline) {
  spool_env env;
  pipe_fds p;
  auto src = make_fd_source(stdin_config(), *env.ctx, p.read_end());
  src->start();
  write_fd(p.write_end(), "first\nsecond\n\nlast without newline");
  p.close_write();
  auto v = env.wait_values(4);
  EXPECT_EQ(v, (std::vector<std::string>{"first", "second", "", "last without newline"}));
  ASSERT_TRUE(wait_until([&] { return at_eof(*src); }));
  src->stop();
  auto recs = env.read_from(1);
  ASSERT_EQ(recs.size(), 4u);
  for (const auto& r : recs) {
    EXPECT_EQ(r.topic, "lines");
    EXPECT_FALSE(r.key.has_value());
    EXPECT_TRUE(r.headers.empty());
    EXPECT_EQ(r.partition, -1);
  }
  EXPECT_EQ(src->stats().received_total.load(), 4u);
  EXPECT_EQ(src->stats().appended_total.load(), 4u);
  EXPECT_EQ(src->stats().bytes_total.load(), std::string("firstsecondlast without newline").size());
  EXPECT_EQ(src->stats().in_flight.load(), 0);
}

TEST(StdinSource, JsonRecordsAndABadLineThatDoesNotStopTheSource) {
  spool_env env;
  pipe_fds p;
  auto src = make_fd_source(stdin_config("json"), *env.ctx, p.read_end());
  src->start();
  write_fd(p.write_end(),
           R"({"key":"k1","value":"v1","headers":{"h":"x"},"partition":2,"timestamp":1700000000123})"
           "\n"
           "this is not json\n"
           "\n"
           R"({"value":{"n":1}})"
           "\n");
  auto v = env.wait_values(2);
  ASSERT_EQ(v.size(), 2u);
  ASSERT_TRUE(wait_until([&] { return src->stats().rejected_total.load() == 1; }));
  write_fd(p.write_end(), R"({"key":null,"value":"after"})");  // the last line, no newline
  p.close_write();
  ASSERT_EQ(env.wait_values(3).size(), 3u);
  src->stop();
  auto recs = env.read_from(1);
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].key, "k1");
  EXPECT_EQ(recs[0].value, "v1");
  EXPECT_EQ(recs[0].partition, 2);
  EXPECT_EQ(recs[0].timestamp_ms, 1700000000123);
  EXPECT_EQ(recs[0].headers, (std::vector<spool::header>{{"h", "x"}}));
  EXPECT_EQ(recs[1].value, R"({"n":1})");
  EXPECT_FALSE(recs[1].key.has_value());
  EXPECT_GT(recs[1].timestamp_ms, 0);  // the append time
  EXPECT_EQ(recs[2].value, "after");
  EXPECT_EQ(src->stats().rejected_total.load(), 1u);
  EXPECT_EQ(src->stats().appended_total.load(), 3u);
}

TEST(StdinSource, LongLinesAreCutIntoRecordsOfMaxLineBytes) {
  spool_env env;
  pipe_fds p;
  auto src = make_fd_source(stdin_config("lines", 4), *env.ctx, p.read_end());
  src->start();
  write_fd(p.write_end(), "abcdefghij\nabcd\nxy\nabcdefgh\n123456");
  p.close_write();
  auto v = env.wait_values(9);
  EXPECT_EQ(v, (std::vector<std::string>{"abcd", "efgh", "ij", "abcd", "xy", "abcd", "efgh", "1234", "56"}));
  ASSERT_TRUE(wait_until([&] { return at_eof(*src); }));
  EXPECT_EQ(env.values().size(), 9u);
}

TEST(StdinSource, ManyLinesArriveInOrderOnce) {
  spool_env env;
  pipe_fds p;
  auto src = make_fd_source(stdin_config(), *env.ctx, p.read_end());
  src->start();
  const auto lines = numbered_lines("line-", 0, 20000, 40);
  std::thread writer([&] {
    write_fd(p.write_end(), join_lines(lines));
    p.close_write();
  });
  auto v = env.wait_values(lines.size(), 10000ms);
  writer.join();
  EXPECT_EQ(v, lines);
  ASSERT_TRUE(wait_until([&] { return at_eof(*src); }));
  EXPECT_EQ(env.values().size(), lines.size());
  EXPECT_EQ(src->stats().appended_total.load(), lines.size());
}

TEST(StdinSource, FullSpoolHoldsTheReaderBackAndEveryLineArrivesOnce) {
  spool_env env(64u << 10, 16u << 10);
  pipe_fds p;
  auto src = make_fd_source(stdin_config(), *env.ctx, p.read_end());
  src->start();
  const auto lines = numbered_lines("record-", 0, 3000, 100);  // ~300 KiB: several times the spool
  std::thread writer([&] {
    write_fd(p.write_end(), join_lines(lines));
    p.close_write();
  });
  ASSERT_TRUE(wait_until([&] { return src->stats().backpressure_total.load() >= 1; }));
  const auto held = env.sp->durable_seq();
  EXPECT_LT(held, lines.size());
  // Forward what is there, repeatedly: space frees, the source resumes with the same batch.
  std::vector<std::string> got;
  std::uint64_t next = 1;
  ASSERT_TRUE(wait_until(
      [&] {
        const auto before = next;
        for (auto& r : env.read_from(next)) {
          got.push_back(r.value.value_or(""));
          next = r.seq + 1;
        }
        if (next > before) {
          EXPECT_TRUE(env.sp->mark_forwarded(next - 1));
        }
        return got.size() >= lines.size();
      },
      10000ms));
  writer.join();
  EXPECT_EQ(got, lines);
  ASSERT_TRUE(wait_until([&] { return at_eof(*src); }));
  EXPECT_EQ(src->stats().appended_total.load(), lines.size());
  EXPECT_GE(src->stats().backpressure_total.load(), 1u);
}

TEST(StdinSource, BatchesOfShortLinesFitATinySpool) {
  // 1000 one-byte lines weigh far more in spool frames than in bytes: the batch caps must count the frames,
  // or a batch could never fit and the source would stall.
  spool_env env(64u << 10, 16u << 10);
  pipe_fds p;
  auto src = make_fd_source(stdin_config(), *env.ctx, p.read_end());
  src->start();
  std::vector<std::string> lines(5000, "x");
  std::thread writer([&] {
    write_fd(p.write_end(), join_lines(lines));
    p.close_write();
  });
  std::size_t got = 0;
  std::uint64_t next = 1;
  ASSERT_TRUE(wait_until(
      [&] {
        const auto recs = env.read_from(next);
        got += recs.size();
        if (!recs.empty()) {
          next = recs.back().seq + 1;
          EXPECT_TRUE(env.sp->mark_forwarded(next - 1));
        }
        return got >= lines.size();
      },
      10000ms));
  writer.join();
  EXPECT_EQ(got, lines.size());
  EXPECT_EQ(src->stats().errors_total.load(), 0u);
}

TEST(StdinSource, StopWithoutEndOfInputReturnsPromptly) {
  spool_env env;
  pipe_fds p;
  auto src = make_fd_source(stdin_config(), *env.ctx, p.read_end());
  src->start();
  write_fd(p.write_end(), "one\ntwo\n");
  ASSERT_EQ(env.wait_values(2).size(), 2u);
  const auto t0 = std::chrono::steady_clock::now();
  src->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_FALSE(at_eof(*src));
  EXPECT_EQ(env.values(), (std::vector<std::string>{"one", "two"}));
}

}  // namespace
}  // namespace sd::relay::test
