// Hostile input: huge counts and lengths fail without allocating, unknown tags are skipped, null where the
// version does not allow it is rejected.

#include <gtest/gtest.h>

#include "protocol/generated/all_messages.h"
#include "protocol/header.h"

namespace sd::protocol {
namespace {

TEST(CodecBadInput, HugeArrayCountFailsWithoutAllocating) {
  // Metadata v1 request: topics count INT32_MAX followed by 3 bytes.
  sd::bytes b{0x7f, 0xff, 0xff, 0xff, 0x00, 0x01, 'a'};
  metadata_request m;
  byte_reader r(b);
  m.decode(r, 1);
  EXPECT_FALSE(r.ok());
  ASSERT_TRUE(m.topics.has_value());
  EXPECT_LE(m.topics->capacity(), 16u);  // never sized from the count
}

TEST(CodecBadInput, HugeCompactArrayCountFails) {
  // Metadata v9 request (flexible): compact topics count = 2^32-2 (uvarint), then nothing.
  sd::bytes b{0xff, 0xff, 0xff, 0xff, 0x0f};
  metadata_request m;
  byte_reader r(b);
  m.decode(r, 9);
  EXPECT_FALSE(r.ok());
}

TEST(CodecBadInput, OverlongVarintFails) {
  sd::bytes b{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
  metadata_request m;
  byte_reader r(b);
  m.decode(r, 9);
  EXPECT_FALSE(r.ok());
}

TEST(CodecBadInput, HugeStringLengthFails) {
  // SaslHandshake v1 request: mechanism length 32767 with 5 bytes present.
  sd::bytes b{0x7f, 0xff, 'P', 'L', 'A', 'I', 'N'};
  sasl_handshake_request m;
  byte_reader r(b);
  m.decode(r, 1);
  EXPECT_FALSE(r.ok());
}

TEST(CodecBadInput, HugeBytesLengthFails) {
  // SaslAuthenticate v0 request: auth_bytes length INT32_MAX.
  sd::bytes b{0x7f, 0xff, 0xff, 0xff, 0x00};
  sasl_authenticate_request m;
  byte_reader r(b);
  m.decode(r, 0);
  EXPECT_FALSE(r.ok());
  EXPECT_LE(m.auth_bytes.capacity(), 16u);
}

TEST(CodecBadInput, NegativeLengthsOtherThanNullFail) {
  sd::bytes b{0xff, 0xfe};  // string length -2
  sasl_handshake_request m;
  byte_reader r(b);
  m.decode(r, 1);
  EXPECT_FALSE(r.ok());
}

TEST(CodecBadInput, NullWhereVersionIsNotNullableFails) {
  // Metadata v0: topics array is not nullable, -1 is invalid.
  sd::bytes b{0xff, 0xff, 0xff, 0xff};
  metadata_request m;
  byte_reader r(b);
  m.decode(r, 0);
  EXPECT_FALSE(r.ok());
  // v1: null topics means "all topics".
  metadata_request m1;
  byte_reader r1(b);
  m1.decode(r1, 1);
  EXPECT_TRUE(r1.ok());
  EXPECT_FALSE(m1.topics.has_value());
}

TEST(CodecBadInput, UnknownTaggedFieldsAreSkipped) {
  // ApiVersions v3 request body with an unknown tag 9 (3 bytes) and a known-less tag 0 (1 byte).
  sd::bytes b{0x03, 'c', 'l', 0x02, '1', 0x02, 0x09, 0x03, 0xaa, 0xbb, 0xcc, 0x00, 0x01, 0x00};
  api_versions_request m;
  byte_reader r(b);
  m.decode(r, 3);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.at_end());
  EXPECT_EQ(m.client_software_name, "cl");
  EXPECT_EQ(m.client_software_version, "1");
}

TEST(CodecBadInput, TaggedFieldSizePastEndFails) {
  sd::bytes b{0x03, 'c', 'l', 0x02, '1', 0x01, 0x09, 0x7f, 0xaa};
  api_versions_request m;
  byte_reader r(b);
  m.decode(r, 3);
  EXPECT_FALSE(r.ok());
}

TEST(CodecBadInput, KnownTagWithShortPayloadFails) {
  // ApiVersions v3 response, tag 1 (FinalizedFeaturesEpoch, int64) with only 2 bytes of payload.
  sd::bytes b{0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x02, 0x00, 0x01};
  api_versions_response m;
  byte_reader r(b);
  m.decode(r, 3);
  EXPECT_FALSE(r.ok());
}

TEST(CodecBadInput, DecodeBodyChecksVersionRange) {
  sd::bytes b{};
  api_versions_request m;
  EXPECT_EQ(decode_body(b, 99, m).error(), make_error_code(errc::unsupported_version));
  EXPECT_TRUE(decode_body(b, 0, m).has_value());
  sd::bytes bad{0x05};
  EXPECT_EQ(decode_body(bad, 3, m).error(), make_error_code(errc::malformed));
}

}  // namespace
}  // namespace sd::protocol

#include "protocol/group_protocol.h"

namespace sd::protocol {
namespace {

TEST(GroupProtocol, VersionedSubscriptionRoundTripsAndNewerVersionsParse) {
  consumer_protocol_subscription s;
  s.topics = {"a", "b"};
  s.user_data = sd::bytes{1, 2};
  s.owned_partitions.push_back({"a", {0, 1}});
  auto b = encode_versioned(s, 1);
  consumer_protocol_subscription back;
  auto v = decode_versioned(b, back);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(*v, 1);
  EXPECT_EQ(back, s);
  // A future version 9 with extra trailing fields parses as our newest version.
  consumer_protocol_subscription s3 = s;
  s3.generation_id = 5;
  s3.rack_id = "r";
  auto b3 = encode_versioned(s3, consumer_protocol_subscription::max_version);
  store_be<std::int16_t>(b3.data(), 9);
  b3.push_back(0x42);
  consumer_protocol_subscription back3;
  auto v3 = decode_versioned(b3, back3);
  ASSERT_TRUE(v3.has_value());
  EXPECT_EQ(*v3, 9);
  EXPECT_EQ(back3, s3);
  sd::bytes neg{0xff, 0xff};
  EXPECT_FALSE(decode_versioned(neg, back).has_value());
}

}  // namespace
}  // namespace sd::protocol
