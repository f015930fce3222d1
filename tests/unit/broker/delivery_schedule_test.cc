// delivery_schedule: due-time order, bucketing bound, and the file kept across a clean restart (round trip,
// entries past the log end dropped, a damaged file refused and removed, the file consumed by loading).
#include "broker/delivery_schedule.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "io/filesystem.h"
#include "temp_dir.h"

namespace sd::broker {
namespace {

TEST(DeliverySchedule, TheFirstRecordNotDueSplitsTheLog) {
  delivery_schedule s;
  s.appended(0, 10, 1000, 1000);    // appended at 0
  s.appended(10, 20, 1500, 1000);   // appended at 500
  EXPECT_EQ(s.first_not_due(500), 0);
  EXPECT_EQ(s.next_due_ms(500), 1000);
  EXPECT_EQ(s.first_not_due(1000), 10);
  EXPECT_EQ(s.first_not_due(1500), std::nullopt);
  // A clock step back does not make a later append due earlier than the one before it.
  s.appended(20, 21, 5000, 1000);   // appended at 4000
  s.appended(21, 22, 3000, 1000);   // the clock stepped back to 2000
  EXPECT_EQ(s.first_not_due(4000), 20);
  EXPECT_EQ(s.first_not_due(5000), std::nullopt);
}

TEST(DeliverySchedule, ManyAppendsShareBucketsSoEntriesStayBounded) {
  delivery_schedule s;
  const std::int64_t delay = 2000;
  // 100,000 appends over 10 s (one per 0.1 ms) and nobody reading: entries stay near delay / bucket.
  std::size_t most = 0;
  for (std::int64_t i = 0; i < 100'000; ++i) {
    s.appended(i, i + 1, i / 10 + delay, delay);
    most = std::max(most, s.entries());
  }
  EXPECT_LE(most, 1030u);
  // Never early: the record appended last is not due before its own due time.
  EXPECT_TRUE(s.first_not_due(99'999 / 10 + delay - 1).has_value());
  EXPECT_EQ(s.first_not_due(99'999 / 10 + delay), std::nullopt);
}

TEST(DeliverySchedule, SavedAtShutdownLoadsBackBelowTheLogEndAndIsConsumed) {
  sd::test::temp_dir dir;
  auto& fs = io::posix_filesystem();
  delivery_schedule s;
  s.appended(0, 5, 1000, 1000);  // appended at 0, 500 and 900
  s.appended(5, 9, 1500, 1000);
  s.appended(9, 12, 1900, 1000);
  ASSERT_TRUE(s.save(fs, dir.path()));
  const auto file = dir / "delivery-schedule";
  ASSERT_TRUE(std::filesystem::exists(file));

  delivery_schedule back;
  auto loaded = back.load_and_remove(fs, dir.path(), 9);  // the log ends at 9: the last entry is gone
  ASSERT_TRUE(loaded);
  EXPECT_TRUE(*loaded);
  EXPECT_FALSE(std::filesystem::exists(file)) << "a later unclean start must not trust an old schedule";
  EXPECT_EQ(back.first_not_due(500), 0);
  EXPECT_EQ(back.first_not_due(1000), 5);
  EXPECT_EQ(back.first_not_due(1500), std::nullopt);

  delivery_schedule none;
  auto missing = none.load_and_remove(fs, dir.path(), 9);
  ASSERT_TRUE(missing);
  EXPECT_FALSE(*missing);
}

TEST(DeliverySchedule, ADamagedFileIsRefusedAndRemoved) {
  sd::test::temp_dir dir;
  auto& fs = io::posix_filesystem();
  delivery_schedule s;
  s.appended(0, 5, 1000, 1000);
  ASSERT_TRUE(s.save(fs, dir.path()));
  const auto file = dir / "delivery-schedule";
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(12);
    f.put('\x7f');  // inside the entry: the CRC no longer matches
  }
  delivery_schedule back;
  back.appended(0, 1, 42, 1000);
  auto loaded = back.load_and_remove(fs, dir.path(), 100);
  ASSERT_TRUE(loaded);
  EXPECT_FALSE(*loaded);
  EXPECT_FALSE(std::filesystem::exists(file));
  EXPECT_EQ(back.first_not_due(0), 0) << "entries untouched by a refused file";

  // Truncated: refused too.
  ASSERT_TRUE(s.save(fs, dir.path()));
  std::filesystem::resize_file(file, 10);
  auto short_file = back.load_and_remove(fs, dir.path(), 100);
  ASSERT_TRUE(short_file);
  EXPECT_FALSE(*short_file);
}

}  // namespace
}  // namespace sd::broker
