// Snapshot encoding (round trip, damage at every byte, truncation), file names and the snapshot files.
#include "producer/snapshot.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "base/crc32c.h"
#include "producer/snapshot_format.h"
#include "unit/producer/temp_dir.h"

namespace sd::producer {
namespace {

snapshot sample() {
  snapshot s;
  s.covered_end = offset(5'000'000'000);
  for (std::int64_t pid : {std::int64_t{3}, std::int64_t{10}, std::int64_t{4000000000}}) {
    producer_entry e;
    e.producer_id = pid;
    e.epoch = static_cast<std::int16_t>(pid % 7);
    e.last_update_ms = 1'700'000'000'000 + pid;
    for (int b = 0; b < (pid == 10 ? 5 : 2); ++b) {
      e.batches.push_back({b * 10, b * 10 + 9, pid + b * 20, pid + b * 20 + 9, 1000 + b});
    }
    s.entries.push_back(e);
  }
  s.entries[0].batches[1].last_seq = 2147483647;  // values at the edges survive
  s.entries[0].batches[1].first_seq = -2147483647 - 1;
  return s;
}

TEST(ProducerSnapshot, RoundTrip) {
  snapshot s = sample();
  bytes data = encode_snapshot(s);
  auto back = decode_snapshot(data);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->covered_end, s.covered_end);
  EXPECT_EQ(back->entries, s.entries);
}

TEST(ProducerSnapshot, EmptyRoundTrip) {
  snapshot s;
  s.covered_end = offset(0);
  bytes data = encode_snapshot(s);
  EXPECT_EQ(data.size(), snapshot_format::header_size + 4 /* aborted count */ + snapshot_format::crc_size);
  auto back = decode_snapshot(data);
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->entries.empty());
}

TEST(ProducerSnapshot, EveryFlippedByteIsDetected) {
  bytes data = encode_snapshot(sample());
  for (std::size_t i = 0; i < data.size(); ++i) {
    bytes bad = data;
    bad[i] ^= 0x40;
    auto r = decode_snapshot(bad);
    ASSERT_FALSE(r) << "flip at byte " << i;
    EXPECT_EQ(r.error(), errc::corrupt_snapshot);
  }
}

TEST(ProducerSnapshot, EveryTruncationIsDetected) {
  bytes data = encode_snapshot(sample());
  for (std::size_t n = 0; n < data.size(); ++n) {
    auto r = decode_snapshot(byte_span(data.data(), n));
    ASSERT_FALSE(r) << "length " << n;
  }
  bytes longer = data;
  longer.push_back(0);
  EXPECT_FALSE(decode_snapshot(longer));
}

TEST(ProducerSnapshot, HostileCountsWithAValidCrcAreRefused) {
  bytes data = encode_snapshot(sample());
  // Claim 2^32-1 entries and reseal the CRC: must be refused before allocating.
  store_be(data.data() + snapshot_format::field::entry_count, std::uint32_t{0xffffffff});
  std::size_t body = data.size() - 4;
  store_be(data.data() + body, crc32c::extend(0, data.data(), body));
  auto r = decode_snapshot(data);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::corrupt_snapshot);
}

TEST(ProducerSnapshot, FileNames) {
  EXPECT_EQ(snapshot_file_name(offset(1234)), "00000000000000001234.snapshot");
  auto o = parse_snapshot_file_name("00000000000000001234.snapshot");
  ASSERT_TRUE(o);
  EXPECT_EQ(*o, offset(1234));
  EXPECT_FALSE(parse_snapshot_file_name("00000000000000001234.snapshot.tmp"));
  EXPECT_FALSE(parse_snapshot_file_name("00000000000000001234.log"));
  EXPECT_FALSE(parse_snapshot_file_name("0000000000000000123x.snapshot"));
  EXPECT_FALSE(parse_snapshot_file_name("1234.snapshot"));
  EXPECT_FALSE(parse_snapshot_file_name(""));
}

TEST(ProducerSnapshot, WriteKeepsTheNewestTwoAndReadsBack) {
  test::temp_dir dir;
  auto& fs = io::posix_filesystem();
  snapshot s = sample();
  for (std::int64_t end : {std::int64_t{5'000'000'000}, std::int64_t{6'000'000'000}, std::int64_t{7'000'000'000}}) {
    s.covered_end = offset(end);
    ASSERT_TRUE(write_snapshot(fs, dir.path(), s));
  }
  auto list = list_snapshots(fs, dir.path());
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0], offset(7'000'000'000));
  EXPECT_EQ((*list)[1], offset(6'000'000'000));
  auto back = read_snapshot(fs, dir.path(), offset(7'000'000'000));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->entries, s.entries);
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/" + snapshot_file_name(offset(7'000'000'000)) + ".tmp"));
  // A file whose name disagrees with its content is refused.
  std::filesystem::rename(dir.path() + "/" + snapshot_file_name(offset(6'000'000'000)),
                          dir.path() + "/" + snapshot_file_name(offset(6'500'000'000)));
  auto misnamed = read_snapshot(fs, dir.path(), offset(6'500'000'000));
  ASSERT_FALSE(misnamed);
  EXPECT_EQ(misnamed.error(), errc::corrupt_snapshot);
}

}  // namespace
}  // namespace sd::producer
