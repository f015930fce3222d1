// Offline inspect and verify: what they print, their exit codes, and that they change nothing.

#include "spool/inspect.h"

#include <nlohmann/json.hpp>
#include <sstream>

#include "spool_test_util.h"

namespace sd::spool::test {
namespace {

TEST(SpoolInspect, PrintsLedgerSegmentsAndRecordsAsJsonLines) {
  sd::test::temp_dir dir;
  auto o = make_options(dir.path());
  {
    auto s = must_open(o);
    record a;
    a.topic = "t";
    a.value = "hello";
    record b;
    b.topic = "t";
    b.key = "";
    b.value = std::string("\xff\xfe\x00", 3);
    b.headers = {{"h", "v"}};
    ASSERT_TRUE(append_wait(*s, {a, b, make_record(3)}));
    ASSERT_TRUE(s->mark_forwarded(1));
  }
  std::ostringstream out;
  EXPECT_EQ(inspect(dir.path(), out, true), 0);
  std::string text = out.str();
  EXPECT_NE(text.find("relay_id: relay-1"), std::string::npos) << text;
  EXPECT_NE(text.find("forwarded_seq: 1"), std::string::npos) << text;
  EXPECT_NE(text.find("00000000000000000001.spool"), std::string::npos) << text;
  EXPECT_NE(text.find("seq=1..3"), std::string::npos) << text;
  std::vector<nlohmann::json> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (!l.empty() && l[0] == '{') lines.push_back(nlohmann::json::parse(l));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_TRUE(lines[0]["key"].is_null());
  EXPECT_EQ(lines[0]["value"], "hello");
  EXPECT_EQ(lines[1]["key"], "");
  EXPECT_EQ(lines[1]["value_encoding"], "base64");
  EXPECT_EQ(lines[1]["value"], "//4A");
  EXPECT_EQ(lines[1]["headers"][0][0], "h");
  EXPECT_EQ(lines[2]["seq"], 3);

  std::ostringstream v;
  EXPECT_EQ(verify(dir.path(), v), 0) << v.str();
  EXPECT_NE(v.str().find("clean"), std::string::npos);
}

TEST(SpoolInspect, VerifyReportsDamageWithoutRepairingIt) {
  sd::test::temp_dir dir;
  auto o = make_options(dir.path());
  {
    auto s = must_open(o);
    for (int i = 1; i <= 10; ++i) ASSERT_TRUE(append_one(*s, i));
    // verify needs no lock: it runs beside an open spool
    std::ostringstream v;
    EXPECT_EQ(verify(dir.path(), v), 0) << v.str();
  }
  auto seg = segment_files(dir.path()).at(0);
  flip_byte(seg, 60);
  std::string damaged = slurp(seg) + "torn";
  spit(seg, damaged);
  std::ostringstream v;
  EXPECT_EQ(verify(dir.path(), v), 1);
  EXPECT_NE(v.str().find("damaged bytes"), std::string::npos) << v.str();
  EXPECT_NE(v.str().find("torn tail"), std::string::npos) << v.str();
  EXPECT_EQ(slurp(seg), damaged);  // nothing modified
  std::ostringstream v2;
  EXPECT_EQ(verify(dir / "missing", v2), 2);
  std::ostringstream i2;
  EXPECT_EQ(inspect(dir / "missing", i2, false), 2);
}

}  // namespace
}  // namespace sd::spool::test
