// fetch_activity: one report per connection (replaced), reports older than the age limit dropped, the total
// number of partition entries bounded by evicting the oldest reports, and the once-a-second gate.
#include "broker/fetch_activity.h"

#include <gtest/gtest.h>

namespace sd::broker {
namespace {

fetch_report report_at(std::int64_t at_ms, std::size_t partitions, std::string client = "c") {
  fetch_report r{std::move(client), "/127.0.0.1", at_ms, {}};
  for (std::size_t i = 0; i < partitions; ++i) r.partitions.push_back({"t", static_cast<std::int32_t>(i), 0});
  return r;
}

TEST(FetchActivity, OneReportPerConnectionReplaced) {
  fetch_activity a;
  a.report(1, report_at(1000, 3, "first"));
  a.report(1, report_at(2000, 2, "second"));
  a.report(2, report_at(2000, 1));
  auto s = a.snapshot(2000);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(a.partition_entries(), 3u);
  EXPECT_TRUE(s[0].client_id == "second" || s[1].client_id == "second");
}

TEST(FetchActivity, OldReportsAreDropped) {
  fetch_activity a;
  a.report(1, report_at(1000, 1));
  EXPECT_EQ(a.snapshot(1000 + fetch_activity::max_age_ms).size(), 1u);
  EXPECT_TRUE(a.snapshot(1001 + fetch_activity::max_age_ms).empty()) << "not served once too old";
  a.report(2, report_at(2000 + fetch_activity::max_age_ms + fetch_activity::sweep_interval_ms, 1));
  EXPECT_EQ(a.partition_entries(), 1u) << "and swept on a later report";
}

TEST(FetchActivity, EntriesAreBoundedOldestEvictedFirst) {
  fetch_activity a;
  const std::size_t per = fetch_activity::max_partitions_per_report;
  const std::size_t reports = fetch_activity::max_partition_entries / per + 3;
  for (std::size_t i = 0; i < reports; ++i) a.report(i, report_at(static_cast<std::int64_t>(1000 + i), per));
  EXPECT_LE(a.partition_entries(), fetch_activity::max_partition_entries);
  auto s = a.snapshot(5000);
  for (const auto& r : s) EXPECT_GE(r.at_ms, 1003) << "the three oldest went first";
  a.report(999999, report_at(6000, per * 2));
  EXPECT_LE(a.partition_entries(), fetch_activity::max_partition_entries);
  for (const auto& r : a.snapshot(6000)) EXPECT_LE(r.partitions.size(), per) << "one report is capped too";
}

TEST(FetchActivity, ReportsAtMostOncePerInterval) {
  EXPECT_TRUE(fetch_activity::due(0, 5000));
  EXPECT_FALSE(fetch_activity::due(5000, 5000 + fetch_activity::report_interval_ms - 1));
  EXPECT_TRUE(fetch_activity::due(5000, 5000 + fetch_activity::report_interval_ms));
}

}  // namespace
}  // namespace sd::broker
