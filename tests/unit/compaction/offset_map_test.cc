#include "compaction/offset_map.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace sd::compaction {
namespace {

key_hash h(const std::string& s) { return hash_key(byte_span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size())); }

TEST(OffsetMap, LatestOffsetWinsAndUnknownKeysAreAbsent) {
  offset_map m(1 << 16);
  m.put(h("a"), 3);
  m.put(h("b"), 4);
  m.put(h("a"), 9);
  EXPECT_EQ(m.get(h("a")), 9);
  EXPECT_EQ(m.get(h("b")), 4);
  EXPECT_FALSE(m.get(h("c")));
  EXPECT_EQ(m.size(), 2u);
}

TEST(OffsetMap, MemoryIsFixedAndFullMapsRefuseNewKeysButUpdateOldOnes) {
  const std::size_t budget = 24 * 100;
  offset_map m(budget);
  EXPECT_LE(m.memory_bytes(), budget);
  const std::size_t cap = m.capacity();
  ASSERT_LT(cap, 100u);
  for (std::size_t i = 0; i < cap; ++i) m.put(h("k" + std::to_string(i)), static_cast<std::int64_t>(i));
  EXPECT_EQ(m.free(), 0u);
  m.put(h("one-too-many"), 1000);
  EXPECT_FALSE(m.get(h("one-too-many")));
  m.put(h("k0"), 5000);  // an update needs no new slot
  EXPECT_EQ(m.get(h("k0")), 5000);
  EXPECT_LE(m.memory_bytes(), budget);
  m.clear();
  EXPECT_EQ(m.size(), 0u);
  EXPECT_FALSE(m.get(h("k0")));
}

TEST(OffsetMap, HashesOfDistinctKeysDiffer) {
  std::set<std::pair<std::uint64_t, std::uint64_t>> seen;
  for (int i = 0; i < 200000; ++i) {
    auto x = h("key-" + std::to_string(i));
    EXPECT_TRUE(seen.insert({x.hi, x.lo}).second);
  }
  EXPECT_NE(h(""), h(std::string(1, '\0')));
  EXPECT_NE(h("abcdefgh"), h(std::string("abcdefgh\0", 9)));
}

}  // namespace
}  // namespace sd::compaction
