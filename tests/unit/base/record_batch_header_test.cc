#include "base/record_batch_header.h"

#include <gtest/gtest.h>

namespace sd {
namespace {

bytes make_batch(std::int32_t records, std::size_t payload) {
  bytes b(batch::header_size + payload, 0xAB);
  batch::header h;
  h.batch_length = static_cast<std::int32_t>(b.size() - batch::length_field_end);
  h.magic = batch::magic_v2;
  h.last_offset_delta = records - 1;
  h.records_count = records;
  h.base_timestamp = 1000;
  h.max_timestamp = 1005;
  batch::write_header(b.data(), h);
  batch::seal_crc(b);
  return b;
}

TEST(RecordBatchHeader, FramesAValidBatch) {
  auto b = make_batch(3, 40);
  auto r = batch::frame(b, 1 << 20);
  ASSERT_EQ(r.status, batch::check::ok);
  EXPECT_EQ(r.size, b.size());
  EXPECT_EQ(r.hdr.records_count, 3);
  EXPECT_EQ(r.hdr.max_timestamp, 1005);
}

TEST(RecordBatchHeader, BaseOffsetRewriteKeepsCrc) {
  auto b = make_batch(1, 10);
  batch::set_base_offset(b, 123456789);
  auto r = batch::frame(b, 1 << 20);
  ASSERT_EQ(r.status, batch::check::ok);
  EXPECT_EQ(r.hdr.base_offset, 123456789);
}

TEST(RecordBatchHeader, DetectsEveryKindOfDamage) {
  auto b = make_batch(2, 30);
  for (std::size_t cut = 0; cut < b.size(); ++cut) {
    auto r = batch::frame(byte_span(b).first(cut), 1 << 20);
    EXPECT_EQ(r.status, batch::check::truncated) << "cut at " << cut;
  }
  for (std::size_t i = batch::crc_covered_from; i < b.size(); ++i) {
    auto c = b;
    c[i] ^= 0x01;
    auto st = batch::frame(c, 1 << 20).status;
    EXPECT_NE(st, batch::check::ok) << "flip at " << i;
  }
  auto bad_magic = b;
  bad_magic[batch::field::magic] = 1;
  EXPECT_EQ(batch::frame(bad_magic, 1 << 20).status, batch::check::bad_magic);
  EXPECT_EQ(batch::frame(b, 20).status, batch::check::bad_length);  // over the size limit
  auto negative = b;
  store_be<std::int32_t>(negative.data() + batch::field::batch_length, -5);
  EXPECT_EQ(batch::frame(negative, 1 << 20).status, batch::check::bad_length);
}

}  // namespace
}  // namespace sd
