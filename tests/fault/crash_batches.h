#pragma once
// Deterministic batches for the crash test: the batch stored at base offset `o` is a pure function of `o`,
// so the parent can check byte-for-byte what the killed child wrote.

#include <cstdint>

#include "base/record_batch_header.h"

namespace sd::crash {

inline bytes batch_for(std::int64_t o) {
  auto u = static_cast<std::uint64_t>(o);
  std::int32_t records = static_cast<std::int32_t>(1 + u % 4);
  std::size_t payload = 40 + (u * 37) % 1200;
  bytes b(batch::header_size, 0);
  for (std::size_t i = 0; i < payload; ++i) b.push_back(static_cast<std::uint8_t>(u * 131 + i * 7));
  batch::header h;
  h.base_offset = o;
  h.batch_length = static_cast<std::int32_t>(b.size() - batch::length_field_end);
  h.magic = batch::magic_v2;
  h.last_offset_delta = records - 1;
  h.records_count = records;
  h.base_timestamp = 1'600'000'000'000 + o;
  h.max_timestamp = h.base_timestamp + records - 1;
  batch::write_header(b.data(), h);
  batch::seal_crc(b);
  return b;
}

}  // namespace sd::crash
