// lag_report: the timestamp used for "seconds behind" (the batch holding the committed offset), the group-lag
// metrics section, and percent-decoding of /v1/groups/{id}.
#include <gtest/gtest.h>

#include "app/http_group_routes.h"
#include "app/lag_report.h"
#include "unit/storage/storage_test_util.h"

namespace sd::app {
namespace {

using storage::test::make_batch;

class FirstUnconsumed : public ::testing::Test {
 protected:
  void SetUp() override {
    auto log = storage::partition_log::open(io::posix_filesystem(), _dir / "t-0", storage::test::small_config(),
                                            storage::open_options{false, 10'000});
    ASSERT_TRUE(log) << log.error().message();
    p.topic = "t";
    p.log = std::move(*log);
  }
  void append(bytes b) {
    auto r = p.log->append(b, 10'000);
    ASSERT_TRUE(r) << r.error().message();
  }
  sd::test::temp_dir _dir;
  broker::partition_state p;
};

TEST_F(FirstUnconsumed, IsTheTimestampOfTheBatchHoldingTheCommittedOffset) {
  append(make_batch(3, 40, 1000));  // offsets 0..2, BaseTimestamp 995
  append(make_batch(2, 40, 2000));  // 3..4, 1995
  append(make_batch(4, 40, 3000));  // 5..8, 2995
  EXPECT_EQ(first_unconsumed_timestamp(p, 0), 995);
  EXPECT_EQ(first_unconsumed_timestamp(p, 2), 995);   // inside the first batch: its base timestamp
  EXPECT_EQ(first_unconsumed_timestamp(p, 3), 1995);
  EXPECT_EQ(first_unconsumed_timestamp(p, 4), 1995);
  EXPECT_EQ(first_unconsumed_timestamp(p, 8), 2995);
  EXPECT_EQ(first_unconsumed_timestamp(p, 9), std::nullopt);   // caught up: nothing unconsumed
  EXPECT_EQ(first_unconsumed_timestamp(p, 50), std::nullopt);  // beyond the end
  // Records below the log start are gone: the first one still stored is the first unconsumed.
  ASSERT_TRUE(p.log->delete_records_before(offset(3)));
  EXPECT_EQ(first_unconsumed_timestamp(p, 0), 1995);
  p.deleted = true;  // a deleted partition's log is never touched
  EXPECT_EQ(first_unconsumed_timestamp(p, 5), std::nullopt);
  p.deleted = false;
}

TEST_F(FirstUnconsumed, LogAppendTimeUsesMaxTimestamp) {
  bytes b = make_batch(2, 40, 7000);
  auto h = batch::parse_header(b.data());
  h.attributes |= 0x8;  // LogAppendTime
  batch::write_header(b.data(), h);
  batch::seal_crc(b);
  append(std::move(b));
  EXPECT_EQ(first_unconsumed_timestamp(p, 1), 7000);
}

TEST(LagMetrics, SeriesPerPartitionAndUnknownsLeftOut) {
  std::vector<lag_row> rows(3);
  rows[0].lag = {"g", "t", 0, 10, 15, 5};
  rows[0].seconds = 2.5;
  rows[1].lag = {"g", "t", 1, 7, 7, 0};
  rows[1].seconds = 0.0;
  rows[2].lag = {"g\"x", "gone", 0, 3, -1, -1};  // partition no longer exists; label value needs escaping
  metrics::text_writer w;
  write_lag_metrics(w, rows);
  const auto& t = w.text();
  EXPECT_NE(t.find("streamdown_group_lag_records{group=\"g\",topic=\"t\",partition=\"0\"} 5\n"), std::string::npos) << t;
  EXPECT_NE(t.find("streamdown_group_lag_seconds{group=\"g\",topic=\"t\",partition=\"0\"} 2.5\n"), std::string::npos) << t;
  EXPECT_NE(t.find("streamdown_group_lag_seconds{group=\"g\",topic=\"t\",partition=\"1\"} 0\n"), std::string::npos) << t;
  EXPECT_NE(t.find("streamdown_group_committed_offset{group=\"g\\\"x\",topic=\"gone\",partition=\"0\"} 3\n"),
            std::string::npos) << t;
  EXPECT_EQ(t.find("streamdown_group_lag_records{group=\"g\\\"x\""), std::string::npos) << t;
  EXPECT_EQ(t.find("streamdown_group_lag_seconds{group=\"g\\\"x\""), std::string::npos) << t;

  metrics::text_writer empty;
  write_lag_metrics(empty, {});
  EXPECT_TRUE(empty.text().empty());
}

TEST(PercentDecode, DecodesEscapesAndKeepsMalformedOnes) {
  EXPECT_EQ(percent_decode("my%20group"), "my group");
  EXPECT_EQ(percent_decode("a%2Fb%2fc"), "a/b/c");
  EXPECT_EQ(percent_decode("100%"), "100%");
  EXPECT_EQ(percent_decode("%zz%4"), "%zz%4");
  EXPECT_EQ(percent_decode(""), "");
}

}  // namespace
}  // namespace sd::app
