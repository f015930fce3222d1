#pragma once
// Minimal RecordBatch v2 batches for the producer tests: a valid header (counts, CRC) with no record bytes,
// which is all the producer rules and storage look at.

#include "base/bytes.h"
#include "base/record_batch_header.h"

namespace sd::producer::test {

inline batch::header header(std::int64_t pid, std::int16_t epoch, std::int32_t seq, std::int32_t records = 1,
                            std::int64_t base_offset = 0) {
  batch::header h;
  h.base_offset = base_offset;
  h.batch_length = static_cast<std::int32_t>(batch::header_size - batch::length_field_end);
  h.magic = batch::magic_v2;
  h.last_offset_delta = records - 1;
  h.base_timestamp = 1000;
  h.max_timestamp = 1000;
  h.producer_id = pid;
  h.producer_epoch = epoch;
  h.base_sequence = seq;
  h.records_count = records;
  return h;
}

inline bytes encode(const batch::header& h) {
  bytes b(batch::header_size);
  batch::write_header(b.data(), h);
  batch::seal_crc(b);
  return b;
}

}  // namespace sd::producer::test
