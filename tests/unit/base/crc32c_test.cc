#include "base/crc32c.h"

#include <gtest/gtest.h>

#include <random>
#include <string_view>

namespace sd::crc32c::detail {
std::uint32_t extend_portable_for_test(std::uint32_t crc, const std::uint8_t* data, std::size_t n) noexcept;
}

namespace sd {
namespace {

TEST(Crc32c, KnownVectors) {
  EXPECT_EQ(crc32c::value(as_bytes("123456789")), 0xE3069283u);
  EXPECT_EQ(crc32c::value(as_bytes("")), 0u);
  bytes zeros(32, 0);
  EXPECT_EQ(crc32c::value(zeros), 0x8A9136AAu);  // RFC 3720 B.4
  bytes ones(32, 0xFF);
  EXPECT_EQ(crc32c::value(ones), 0x62A8AB43u);
}

TEST(Crc32c, ExtendEqualsWhole) {
  std::string_view s = "The quick brown fox jumps over the lazy dog";
  auto whole = crc32c::value(as_bytes(s));
  auto a = as_bytes(s.substr(0, 17));
  auto b = as_bytes(s.substr(17));
  EXPECT_EQ(crc32c::extend(crc32c::extend(0, a.data(), a.size()), b.data(), b.size()), whole);
}

TEST(Crc32c, HardwareMatchesPortableAtEveryLengthAndAlignment) {
  std::mt19937 rng(7);
  bytes data(3000);  // past several 3 x 256-byte interleaved chunks, with every kind of tail
  for (auto& b : data) b = static_cast<std::uint8_t>(rng());
  for (std::size_t start = 0; start < 9; ++start) {
    for (std::size_t len = 0; start + len <= data.size(); len += 7) {
      EXPECT_EQ(crc32c::extend(0, data.data() + start, len),
                crc32c::detail::extend_portable_for_test(0, data.data() + start, len));
      EXPECT_EQ(crc32c::extend(0x12345678u, data.data() + start, len),
                crc32c::detail::extend_portable_for_test(0x12345678u, data.data() + start, len));
    }
  }
}

}  // namespace
}  // namespace sd
