#include "base/log_limiter.h"

#include <gtest/gtest.h>

#include <thread>

namespace sd {
namespace {

TEST(LogLimiter, AdmitsTheFirstAndSuppressesWithinTheInterval) {
  log_limiter limiter(std::chrono::hours(1));
  auto first = limiter.admit();
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, 0u);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(limiter.admit());
}

TEST(LogLimiter, TheNextAdmittedReportsHowManyWereSuppressed) {
  log_limiter limiter(std::chrono::milliseconds(50));
  ASSERT_TRUE(limiter.admit());
  std::uint64_t suppressed = 0;
  std::optional<std::uint64_t> next;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!(next = limiter.admit()) && std::chrono::steady_clock::now() < deadline) {
    ++suppressed;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(next) << "never admitted again";
  EXPECT_EQ(*next, suppressed);
}

}  // namespace
}  // namespace sd
