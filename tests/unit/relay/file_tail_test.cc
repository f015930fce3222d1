// The file source: line splitting, the checkpoint format and resume decisions (pure), then the source against
// a real spool: lines and partial lines, JSON and a bad line, long lines cut, rename rotation and
// copytruncate (nothing lost, nothing duplicated), restart from the checkpoint, globs picking up new files,
// start_at = end, and a full spool that holds the checkpoint still until forwarding frees space.

#include "relay/sources/file_tail.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "line_source_test_util.h"
#include "relay/sources/line_batch.h"
#include "relay/sources/sources.h"

namespace sd::relay::test {
namespace {

using line_batch::split_lines;

std::vector<std::string> pieces(std::string_view data, const line_batch::split_result& r) {
  std::vector<std::string> out;
  for (const auto& p : r.lines) out.emplace_back(data.substr(p.begin, p.size));
  return out;
}

TEST(FileTailSplit, LinesPartialLinesAndCuts) {
  std::string_view d = "a\n\nbc\npartial";
  auto r = split_lines(d, 100, 1000, 1 << 20, false);
  EXPECT_EQ(pieces(d, r), (std::vector<std::string>{"a", "", "bc"}));
  EXPECT_EQ(r.consumed, 6u);
  r = split_lines(d, 100, 1000, 1 << 20, true);
  EXPECT_EQ(pieces(d, r), (std::vector<std::string>{"a", "", "bc", "partial"}));
  EXPECT_EQ(r.consumed, d.size());

  d = "abcd\nabcdefghij\nabc";  // max_line_bytes 4: an exact fit is one record; longer ones are cut
  r = split_lines(d, 4, 1000, 1 << 20, false);
  EXPECT_EQ(pieces(d, r), (std::vector<std::string>{"abcd", "abcd", "efgh", "ij"}));
  EXPECT_EQ(r.consumed, 16u);
  d = "abcd";  // could still be followed by '\n': waits
  EXPECT_TRUE(split_lines(d, 4, 1000, 1 << 20, false).lines.empty());
  d = "abcde";  // five bytes, no newline: cut
  r = split_lines(d, 4, 1000, 1 << 20, false);
  EXPECT_EQ(pieces(d, r), (std::vector<std::string>{"abcd"}));
  EXPECT_EQ(r.consumed, 4u);
}

TEST(FileTailSplit, CapsStopEarlyButTakeAtLeastOneLine) {
  std::string_view d = "aaaa\nbbbb\ncccc\n";
  auto r = split_lines(d, 100, 2, 1 << 20, false);
  EXPECT_EQ(r.lines.size(), 2u);
  EXPECT_EQ(r.consumed, 10u);
  r = split_lines(d, 100, 1000, 6, false);
  EXPECT_EQ(r.lines.size(), 1u);  // 4 + 4 > 6
  r = split_lines(d, 100, 1000, 1, false);
  EXPECT_EQ(r.lines.size(), 1u);  // over the cap alone: still one
}

TEST(FileTailCheckpoint, RoundTripsAndRefusesGarbage) {
  std::vector<file_tail::checkpoint_entry> e = {
      {"/var/log/a.log", {2049, 12}, 345, file_tail::make_fingerprint("hello\n")},
      {"/var/log/b.log", {2049, UINT64_MAX}, 0, {}}};
  auto text = file_tail::encode_checkpoint(e);
  auto back = file_tail::decode_checkpoint(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, e);
  EXPECT_FALSE(file_tail::decode_checkpoint("{"));
  EXPECT_FALSE(file_tail::decode_checkpoint(R"({"version":2,"files":[]})"));
  EXPECT_FALSE(file_tail::decode_checkpoint(R"({"version":1,"files":[{"dev":1,"inode":2,"offset":-1,)"
                                            R"("fingerprint_crc":0,"fingerprint_bytes":0}]})"));

  sd::test::temp_dir dir;
  const auto path = dir / "c.json";
  std::string err;
  EXPECT_FALSE(file_tail::read_whole_file(path, err));
  EXPECT_TRUE(err.empty());
  EXPECT_EQ(file_tail::write_file_atomic(path, text), "");
  EXPECT_EQ(file_tail::read_whole_file(path, err), text);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST(FileTailResume, TruncationAndRewrittenFirstBytesStartOver) {
  const auto fp = file_tail::make_fingerprint("line one\nline two\n");
  EXPECT_EQ(fp.bytes, 18u);
  EXPECT_EQ(file_tail::make_fingerprint(std::string(5000, 'x')).bytes, file_tail::fingerprint_max_bytes);
  file_tail::checkpoint_entry known{"p", {1, 2}, 18, fp};
  using file_tail::resume;
  EXPECT_EQ(file_tail::decide_resume(known, 18, fp), resume::at_offset);
  EXPECT_EQ(file_tail::decide_resume(known, 100, fp), resume::at_offset);
  EXPECT_EQ(file_tail::decide_resume(known, 10, std::nullopt), resume::from_start);  // copytruncate
  EXPECT_EQ(file_tail::decide_resume(known, 100, file_tail::make_fingerprint("other bytes here!!")),
            resume::from_start);  // same inode, other content
  file_tail::checkpoint_entry empty{"p", {1, 2}, 0, {}};
  EXPECT_EQ(file_tail::decide_resume(empty, 0, file_tail::fingerprint{}), resume::at_offset);
}

// --- the source against a real spool
// ------------------------------------------------------------------------

source_config file_config(std::vector<std::string> paths, const std::string& format = "lines",
                          std::size_t max_line_bytes = 1 << 20) {
  source_config c;
  c.name = "file-0";
  c.type = source_type::file;
  c.topic = "logs";
  c.paths = std::move(paths);
  c.format = format;
  c.max_line_bytes = max_line_bytes;
  return c;
}

std::vector<file_tail::checkpoint_entry> read_checkpoint(const spool_env& env,
                                                         const std::string& name = "file-0") {
  std::string err;
  auto text = file_tail::read_whole_file(env.ctx->state_dir + "/" + name + ".checkpoint.json", err);
  if (!text) return {};
  auto e = file_tail::decode_checkpoint(*text);
  EXPECT_TRUE(e);
  return e ? *e : std::vector<file_tail::checkpoint_entry>{};
}

std::uint64_t inode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0);
  return st.st_ino;
}

TEST(FileSource, LinesWaitForTheirNewline) {
  spool_env env;
  const auto path = env.dir / "app.log";
  append_file(path, "one\ntwo\npart");
  auto src = make_file_source(file_config({path}), *env.ctx);
  src->start();
  EXPECT_EQ(env.wait_values(2), (std::vector<std::string>{"one", "two"}));
  ASSERT_TRUE(wait_until([&] {
    auto c = read_checkpoint(env);
    return c.size() == 1 && c[0].offset == 8;
  }));
  EXPECT_TRUE(wait_until([&] { return src->stats().lag.load() == 4; }));  // "part" waits
  append_file(path, "ial\nthree\n");
  EXPECT_EQ(env.wait_values(4), (std::vector<std::string>{"one", "two", "partial", "three"}));
  ASSERT_TRUE(wait_until([&] { return read_checkpoint(env).at(0).offset == 22; }));
  nlohmann::json j;
  src->describe(j);
  ASSERT_EQ(j["files"].size(), 1u);
  EXPECT_EQ(j["files"][0]["path"], path);
  EXPECT_EQ(j["files"][0]["inode"], inode_of(path));
  src->stop();
  EXPECT_EQ(env.values().size(), 4u);
  EXPECT_EQ(src->stats().appended_total.load(), 4u);
  auto recs = env.read_from(1);
  EXPECT_EQ(recs[0].topic, "logs");
  EXPECT_FALSE(recs[0].key.has_value());
}

TEST(FileSource, JsonLinesAndABadLine) {
  spool_env env;
  const auto path = env.dir / "events.jsonl";
  append_file(path, R"({"key":"a","value":"1","headers":[["h","v"]]})"
                    "\n{broken\n"
                    R"({"value":"2","partition":3})"
                    "\n");
  auto src = make_file_source(file_config({path}, "json"), *env.ctx);
  src->start();
  auto v = env.wait_values(2);
  ASSERT_EQ(v, (std::vector<std::string>{"1", "2"}));
  ASSERT_TRUE(
      wait_until([&] { return read_checkpoint(env).at(0).offset == std::filesystem::file_size(path); }));
  src->stop();
  auto recs = env.read_from(1);
  EXPECT_EQ(recs[0].key, "a");
  EXPECT_EQ(recs[0].headers, (std::vector<spool::header>{{"h", "v"}}));
  EXPECT_EQ(recs[1].partition, 3);
  EXPECT_EQ(src->stats().rejected_total.load(), 1u);
  EXPECT_EQ(src->stats().received_total.load(), 3u);
}

TEST(FileSource, LongLineIsCutAndTheRestWaitsForItsNewline) {
  spool_env env;
  const auto path = env.dir / "long.log";
  append_file(path, std::string(10, 'x') + "\nyy");
  auto src = make_file_source(file_config({path}, "lines", 4), *env.ctx);
  src->start();
  EXPECT_EQ(env.wait_values(3), (std::vector<std::string>{"xxxx", "xxxx", "xx"}));
  append_file(path, "yyyyy\n");  // "yyyyyyy": cut after 4
  EXPECT_EQ(env.wait_values(5), (std::vector<std::string>{"xxxx", "xxxx", "xx", "yyyy", "yyy"}));
  src->stop();
}

TEST(FileSource, RenameRotationLosesAndDuplicatesNothing) {
  spool_env env;
  const auto path = env.dir / "app.log";
  const auto a = numbered_lines("a", 0, 100), b = numbered_lines("b", 0, 50), c = numbered_lines("c", 0, 50);
  append_file(path, join_lines(a));
  auto src = make_file_source(file_config({path}), *env.ctx);
  src->start();
  ASSERT_EQ(env.wait_values(100).size(), 100u);
  int old_fd = ::open(path.c_str(), O_WRONLY | O_APPEND);
  ASSERT_GE(old_fd, 0);
  ASSERT_EQ(::rename(path.c_str(), (path + ".1").c_str()), 0);
  write_fd(old_fd, join_lines(b));  // the writer has not reopened yet
  ::close(old_fd);
  append_file(path, join_lines(c));  // the new file at the path
  std::vector<std::string> want = a;
  want.insert(want.end(), b.begin(), b.end());
  want.insert(want.end(), c.begin(), c.end());
  EXPECT_EQ(env.wait_values(want.size()), want);
  // A second rotation while the first rotated file may still be open.
  ASSERT_EQ(::rename(path.c_str(), (path + ".2").c_str()), 0);
  append_file(path, "d0\n");
  want.push_back("d0");
  EXPECT_EQ(env.wait_values(want.size()), want);
  ASSERT_TRUE(wait_until([&] {
    for (const auto& e : read_checkpoint(env))
      if (e.id.inode == inode_of(path) && e.offset == 3) return true;
    return false;
  }));
  src->stop();
  EXPECT_EQ(env.values(), want);
}

TEST(FileSource, CopyTruncateStartsOverFromZero) {
  spool_env env;
  const auto path = env.dir / "app.log";
  append_file(path, join_lines(numbered_lines("old-", 0, 10)));
  auto src = make_file_source(file_config({path}), *env.ctx);
  src->start();
  ASSERT_EQ(env.wait_values(10).size(), 10u);
  ASSERT_TRUE(
      wait_until([&] { return read_checkpoint(env).at(0).offset == std::filesystem::file_size(path); }));
  std::filesystem::copy_file(path, path + ".1");  // not matched by the path: never read
  ASSERT_EQ(::truncate(path.c_str(), 0), 0);
  append_file(path, "new-0\nnew-1\n");  // shorter than the old offset
  auto v = env.wait_values(12);
  ASSERT_EQ(v.size(), 12u);
  EXPECT_EQ(v[10], "new-0");
  EXPECT_EQ(v[11], "new-1");
  src->stop();
  EXPECT_EQ(env.values().size(), 12u);
}

TEST(FileSource, RestartResumesFromTheCheckpointWithoutDuplicates) {
  spool_env env;
  const auto path = env.dir / "app.log";
  const auto first = numbered_lines("x", 0, 100), second = numbered_lines("y", 0, 50);
  append_file(path, join_lines(first));
  {
    auto src = make_file_source(file_config({path}), *env.ctx);
    src->start();
    ASSERT_EQ(env.wait_values(100).size(), 100u);
    src->stop();
  }
  auto c = read_checkpoint(env);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].offset, std::filesystem::file_size(path));
  EXPECT_EQ(c[0].id.inode, inode_of(path));
  append_file(path, join_lines(second));
  auto src = make_file_source(file_config({path}), *env.ctx);
  src->start();
  std::vector<std::string> want = first;
  want.insert(want.end(), second.begin(), second.end());
  EXPECT_EQ(env.wait_values(want.size()), want);
  std::this_thread::sleep_for(300ms);  // more than a poll: nothing more may come
  src->stop();
  EXPECT_EQ(env.values(), want);
}

TEST(FileSource, RestartReadsARewrittenFileFromTheStart) {
  spool_env env;
  const auto path = env.dir / "app.log";
  append_file(path, "aaaa\nbbbb\n");
  {
    auto src = make_file_source(file_config({path}), *env.ctx);
    src->start();
    ASSERT_EQ(env.wait_values(2).size(), 2u);
    src->stop();
  }
  // Same inode, other content, longer than the old offset: only the fingerprint tells.
  ASSERT_EQ(::truncate(path.c_str(), 0), 0);
  append_file(path, "cccc\ndddd\neeee\n");
  auto src = make_file_source(file_config({path}), *env.ctx);
  src->start();
  EXPECT_EQ(env.wait_values(5), (std::vector<std::string>{"aaaa", "bbbb", "cccc", "dddd", "eeee"}));
  src->stop();
}

TEST(FileSource, GlobPicksUpNewFilesFromTheirStartAndStartAtEndSkipsOldLines) {
  spool_env env;
  append_file(env.dir / "a.log", "old-a\n");
  append_file(env.dir / "skip.txt", "not matched\n");
  auto cfg = file_config({env.dir / "*.log"});
  cfg.start_at = "end";
  auto src = make_file_source(cfg, *env.ctx);
  src->start();
  append_file(env.dir / "a.log", "new-a\n");
  EXPECT_EQ(env.wait_values(1), (std::vector<std::string>{"new-a"}));
  append_file(env.dir / "b.log", "b-0\nb-1\n");  // appears later: read from its start despite start_at = end
  EXPECT_EQ(env.wait_values(3), (std::vector<std::string>{"new-a", "b-0", "b-1"}));
  ASSERT_TRUE(wait_until([&] { return read_checkpoint(env).size() == 2; }));
  nlohmann::json j;
  src->describe(j);
  EXPECT_EQ(j["files"].size(), 2u);
  src->stop();
  EXPECT_EQ(env.values().size(), 3u);
}

TEST(FileSource, FullSpoolHoldsTheCheckpointThenEverythingArrivesOnce) {
  spool_env env(64u << 10, 16u << 10);
  const auto path = env.dir / "big.log";
  const auto lines = numbered_lines("line-", 0, 3000, 99);  // 100 bytes per line with its newline
  append_file(path, join_lines(lines));
  auto src = make_file_source(file_config({path}), *env.ctx);
  src->start();
  ASSERT_TRUE(wait_until([&] { return src->stats().backpressure_total.load() >= 1; }));
  // Stopped: the checkpoint covers exactly the lines in the spool, and does not move while the spool is full.
  const auto held = env.values().size();
  ASSERT_GT(held, 0u);
  ASSERT_LT(held, lines.size());
  auto offset_now = [&] { return read_checkpoint(env).at(0).offset; };
  ASSERT_TRUE(wait_until([&] { return offset_now() == held * 100; }));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(offset_now(), held * 100);
  EXPECT_EQ(env.values().size(), held);
  EXPECT_GT(src->stats().lag.load(), 0);
  // Forward: space frees, the source resumes, and every line arrives once, in order.
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
  EXPECT_EQ(got, lines);
  ASSERT_TRUE(wait_until([&] { return offset_now() == lines.size() * 100; }));
  EXPECT_TRUE(wait_until([&] { return src->stats().lag.load() == 0; }));
  src->stop();
  EXPECT_EQ(src->stats().appended_total.load(), lines.size());
}

TEST(FileSource, BadConfigurationAndUnreadableFilesFailAtStart) {
  spool_env env;
  EXPECT_THROW(make_file_source(file_config({}), *env.ctx), std::runtime_error);
  auto cfg = file_config({env.dir / "x.log"});
  cfg.start_at = "middle";
  EXPECT_THROW(make_file_source(cfg, *env.ctx), std::runtime_error);
  if (::geteuid() != 0) {  // root reads anything
    const auto path = env.dir / "secret.log";
    append_file(path, "x\n");
    ::chmod(path.c_str(), 0);
    auto src = make_file_source(file_config({path}), *env.ctx);
    EXPECT_THROW(src->start(), std::runtime_error);
  }
  // A missing literal path is not an error: it may appear later.
  auto src = make_file_source(file_config({env.dir / "later.log"}), *env.ctx);
  src->start();
  append_file(env.dir / "later.log", "hello\n");
  EXPECT_EQ(env.wait_values(1), (std::vector<std::string>{"hello"}));
  src->stop();
}

}  // namespace
}  // namespace sd::relay::test
