#pragma once
// CRC-32C (Castagnoli), as RecordBatch v2 and our own on-disk headers use it. Uses the SSE4.2 instruction when
// the CPU has it (checked once at start-up), a table otherwise; both give identical results.

#include <cstdint>

#include "base/bytes.h"

namespace sd::crc32c {

/// Extends a running CRC (start with 0) over data. crc32c::extend(0, "123456789") == 0xE3069283.
std::uint32_t extend(std::uint32_t crc, const std::uint8_t* data, std::size_t n) noexcept;

inline std::uint32_t value(byte_span data) noexcept { return extend(0, data.data(), data.size()); }

}  // namespace sd::crc32c
