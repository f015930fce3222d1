// `streamdown verify` against the real broker: a clean produce/consume/report is OK with the figures in its
// JSON; and the checker catches what it must. Topics written record by record with kcat (headers
// verify.writer / verify.seq set by hand) hold one duplicate and one reordered pair; a ledger that claims an
// acknowledgement the topic lacks is one lost record; a group whose committed offsets an operator moved back
// between two runs is one backward commit. Each is reported by `verify consume` or `verify report`, with exit 1.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>

#include "tools/tools_support.h"

namespace sd::itest {
namespace {

using json = nlohmann::json;

/// One record through kcat (its own process, so its own batch) with the verify headers.
void kcat_record(const temp_dir& dir, const std::string& bootstrap, const std::string& topic, const std::string& writer,
                 const std::string& key, int seq) {
  command c;
  c.argv = {kcat_binary(), "-P", "-b", bootstrap, "-t", topic, "-p", "0", "-k", key,
            "-H", "verify.writer=" + writer, "-H", "verify.seq=" + std::to_string(seq)};
  c.stdin_path = dir.file("kcat-in");
  {
    std::ofstream(c.stdin_path) << "v-" << writer << "-" << key << "-" << seq << "\n";
  }
  c.stdout_path = dir.file("kcat-out");
  c.stderr_path = dir.file("kcat-err");
  auto e = run_command(c, std::chrono::seconds(30));
  ASSERT_TRUE(e.clean()) << e.describe() << read_file(c.stderr_path);
}

json report_json(const temp_dir& dir, const std::string& ledger, const std::string& topic, int expect_exit) {
  const auto path = dir.file("report-" + topic + ".json");
  auto r = run_tool(dir, {"verify", "report", "--ledger", ledger, "-t", topic, "--json", path});
  EXPECT_EQ(r.exit.code, expect_exit) << r.describe();
  auto j = json::parse(read_file(path), nullptr, false);
  return j.is_array() && !j.empty() ? j[0] : json();
}

class Verify : public ::testing::Test {
 protected:
  void SetUp() override {
    b = std::make_unique<broker_process>();
    b->start();
  }
  std::unique_ptr<broker_process> b;
  temp_dir dir{"sd-verify"};
};

TEST_F(Verify, CleanRunIsOkWithItsFigures) {
  const auto ledger = dir.file("ledger");
  auto p = run_tool(dir, {"verify", "produce", "-b", b->bootstrap(), "-t", "v-clean", "--ledger", ledger, "--count",
                          "3000", "--keys", "30"});
  ASSERT_EQ(p.exit.code, 0) << p.describe();
  auto c = run_tool(dir, {"verify", "consume", "-b", b->bootstrap(), "-t", "v-clean", "--ledger", ledger, "-g", "vg"});
  ASSERT_EQ(c.exit.code, 0) << c.describe();
  auto all = run_tool(dir, {"verify", "consume", "-b", b->bootstrap(), "-t", "v-clean", "--ledger", ledger});
  ASSERT_EQ(all.exit.code, 0) << all.describe();
  auto j = report_json(dir, ledger, "v-clean", 0);
  EXPECT_EQ(j["acked"], 3000) << j.dump();
  EXPECT_EQ(j["records_checked"], 6000) << j.dump();
  EXPECT_EQ(j["lost"], 0);
  EXPECT_EQ(j["duplicated"], 0);
  EXPECT_EQ(j["ok"], true);
  // A second group run over the same, fully committed group finds nothing new and nothing wrong.
  auto again = run_tool(dir, {"verify", "consume", "-b", b->bootstrap(), "-t", "v-clean", "--ledger", ledger, "-g", "vg",
                              "--max-seconds", "30"});
  EXPECT_EQ(again.exit.code, 0) << again.describe();
}

TEST_F(Verify, CatchesADuplicateAndAReorderedPair) {
  const auto ledger = dir.file("ledger");
  for (int seq : {0, 1, 1, 2}) kcat_record(dir, b->bootstrap(), "v-dup", "wdup", "k", seq);
  for (int seq : {0, 2, 1, 3}) kcat_record(dir, b->bootstrap(), "v-order", "word", "k", seq);
  auto dup = run_tool(dir, {"verify", "consume", "-b", b->bootstrap(), "-t", "v-dup", "--ledger", ledger});
  EXPECT_EQ(dup.exit.code, 1) << dup.describe();
  EXPECT_NE(dup.out.find("duplicate: writer wdup key k seq 1 again at partition 0 offset 2"), std::string::npos)
      << dup.describe();
  auto ord = run_tool(dir, {"verify", "consume", "-b", b->bootstrap(), "-t", "v-order", "--ledger", ledger});
  EXPECT_EQ(ord.exit.code, 1) << ord.describe();
  EXPECT_NE(ord.out.find("reordered: writer word key k seq 1 at partition 0 offset 2 after seq 2"), std::string::npos)
      << ord.describe();
  auto j = report_json(dir, ledger, "v-dup", 1);
  EXPECT_EQ(j["duplicated"], 1) << j.dump();
  EXPECT_EQ(j["reordered"], 0) << j.dump();
  j = report_json(dir, ledger, "v-order", 1);
  EXPECT_EQ(j["reordered"], 1) << j.dump();
  EXPECT_EQ(j["duplicated"], 0) << j.dump();
}

TEST_F(Verify, CatchesALostRecord) {
  const auto ledger = dir.file("ledger");
  // The ledger says seqs 0-2 of key k were acknowledged; the topic holds 0 and 2.
  std::filesystem::create_directories(ledger);
  std::ofstream(ledger + "/produce-wlost.ledger") << "topic v-lost\nwriter wlost\nkey k acked 0-2 failed 3\n";
  kcat_record(dir, b->bootstrap(), "v-lost", "wlost", "k", 0);
  kcat_record(dir, b->bootstrap(), "v-lost", "wlost", "k", 2);
  auto c = run_tool(dir, {"verify", "consume", "-b", b->bootstrap(), "-t", "v-lost", "--ledger", ledger});
  EXPECT_EQ(c.exit.code, 0) << "nothing wrong in what was read: " << c.describe();
  auto r = run_tool(dir, {"verify", "report", "--ledger", ledger, "-t", "v-lost"});
  EXPECT_EQ(r.exit.code, 1) << r.describe();
  EXPECT_NE(r.out.find("lost: writer wlost key k seq 1 was acknowledged"), std::string::npos) << r.describe();
  auto j = report_json(dir, ledger, "v-lost", 1);
  EXPECT_EQ(j["lost"], 1) << j.dump();
  EXPECT_EQ(j["failed"], 1) << j.dump();
  EXPECT_EQ(j["failed_found"], 0) << j.dump();
  // A corrupt ledger is an error naming the file, not a silent pass.
  std::ofstream(ledger + "/produce-wbad.ledger") << "topic v-lost\nwriter wbad\nkey k acked 5-1 failed -\n";
  auto bad = run_tool(dir, {"verify", "report", "--ledger", ledger});
  EXPECT_EQ(bad.exit.code, 1) << bad.describe();
  EXPECT_NE(bad.err.find("produce-wbad.ledger"), std::string::npos) << bad.describe();
}

TEST_F(Verify, CatchesABackwardCommit) {
  const auto ledger = dir.file("ledger");
  auto p = run_tool(dir, {"verify", "produce", "-b", b->bootstrap(), "-t", "v-commit", "--ledger", ledger, "--count",
                          "200", "--partitions", "1"});
  ASSERT_EQ(p.exit.code, 0) << p.describe();
  auto c = run_tool(dir, {"verify", "consume", "-b", b->bootstrap(), "-t", "v-commit", "--ledger", ledger, "-g", "vb"});
  ASSERT_EQ(c.exit.code, 0) << c.describe();
  auto reset = run_tool(dir, {"group", "reset-offsets", "vb", "-t", "v-commit", "--to-earliest", "-b", b->bootstrap()});
  ASSERT_EQ(reset.exit.code, 0) << reset.describe();
  auto again = run_tool(dir, {"verify", "consume", "-b", b->bootstrap(), "-t", "v-commit", "--ledger", ledger, "-g", "vb"});
  EXPECT_EQ(again.exit.code, 1) << again.describe();
  EXPECT_NE(again.out.find("backward commit: group vb partition 0 committed 0 below 200"), std::string::npos)
      << again.describe();
  auto j = report_json(dir, ledger, "v-commit", 1);
  EXPECT_EQ(j["backward_commits"], 1) << j.dump();
  EXPECT_EQ(j["lost"], 0) << j.dump();
}

TEST_F(Verify, BadUsage) {
  EXPECT_EQ(run_tool(dir, {"verify", "report", "--ledger", dir.file("none")}).exit.code, 2);
  EXPECT_EQ(run_tool(dir, {"verify", "produce", "-b", b->bootstrap(), "-t", "bad topic", "--ledger", dir.file("l")})
                .exit.code,
            2);
  EXPECT_EQ(run_tool(dir, {"verify", "produce", "-b", b->bootstrap(), "-t", "t", "--ledger", dir.file("l"), "--keys", "0"})
                .exit.code,
            2);
  EXPECT_NE(run_tool(dir, {"verify"}).exit.code, 0) << "a subcommand is required";
}

}  // namespace
}  // namespace sd::itest
