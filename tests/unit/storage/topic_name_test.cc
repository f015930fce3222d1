#include <gtest/gtest.h>

#include "storage/errc.h"
#include "storage/layout.h"
#include "storage/topic_name.h"

namespace sd::storage {
namespace {

TEST(TopicName, AcceptsKafkaNames) {
  for (const char* n : {"a", "orders", "Orders.v2", "my_topic-1", "__consumer_offsets", "..."}) {
    EXPECT_TRUE(is_valid_topic_name(n)) << n;
  }
  EXPECT_TRUE(is_valid_topic_name(std::string(249, 'x')));
}

TEST(TopicName, RejectsBadNames) {
  for (const char* n : {"", ".", "..", "a/b", "../etc", "a b", "tab\t", "ü", "a:b", "a\\b", "x*"}) {
    EXPECT_FALSE(is_valid_topic_name(n)) << n;
    EXPECT_EQ(validate_topic_name(n).error(), make_error_code(errc::invalid_topic_name));
  }
  EXPECT_FALSE(is_valid_topic_name(std::string(250, 'x')));
  EXPECT_FALSE(is_valid_topic_name(std::string_view("a\0b", 3)));
}

TEST(Layout, SegmentNames) {
  EXPECT_EQ(layout::segment_file_name(offset(1234), layout::segment_file_kind::log), "00000000000000001234.log");
  EXPECT_EQ(layout::segment_file_name(offset(0), layout::segment_file_kind::index), "00000000000000000000.index");
  auto p = layout::parse_segment_file_name("00000000000000001234.timeindex");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->base, offset(1234));
  EXPECT_EQ(p->kind, layout::segment_file_kind::time_index);
  for (const char* bad : {"1234.log", "0000000000000000123x.log", "00000000000000001234.txt",
                          "00000000000000001234", "00000000000000001234.log.tmp"}) {
    EXPECT_FALSE(layout::parse_segment_file_name(bad)) << bad;
  }
}

TEST(Layout, PartitionDirNames) {
  EXPECT_EQ(layout::partition_dir_name("orders", partition_id(3)), "orders-3");
  auto p = layout::parse_partition_dir_name("my-topic-12");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->topic, "my-topic");
  EXPECT_EQ(p->partition, partition_id(12));
  for (const char* bad : {"orders", "orders-", "-3", "orders-03", "orders-x", "orders-3.123-1.deleted",
                          ".lock", "a b-1", "orders-99999999999"}) {
    EXPECT_FALSE(layout::parse_partition_dir_name(bad)) << bad;
  }
  EXPECT_TRUE(layout::is_deleted_dir_name("orders-3.123-1.deleted"));
}

}  // namespace
}  // namespace sd::storage
