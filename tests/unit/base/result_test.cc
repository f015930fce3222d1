#include "base/result.h"

#include <gtest/gtest.h>

#include <string>

namespace sd {
namespace {

result<int> parse_positive(int v) {
  if (v <= 0) return std::make_error_code(std::errc::invalid_argument);
  return v;
}

status chain(int v) {
  SD_TRY(parse_positive(v));
  return ok();
}

TEST(Result, ValueAndError) {
  auto good = parse_positive(3);
  ASSERT_TRUE(good);
  EXPECT_EQ(*good, 3);
  auto bad = parse_positive(-1);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), std::errc::invalid_argument);
}

TEST(Result, TryPropagates) {
  EXPECT_TRUE(chain(1));
  EXPECT_EQ(chain(0).error(), std::errc::invalid_argument);
}

TEST(Result, MoveOnlyValue) {
  result<std::unique_ptr<std::string>> r(std::make_unique<std::string>("x"));
  auto p = std::move(r).value();
  EXPECT_EQ(*p, "x");
}

}  // namespace
}  // namespace sd
