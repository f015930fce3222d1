#include <gtest/gtest.h>

#include "storage/offset_index.h"
#include "storage/time_index.h"

namespace sd::storage {
namespace {

TEST(OffsetIndex, FloorExactAndBetween) {
  offset_index idx(offset(100));
  EXPECT_EQ(idx.floor(offset(150)).position, file_pos(0));
  idx.add(offset(100), file_pos(0));
  idx.add(offset(110), file_pos(4000));
  idx.add(offset(130), file_pos(9000));
  EXPECT_EQ(idx.floor(offset(100)).position, file_pos(0));
  EXPECT_EQ(idx.floor(offset(110)).position, file_pos(4000));  // exact
  EXPECT_EQ(idx.floor(offset(129)).position, file_pos(4000));  // between entries
  EXPECT_EQ(idx.floor(offset(130)).batch_base, offset(130));
  EXPECT_EQ(idx.floor(offset(1'000'000)).position, file_pos(9000));
  idx.truncate_to(file_pos(9000));
  EXPECT_EQ(idx.entries().size(), 2u);
}

TEST(OffsetIndex, EncodeDecodeRoundTrip) {
  offset_index idx(offset(100));
  idx.add(offset(100), file_pos(0));
  idx.add(offset(105), file_pos(700));
  bytes data = idx.encode();
  ASSERT_EQ(data.size(), 16u);
  auto back = offset_index::decode(offset(100), data, 1000, offset(200));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, idx);
}

TEST(OffsetIndex, DecodeRejectsInconsistentFiles) {
  offset_index idx(offset(100));
  idx.add(offset(100), file_pos(0));
  idx.add(offset(105), file_pos(700));
  bytes data = idx.encode();
  EXPECT_FALSE(offset_index::decode(offset(100), data, 700, offset(200)));   // points past the end
  EXPECT_FALSE(offset_index::decode(offset(100), data, 1000, offset(105)));  // offset past the segment
  bytes torn(data.begin(), data.end() - 3);
  EXPECT_FALSE(offset_index::decode(offset(100), torn, 1000, offset(200)));
  bytes dup = data;
  dup.insert(dup.end(), data.begin() + 8, data.end());  // repeated entry: not increasing
  EXPECT_FALSE(offset_index::decode(offset(100), dup, 1000, offset(200)));
  bytes zeros(16, 0);
  EXPECT_FALSE(offset_index::decode(offset(100), zeros, 1000, offset(200)));
}

TEST(TimeIndex, SearchStart) {
  time_index idx(offset(0));
  EXPECT_EQ(idx.search_start(5), offset(0));
  idx.maybe_add(100, offset(0));
  idx.maybe_add(100, offset(5));  // not larger: ignored
  idx.maybe_add(200, offset(10));
  idx.maybe_add(300, offset(20));
  EXPECT_EQ(idx.entries().size(), 3u);
  EXPECT_EQ(idx.search_start(50), offset(0));
  EXPECT_EQ(idx.search_start(100), offset(0));
  EXPECT_EQ(idx.search_start(150), offset(0));   // entry (100, 0) is older
  EXPECT_EQ(idx.search_start(250), offset(10));  // entry (200, 10) is older
  EXPECT_EQ(idx.search_start(1000), offset(20));
  auto back = time_index::decode(offset(0), idx.encode(), offset(30));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, idx);
  EXPECT_FALSE(time_index::decode(offset(0), idx.encode(), offset(20)));
  idx.truncate_to(offset(10));
  EXPECT_EQ(idx.entries().size(), 1u);
}

}  // namespace
}  // namespace sd::storage
