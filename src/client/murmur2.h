#pragma once
// Kafka's default key partitioner: murmur2 (seed 0x9747b28c) over the key bytes, the sign bit cleared, modulo
// the partition count. The Java client, kafkajs and librdkafka's `murmur2_random` all compute exactly this, so
// a key lands in the same partition whichever client produced it.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sd::client {

/// The 32-bit murmur2 hash as Kafka computes it (Java returns it as a signed int; same bits).
std::uint32_t murmur2(const void* data, std::size_t size) noexcept;

/// Partition for a non-null key: (murmur2(key) & 0x7fffffff) % partition_count. partition_count must be > 0.
std::int32_t murmur2_partition(std::string_view key, std::int32_t partition_count) noexcept;

}  // namespace sd::client
