// Request/response headers and golden frames checked by hand against the Kafka protocol.

#include <gtest/gtest.h>

#include "protocol/generated/all_messages.h"
#include "protocol/header.h"

#include <string>
#include <string_view>

namespace sd::protocol {
namespace {

sd::bytes flat(const response_buffer& b) { return b.flatten().value(); }

TEST(Header, VersionsFollowFlexibleTable) {
  EXPECT_EQ(request_header_version(api_key::api_versions, 2), 1);
  EXPECT_EQ(request_header_version(api_key::api_versions, 3), 2);
  EXPECT_EQ(request_header_version(api_key::produce, 8), 1);
  EXPECT_EQ(request_header_version(api_key::produce, 9), 2);
  EXPECT_EQ(request_header_version(api_key::controlled_shutdown, 0), 0);
  EXPECT_EQ(response_header_version(api_key::api_versions, 3), 0);  // always v0
  EXPECT_EQ(response_header_version(api_key::metadata, 8), 0);
  EXPECT_EQ(response_header_version(api_key::metadata, 9), 1);
  const api_info* f = find_api(1);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->name, "Fetch");
  EXPECT_EQ(f->first_flexible_version, 12);
  EXPECT_TRUE(f->generated);
  EXPECT_EQ(find_api(-1), nullptr);
  EXPECT_EQ(find_api(9999), nullptr);
}

// ApiVersions v3 as kcat 1.7.1 / librdkafka 2.0.2 sends it: header v2 (int16 client id, empty tag buffer),
// compact-string body, empty tag buffer. These bytes were captured from `kcat -L` against a listening socket:
// 000000240012000300000001000772646b61666b61000b6c696272646b61666b6106322e302e3200
TEST(Golden, ApiVersionsV3RequestAsKcatSendsIt) {
  sd::bytes expected{0x00, 0x00, 0x00, 0x24,  // size 36
                     0x00, 0x12, 0x00, 0x03,  // api key 18, version 3
                     0x00, 0x00, 0x00, 0x01,  // correlation id 1
                     0x00, 0x07, 'r', 'd', 'k', 'a', 'f', 'k', 'a',  // client id, int16 length
                     0x00,                                            // header tag buffer
                     0x0b, 'l', 'i', 'b', 'r', 'd', 'k', 'a', 'f', 'k', 'a',  // compact "librdkafka"
                     0x06, '2', '.', '0', '.', '2',                          // compact "2.0.2"
                     0x00};
  api_versions_request req;
  req.client_software_name = "librdkafka";
  req.client_software_version = "2.0.2";
  auto frame = flat(encode_request(request_header{{}, 0, 1, "rdkafka"}, 3, req));
  EXPECT_EQ(frame, expected);

  auto d = decode_request_header(byte_span(expected).subspan(4));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->header.api, api_key::api_versions);
  EXPECT_EQ(d->header.api_version, 3);
  EXPECT_EQ(d->header.correlation_id, 1);
  EXPECT_EQ(d->header.client_id, "rdkafka");
  EXPECT_EQ(d->header_version, 2);
  api_versions_request body;
  ASSERT_TRUE(decode_body(d->body, 3, body).has_value());
  EXPECT_EQ(body, req);
}

TEST(Golden, ApiVersionsV3ResponseUsesHeaderV0) {
  api_versions_response resp;
  resp.api_keys.push_back({18, 0, 3});
  auto frame = flat(encode_response(7, 3, resp));
  sd::bytes expected{0x00, 0x00, 0x00, 0x13,  // size 19
                     0x00, 0x00, 0x00, 0x07,  // correlation id; no header tag buffer
                     0x00, 0x00,              // error code
                     0x02,                    // compact array, 1 element
                     0x00, 0x12, 0x00, 0x00, 0x00, 0x03, 0x00,  // key, min, max, tags
                     0x00, 0x00, 0x00, 0x00,  // throttle time
                     0x00};                   // tags
  EXPECT_EQ(frame, expected);
}

TEST(Golden, MetadataV1Request) {
  sd::bytes expected{0x00, 0x00, 0x00, 0x16,              // size 22
                     0x00, 0x03, 0x00, 0x01,              // Metadata v1
                     0x00, 0x00, 0x00, 0x05,              // correlation id
                     0x00, 0x02, 'c', 'l',                // client id
                     0x00, 0x00, 0x00, 0x01,              // 1 topic
                     0x00, 0x04, 't', 'o', 'p', 'i'};     // "topi"
  metadata_request req;
  req.topics.emplace().push_back({});
  (*req.topics)[0].name = "topi";
  auto frame = flat(encode_request(request_header{{}, 0, 5, "cl"}, 1, req));
  EXPECT_EQ(frame, expected);
  auto d = decode_request_header(byte_span(expected).subspan(4));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->header_version, 1);
  metadata_request back;
  ASSERT_TRUE(decode_body(d->body, 1, back).has_value());
  ASSERT_TRUE(back.topics.has_value());
  ASSERT_EQ(back.topics->size(), 1u);
  EXPECT_EQ((*back.topics)[0].name, "topi");
}

TEST(Golden, MetadataV9ResponseUsesHeaderV1) {
  metadata_response resp;
  auto frame = flat(encode_response(1, 9, resp));
  ASSERT_GE(frame.size(), 9u);
  EXPECT_EQ(frame[8], 0x00);  // response header tag buffer after the correlation id
}

TEST(Golden, ProduceV3RequestHoldingOneBatchIsZeroCopy) {
  sd::bytes batch(70);
  for (std::size_t i = 0; i < batch.size(); ++i) batch[i] = static_cast<std::uint8_t>(i);
  produce_request req;
  req.acks = -1;
  req.timeout_ms = 30000;
  auto& t = req.topic_data.emplace_back();
  t.name = "t";
  auto& p = t.partition_data.emplace_back();
  p.index = 2;
  p.records.data = sd::mutable_byte_span(batch);
  sd::bytes frame = flat(encode_request(request_header{{}, 0, 9, "c"}, 3, req));

  sd::bytes expected{0x00, 0x00, 0x00, 0x00,  // size patched below
                     0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x09, 0x00, 0x01, 'c',
                     0xff, 0xff,              // transactional id: null
                     0xff, 0xff,              // acks -1
                     0x00, 0x00, 0x75, 0x30,  // timeout 30000
                     0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't',
                     0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
                     0x00, 0x00, 0x00, 0x46};  // records size 70
  expected.insert(expected.end(), batch.begin(), batch.end());
  store_be<std::int32_t>(expected.data(), static_cast<std::int32_t>(expected.size() - 4));
  EXPECT_EQ(frame, expected);

  auto d = decode_request_header(byte_span(frame).subspan(4));
  ASSERT_TRUE(d.has_value());
  produce_request back;
  ASSERT_TRUE(decode_body(d->body, 3, back).has_value());
  ASSERT_EQ(back.topic_data.size(), 1u);
  const auto& rec = back.topic_data[0].partition_data[0].records;
  EXPECT_FALSE(rec.is_null);
  ASSERT_EQ(rec.data.size(), batch.size());
  // The view points into the frame: writing through it changes the frame (BaseOffset rewrite).
  EXPECT_EQ(rec.data.data(), frame.data() + frame.size() - batch.size());
  rec.data[0] = 0xee;
  EXPECT_EQ(frame[frame.size() - batch.size()], 0xee);
}

/// Bytes from a hex string (captured frames, without the 4-byte size prefix).
sd::bytes unhex(std::string_view h) {
  sd::bytes out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  return out;
}

/// Decodes a captured request frame (no size prefix) as Msg, checks the header, and re-encodes it: the codec
/// must write back exactly the client's bytes, less `extra_tail` bytes the client appended past the schema.
template <class Msg>
Msg decode_captured(const sd::bytes& frame, api_key api, std::int16_t version, std::size_t extra_tail = 0) {
  auto d = decode_request_header(frame);
  EXPECT_TRUE(d.has_value());
  Msg m;
  if (!d) return m;
  EXPECT_EQ(d->header.api, api);
  EXPECT_EQ(d->header.api_version, version);
  EXPECT_TRUE(decode_body(d->body, version, m).has_value());
  auto again = flat(encode_request(d->header, version, m));
  EXPECT_EQ(sd::bytes(again.begin() + 4, again.end()), sd::bytes(frame.begin(), frame.end() - static_cast<std::ptrdiff_t>(extra_tail)))
      << "re-encoding differs from the client's bytes";
  for (std::size_t i = frame.size() - extra_tail; i < frame.size(); ++i) EXPECT_EQ(frame[i], 0) << "byte " << i;
  return m;
}

// Requests librdkafka 2.0.2 sent to the broker (captured through a logging TCP proxy): ListConsumerGroups
// with a states filter (ListGroups v4, flexible), ListConsumerGroupOffsets without partitions (OffsetFetch v7,
// flexible, null topics), AlterConfigs of a BROKER resource (v0). librdkafka 2.0.2 ends these flexible bodies
// with zero bytes past the schema (one after ListGroups v4, three after OffsetFetch v7): a decoder must not
// insist the body ends where the schema does (ours reads the fields and ignores what follows).
TEST(Golden, ListGroupsV4WithStatesAsLibrdkafkaSendsIt) {
  auto m = decode_captured<list_groups_request>(
      unhex("00100004000000030006676f6c64656e000307537461626c6506456d7074790000"), api_key::list_groups, 4, 1);
  EXPECT_EQ(m.states_filter, (std::vector<std::string>{"Stable", "Empty"}));
}

TEST(Golden, OffsetFetchV7AllPartitionsAsLibrdkafkaSendsIt) {
  auto m = decode_captured<offset_fetch_request>(
      unhex("00090007000000050006676f6c64656e000d676f6c64656e2d67726f7570000000000000"), api_key::offset_fetch, 7,
      3);
  EXPECT_EQ(m.group_id, "golden-group");
  EXPECT_FALSE(m.topics.has_value()) << "null topics: every committed partition";
  EXPECT_FALSE(m.require_stable);
}

TEST(Golden, AlterConfigsV0BrokerResourceAsLibrdkafkaSendsIt) {
  auto m = decode_captured<alter_configs_request>(
      unhex("00210000000000060006676f6c64656e00000001040001300000000100106c6f672e726574656e74696f6e2e6d73000733363030"
            "30303000"),
      api_key::alter_configs, 0);
  ASSERT_EQ(m.resources.size(), 1u);
  EXPECT_EQ(m.resources[0].resource_type, 4);  // BROKER
  EXPECT_EQ(m.resources[0].resource_name, "0");
  ASSERT_EQ(m.resources[0].configs.size(), 1u);
  EXPECT_EQ(m.resources[0].configs[0].name, "log.retention.ms");
  EXPECT_EQ(m.resources[0].configs[0].value.value_or(""), "3600000");
  EXPECT_FALSE(m.validate_only);
}

TEST(Header, TruncatedAndUnknownHeadersFail) {
  sd::bytes h{0x00, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x07, 'r', 'd', 'k', 'a', 'f', 'k', 'a', 0x00};
  for (std::size_t cut = 0; cut < h.size(); ++cut) {
    EXPECT_FALSE(decode_request_header(byte_span(h.data(), cut)).has_value()) << cut;
  }
  EXPECT_TRUE(decode_request_header(h).has_value());
  sd::bytes unknown{0x7f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0xff};
  EXPECT_EQ(decode_request_header(unknown).error(), make_error_code(errc::unknown_api_key));
}

TEST(Header, NullClientIdRoundTrips) {
  api_versions_request req;
  auto frame = flat(encode_request(request_header{{}, 0, 3, std::nullopt}, 0, req));
  auto d = decode_request_header(byte_span(frame).subspan(4));
  ASSERT_TRUE(d.has_value());
  EXPECT_FALSE(d->header.client_id.has_value());
  EXPECT_TRUE(d->body.empty());
}

}  // namespace
}  // namespace sd::protocol
