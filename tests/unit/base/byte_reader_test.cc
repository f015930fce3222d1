#include "base/byte_reader.h"

#include <gtest/gtest.h>

namespace sd {
namespace {

TEST(ByteReader, ReadsBigEndian) {
  bytes b{0x00, 0x01, 0xFF, 0xFF, 0xFF, 0xFE, 0x07};
  byte_reader r(b);
  EXPECT_EQ(r.read_i16(), 1);
  EXPECT_EQ(r.read_i32(), -2);
  EXPECT_EQ(r.read_i8(), 7);
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.at_end());
}

TEST(ByteReader, OverReadFailsStickily) {
  bytes b{0x00, 0x01, 0x02};
  byte_reader r(b);
  EXPECT_EQ(r.read_i32(), 0);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.read_i8(), 0);  // still failed; no partial reads after failure
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(r.read_span(1).empty());
}

TEST(ByteReader, SpanLengthIsChecked) {
  bytes b{1, 2, 3};
  byte_reader r(b);
  EXPECT_TRUE(r.read_span(4).empty());
  EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace sd
