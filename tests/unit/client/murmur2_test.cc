// The partitioner must agree with the Java client, kafkajs and librdkafka's murmur2_random, or keyed records
// from different clients land in different partitions.
#include "client/murmur2.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <string>

namespace sd::client {
namespace {

// Kafka's UtilsTest.testMurmur2 (Java signed ints); kafkajs and librdkafka test the same vectors.
struct vector_case {
  std::string key;
  std::int32_t java_hash;
};
const vector_case java_vectors[] = {
    {"21", -973932308},
    {"foobar", -790332482},
    {std::string("\x0c\x2a\x38\x18\x6d\x6f", 6), 274204207},
    {"a-little-bit-long-string", -985981536},
    {"a-little-bit-longer-string", -1486304829},
    {"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971},
    {"abc", 479470107},
};

TEST(murmur2, matches_java_vectors) {
  for (const auto& c : java_vectors) {
    EXPECT_EQ(static_cast<std::int32_t>(murmur2(c.key.data(), c.key.size())), c.java_hash) << c.key;
  }
}

TEST(murmur2, partition_is_positive_hash_modulo_count) {
  for (const auto& c : java_vectors) {
    const auto positive = static_cast<std::uint32_t>(c.java_hash) & 0x7fffffffu;
    for (std::int32_t n : {1, 3, 7, 12, 100}) {
      EXPECT_EQ(murmur2_partition(c.key, n), static_cast<std::int32_t>(positive % static_cast<std::uint32_t>(n)));
    }
  }
}

TEST(murmur2, agrees_with_librdkafka_murmur2_partitioner) {
  // librdkafka's murmur2 partitioner (what `partitioner=murmur2_random` uses for non-null keys).
  for (int i = 0; i < 2000; ++i) {
    std::string key = "key-" + std::to_string(i * 7919);
    key.resize(key.size() + static_cast<std::size_t>(i % 5), static_cast<char>(i));  // every tail length
    for (std::int32_t n : {1, 2, 3, 16, 31}) {
      const auto theirs = rd_kafka_msg_partitioner_murmur2(nullptr, key.data(), key.size(), n, nullptr, nullptr);
      ASSERT_EQ(murmur2_partition(key, n), theirs) << "key #" << i << " partitions " << n;
    }
  }
}

TEST(murmur2, empty_key_hashes_like_java) {
  // Java: murmur2(new byte[0]) == 275646681; the empty key is a key, not a null key.
  EXPECT_EQ(static_cast<std::int32_t>(murmur2("", 0)), 275646681);
  EXPECT_EQ(murmur2_partition("", 10), rd_kafka_msg_partitioner_murmur2(nullptr, "", 0, 10, nullptr, nullptr));
}

}  // namespace
}  // namespace sd::client
