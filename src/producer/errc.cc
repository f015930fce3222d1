#include "producer/errc.h"

#include "base/error_category.h"

namespace sd::producer {

namespace {
std::string describe(int code) {
  switch (static_cast<errc>(code)) {
    case errc::invalid_producer_epoch: return "producer epoch is older than the producer's current epoch";
    case errc::out_of_order_sequence: return "batch sequence does not continue the producer's last sequence";
    case errc::corrupt_snapshot: return "producer state snapshot is damaged (magic, version, size or CRC)";
  }
  return "unknown producer error";
}
}  // namespace

const std::error_category& error_category() noexcept {
  static const named_error_category cat("producer", describe);
  return cat;
}

}  // namespace sd::producer
