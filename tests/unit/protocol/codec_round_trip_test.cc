// Every generated message at every version: a populated struct encodes, decodes back equal, re-encodes to
// the same bytes, and every strict prefix of its encoding fails to decode cleanly.

#include <gtest/gtest.h>

#include "protocol/generated/all_messages.h"
#include "unit/protocol/generated/fill.h"

namespace sd::protocol {
namespace {

sd::bytes encode_flat(const auto& m, std::int16_t v) {
  writer w;
  m.encode(w, v);
  auto buf = std::move(w).finish();
  auto flat = buf.flatten();
  EXPECT_TRUE(flat.has_value());
  EXPECT_EQ(flat->size(), buf.size());
  return std::move(flat).value();
}

struct counts {
  int messages = 0;
  int versions = 0;
  std::size_t bytes = 0;
};

template <class M>
void round_trip_all_versions(counts& c) {
  ++c.messages;
  for (std::int16_t v = M::min_version; v <= M::max_version; ++v) {
    ++c.versions;
    for (int seed = -1; seed < 4; ++seed) {
      M m;
      testing::fill(m, v, seed);
      sd::bytes enc = encode_flat(m, v);
      c.bytes += enc.size();
      M d;
      byte_reader r(enc);
      d.decode(r, v);
      ASSERT_TRUE(r.ok()) << M::schema_name << " v" << v << " seed " << seed;
      EXPECT_TRUE(r.at_end()) << M::schema_name << " v" << v;
      EXPECT_TRUE(m == d) << M::schema_name << " v" << v << " seed " << seed;
      EXPECT_EQ(encode_flat(d, v), enc) << M::schema_name << " v" << v;
      if (seed != 1) continue;
      // Every strict prefix must fail: decoding reads the same fields in the same order until input ends.
      for (std::size_t cut = 0; cut < enc.size(); ++cut) {
        M t;
        byte_reader tr(byte_span(enc.data(), cut));
        t.decode(tr, v);
        ASSERT_FALSE(tr.ok()) << M::schema_name << " v" << v << " cut " << cut << "/" << enc.size();
      }
    }
  }
}

TEST(CodecRoundTrip, EveryMessageEveryVersion) {
  counts c;
#define SD_RT(type) round_trip_all_versions<type>(c);
  SD_PROTOCOL_FOR_EACH_MESSAGE(SD_RT)
#undef SD_RT
  EXPECT_EQ(c.messages, 82);
  EXPECT_GT(c.versions, 300);
  std::printf("round-tripped %d messages, %d versions, %zu bytes\n", c.messages, c.versions, c.bytes);
}

TEST(CodecRoundTrip, FillPopulatesNonDefaultValues) {
  // Guards the round-trip test itself: a filled message differs from a default one.
  metadata_response m;
  testing::fill(m, 9, 1);
  EXPECT_FALSE(m == metadata_response{});
  EXPECT_FALSE(m.topics.empty());
}

TEST(CodecRoundTrip, TaggedFieldsOnlyWrittenWhenNotDefault) {
  api_versions_response a;
  a.api_keys.push_back({18, 0, 3});
  writer w1;
  a.encode(w1, 3);
  auto plain = std::move(w1).finish().flatten().value();
  a.finalized_features_epoch = 7;
  writer w2;
  a.encode(w2, 3);
  auto tagged = std::move(w2).finish().flatten().value();
  // tag 1: uvarint tag, uvarint size 8, int64 => 1 + 1 + 8 more bytes.
  EXPECT_EQ(tagged.size(), plain.size() + 10);
  api_versions_response d;
  byte_reader r(tagged);
  d.decode(r, 3);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(d.finalized_features_epoch, 7);
}

}  // namespace
}  // namespace sd::protocol
