#pragma once
// Producer-state errors. Only broker/ maps these to Kafka error codes (broker/kafka_error.cc).

#include <string>
#include <system_error>

namespace sd::producer {

enum class errc {
  invalid_producer_epoch = 1,  // the batch's epoch is older than the producer's current epoch (Kafka 47)
  out_of_order_sequence,       // the batch's first sequence does not continue the producer's (Kafka 45)
  corrupt_snapshot,            // a snapshot file failed its magic, version, size or CRC check
};

const std::error_category& error_category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), error_category()}; }

}  // namespace sd::producer

template <>
struct std::is_error_code_enum<sd::producer::errc> : std::true_type {};
