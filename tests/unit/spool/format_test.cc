// The on-disk format: frames, segment headers, names and ledger slots round-trip; damage is detected.

#include "spool/format.h"

#include <gtest/gtest.h>

namespace sd::spool::format {
namespace {

TEST(SpoolFormat, FrameRoundTripKeepsNullDistinctFromEmpty) {
  for (int variant = 0; variant < 4; ++variant) {
    record r;
    r.seq = 42;
    r.timestamp_ms = -5;
    r.topic = "orders";
    r.partition = 7;
    if (variant & 1) r.key = "";
    if (variant & 2) r.value = std::string("\0\x01\xff", 3);
    r.headers = {{"a", ""}, {"", "b"}};
    bytes b;
    encode_frame(r, b);
    ASSERT_EQ(b.size(), frame_bytes(r));
    auto d = decode_frame(b);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->seq, 42u);
    EXPECT_EQ(d->timestamp_ms, -5);
    EXPECT_EQ(d->topic, "orders");
    EXPECT_EQ(d->partition, 7);
    EXPECT_EQ(d->key, r.key);
    EXPECT_EQ(d->value, r.value);
    EXPECT_EQ(d->headers, r.headers);
  }
}

TEST(SpoolFormat, EveryFlippedByteOfAFrameIsDetected) {
  record r;
  r.seq = 9;
  r.topic = "t";
  r.key = "key";
  r.value = "value";
  bytes b;
  encode_frame(r, b);
  for (std::size_t i = 0; i < b.size(); ++i) {
    bytes c = b;
    c[i] ^= 0x01;
    auto d = decode_frame(c);
    EXPECT_FALSE(d && d->seq == 9 && d->value == r.value && d->key == r.key) << "byte " << i;
  }
  EXPECT_FALSE(decode_frame(byte_span(b.data(), b.size() - 1)));
}

TEST(SpoolFormat, SegmentNamesAndHeaders) {
  EXPECT_EQ(segment_name(1), "00000000000000000001.spool");
  EXPECT_EQ(parse_segment_name("00000000000000000001.spool"), 1u);
  EXPECT_EQ(parse_segment_name("18446744073709551615.spool"), UINT64_MAX);
  EXPECT_FALSE(parse_segment_name("18446744073709551616.spool"));
  EXPECT_FALSE(parse_segment_name("00000000000000000000.spool"));
  EXPECT_FALSE(parse_segment_name("0000000000000000001.spool"));
  EXPECT_FALSE(parse_segment_name("00000000000000000001.spool.tmp"));
  bytes h = encode_segment_header(77);
  ASSERT_EQ(h.size(), segment_header_bytes);
  EXPECT_EQ(decode_segment_header(h), 77u);
  h[10] ^= 1;
  EXPECT_FALSE(decode_segment_header(h));
}

TEST(SpoolFormat, LedgerSlotRoundTripAndBound) {
  ledger_state s;
  s.generation = 3;
  s.forwarded_seq = 100;
  s.gaps_total = 2000;
  s.dropped_oldest_total = 5;
  s.dropped_newest_total = 6;
  s.relay_id = std::string(max_relay_id_bytes, 'r');
  for (std::uint64_t i = 0; i < 2 * max_ledger_gaps; ++i)
    s.gaps.push_back({i + 1, i + 2, 2, 10, 99, "drop_oldest"});
  s.gaps.back().reason = "drop_newest";
  bytes b = encode_ledger_slot(s);
  ASSERT_LE(b.size(), ledger_slot_bytes);
  auto d = decode_ledger_slot(b);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->forwarded_seq, 100u);
  EXPECT_EQ(d->relay_id, s.relay_id);
  ASSERT_EQ(d->gaps.size(), max_ledger_gaps);  // the newest entries are kept
  EXPECT_EQ(d->gaps.back().reason, "drop_newest");
  EXPECT_EQ(d->gaps.back().first_seq, 2 * max_ledger_gaps);
  b[20] ^= 1;
  EXPECT_FALSE(decode_ledger_slot(b));
}

}  // namespace
}  // namespace sd::spool::format
