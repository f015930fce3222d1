#include "base/varint.h"

#include <gtest/gtest.h>

#include <limits>

namespace sd {
namespace {

TEST(Varint, ZigzagRoundTrip) {
  const std::int64_t values[] = {0, 1, -1, 63, -64, 64, std::numeric_limits<std::int64_t>::max(),
                                std::numeric_limits<std::int64_t>::min()};
  for (std::int64_t v : values) {
    bytes out;
    varint::put_s64(out, v);
    EXPECT_EQ(out.size(), varint::size_s64(v));
    const std::uint8_t* p = out.data();
    auto back = varint::get_s64(p, out.data() + out.size());
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, v);
    EXPECT_EQ(p, out.data() + out.size());
  }
  EXPECT_EQ(varint::zigzag32(-1), 1u);
  EXPECT_EQ(varint::zigzag32(1), 2u);
  EXPECT_EQ(varint::unzigzag32(3), -2);
}

TEST(Varint, KnownEncodings) {
  bytes out;
  varint::put_u32(out, 300);
  EXPECT_EQ(out, (bytes{0xAC, 0x02}));
}

TEST(Varint, TruncatedAndOverlongAreRejected) {
  bytes truncated{0x80, 0x80};
  const std::uint8_t* p = truncated.data();
  EXPECT_FALSE(varint::get_u32(p, truncated.data() + truncated.size()));
  EXPECT_EQ(p, truncated.data());  // not advanced on failure

  bytes overlong{0x80, 0x80, 0x80, 0x80, 0x80, 0x01};  // six bytes for a 32-bit value
  p = overlong.data();
  EXPECT_FALSE(varint::get_u32(p, overlong.data() + overlong.size()));

  bytes too_big{0xFF, 0xFF, 0xFF, 0xFF, 0x7F};  // 35 bits
  p = too_big.data();
  EXPECT_FALSE(varint::get_u32(p, too_big.data() + too_big.size()));
}

}  // namespace
}  // namespace sd
