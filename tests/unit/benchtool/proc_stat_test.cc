#include "benchtool/proc_stat.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace sd::benchtool {
namespace {

TEST(proc_stat, parses_utime_and_stime) {
  // Fields 14 and 15 are 250 and 50.
  const char* line = "1234 (streamdown) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0 100 1000 200\n";
  auto t = parse_stat_cpu_ticks(line);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(*t, 300u);
}

TEST(proc_stat, command_name_with_spaces_and_parens) {
  const char* line = "77 (a b) c)) R 1 77 77 0 -1 0 0 0 0 0 7 8 0 0 20 0 1 0 1 1 1";
  auto t = parse_stat_cpu_ticks(line);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(*t, 15u);
}

TEST(proc_stat, malformed_text_is_rejected) {
  EXPECT_FALSE(parse_stat_cpu_ticks("").has_value());
  EXPECT_FALSE(parse_stat_cpu_ticks("12 no-parens S 1 2 3").has_value());
  EXPECT_FALSE(parse_stat_cpu_ticks("12 (x) S 1 2 3").has_value());                         // too short
  EXPECT_FALSE(parse_stat_cpu_ticks("1 (x) S 1 1 1 0 -1 0 0 0 0 0 ab 8 0").has_value());   // not a number
}

TEST(proc_stat, reads_this_process) {
  auto self = process_cpu_seconds(::getpid());
  ASSERT_TRUE(self.has_value());
  EXPECT_GE(*self, 0.0);
  EXPECT_GE(self_cpu_seconds(), 0.0);
  EXPECT_FALSE(process_cpu_seconds(-5).has_value());
}

}  // namespace
}  // namespace sd::benchtool
