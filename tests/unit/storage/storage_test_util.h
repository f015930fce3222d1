#pragma once
// Helpers for storage tests: batch builders, a fixture parameterized over the file layer (POSIX, or the
// fault-injecting wrapper with no fault set, which must behave the same), and read-back helpers.

#include <fstream>
#include <gtest/gtest.h>

#include <filesystem>

#include "base/record_batch_header.h"
#include "io/faulty_filesystem.h"
#include "storage/errc.h"
#include "storage/partition_log.h"
#include "temp_dir.h"

namespace sd::storage::test {

/// A valid RecordBatch v2 of `records` records with `payload` body bytes filled from `seed`.
inline bytes make_batch(std::int32_t records, std::size_t payload, std::int64_t max_ts = 1000,
                        std::uint8_t seed = 0x11) {
  bytes b(batch::header_size, 0);
  b.reserve(batch::header_size + payload);
  for (std::size_t i = 0; i < payload; ++i) b.push_back(static_cast<std::uint8_t>(seed + i * 7));
  batch::header h;
  h.base_offset = 0;
  h.batch_length = static_cast<std::int32_t>(b.size() - batch::length_field_end);
  h.magic = batch::magic_v2;
  h.last_offset_delta = records - 1;
  h.records_count = records;
  h.base_timestamp = max_ts - 5;
  h.max_timestamp = max_ts;
  batch::write_header(b.data(), h);
  batch::seal_crc(b);
  return b;
}

/// Every batch header of the log, from start_offset(), via read() + copy_to_bytes().
inline std::vector<batch::header> all_headers(partition_log& log) {
  std::vector<batch::header> out;
  auto r = log.read(log.start_offset(), std::size_t(1) << 30);
  EXPECT_TRUE(r);
  if (!r) return out;
  auto data = copy_to_bytes(*r);
  EXPECT_TRUE(data);
  byte_span rest = *data;
  while (!rest.empty()) {
    auto f = batch::frame(rest, std::size_t(1) << 30);
    EXPECT_EQ(f.status, batch::check::ok);
    if (f.status != batch::check::ok) break;
    out.push_back(f.hdr);
    rest = rest.subspan(f.size);
  }
  return out;
}

/// Checks offsets are contiguous from the first batch and end at next_offset().
inline void expect_contiguous(partition_log& log) {
  auto hs = all_headers(log);
  if (hs.empty()) {
    EXPECT_EQ(log.start_offset(), log.next_offset());
    return;
  }
  EXPECT_LE(hs.front().base_offset, log.start_offset().value());
  for (std::size_t i = 1; i < hs.size(); ++i) EXPECT_EQ(hs[i].base_offset, hs[i - 1].last_offset() + 1);
  EXPECT_EQ(hs.back().last_offset() + 1, log.next_offset().value());
}

/// Flips one bit of the byte at `at` in the file (damage for recovery and read tests).
inline void flip_byte(const std::string& path, std::uint64_t at) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(at));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x40);
  f.seekp(static_cast<std::streamoff>(at));
  f.write(&c, 1);
}

inline log_config small_config() {
  log_config c;
  c.segment_bytes = 1024;
  c.index_interval_bytes = 256;
  c.retention_ms = -1;
  c.max_batch_bytes = 64 * 1024;
  c.recovery_point_interval_ms = -1;  // tests that want one persist it themselves (recovery_point_test.cc)
  return c;
}

/// Fixture: GetParam() == true runs through faulty_filesystem (no faults unless a test sets them).
class StorageTest : public ::testing::TestWithParam<bool> {
 protected:
  io::filesystem& fs() { return GetParam() ? static_cast<io::filesystem&>(_faulty) : io::posix_filesystem(); }
  std::string log_dir() const { return _dir / "t-0"; }
  std::unique_ptr<partition_log> open_log(log_config cfg = small_config(), bool clean = false,
                                          std::int64_t now_ms = 10'000) {
    auto log = partition_log::open(fs(), log_dir(), cfg, open_options{clean, now_ms});
    EXPECT_TRUE(log) << log.error().message();
    return log ? std::move(*log) : nullptr;
  }
  append_info append(partition_log& log, std::int32_t records, std::size_t payload, std::int64_t ts = 1000,
                     std::int64_t now_ms = 10'000) {
    bytes b = make_batch(records, payload, ts);
    auto r = log.append(b, now_ms);
    EXPECT_TRUE(r) << r.error().message();
    return r ? *r : append_info{};
  }
  std::string segment_path(offset base, layout::segment_file_kind kind = layout::segment_file_kind::log) const {
    return log_dir() + "/" + layout::segment_file_name(base, kind);
  }

  sd::test::temp_dir _dir;
  io::faulty_filesystem _faulty{io::posix_filesystem()};
};

inline std::string fs_name(const ::testing::TestParamInfo<bool>& p) { return p.param ? "faulty" : "posix"; }

}  // namespace sd::storage::test
