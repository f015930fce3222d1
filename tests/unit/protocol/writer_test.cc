// response_buffer chunks: owned bytes and file slices, flattening with pread.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>

#include "protocol/generated/fetch.h"
#include "protocol/writer.h"

namespace sd::protocol {
namespace {

struct temp_file {
  temp_file() {
    char name[] = "/tmp/sd_protocol_writer_XXXXXX";
    fd = ::mkstemp(name);
    ::unlink(name);
  }
  ~temp_file() { ::close(fd); }
  int fd;
};

TEST(Writer, FileSlicesStayChunksAndFlattenWithPread) {
  temp_file f;
  ASSERT_GE(f.fd, 0);
  const char content[] = "0123456789abcdef";
  ASSERT_EQ(::write(f.fd, content, 16), 16);

  fetch_response resp;
  auto& t = resp.responses.emplace_back();
  t.topic = "t";
  auto& p = t.partitions.emplace_back();
  p.records.chunks.push_back(file_slice{f.fd, 4, 6, nullptr});
  p.records.chunks.push_back(sd::bytes{'X', 'Y'});
  p.records.chunks.push_back(file_slice{f.fd, 10, 2, nullptr});

  writer w;
  resp.encode(w, 11);
  auto buf = std::move(w).finish();
  int slices = 0;
  std::size_t total = 0;
  for (const auto& c : buf.chunks()) {
    slices += std::holds_alternative<file_slice>(c) ? 1 : 0;
    total += chunk_size(c);
  }
  EXPECT_EQ(slices, 2);
  EXPECT_EQ(total, buf.size());
  auto bytes = buf.flatten();
  ASSERT_TRUE(bytes.has_value());
  ASSERT_EQ(bytes->size(), buf.size());
  // The records field is the last thing in the partition (followed by nothing at v11): size 10 then bytes.
  std::string tail(bytes->end() - 10, bytes->end());
  EXPECT_EQ(tail, "456789XYab");

  fetch_response back;
  byte_reader r(*bytes);
  back.decode(r, 11);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(back.responses[0].partitions[0].records.size(), 10u);
}

TEST(Writer, FlattenFailsWhenFileIsShorterThanSlice) {
  temp_file f;
  ASSERT_EQ(::write(f.fd, "abc", 3), 3);
  writer w;
  w.write_i32(1);
  w.append_chunk(file_slice{f.fd, 0, 10, nullptr});
  auto buf = std::move(w).finish();
  EXPECT_EQ(buf.size(), 14u);
  EXPECT_FALSE(buf.flatten().has_value());
}

TEST(Writer, ReserveAndPatch) {
  writer w;
  auto m = w.reserve_i32();
  w.write_string("abc", false);
  w.patch_i32(m, 42);
  auto b = std::move(w).finish().flatten().value();
  EXPECT_EQ(b, (sd::bytes{0, 0, 0, 42, 0, 3, 'a', 'b', 'c'}));
}

TEST(Writer, CompactEncodings) {
  writer w;
  w.write_string("ab", true);
  w.write_nullable_string(std::nullopt, true);
  w.write_nullable_string(std::nullopt, false);
  w.write_array_len(200, true);
  auto b = std::move(w).finish().flatten().value();
  EXPECT_EQ(b, (sd::bytes{0x03, 'a', 'b', 0x00, 0xff, 0xff, 0xc9, 0x01}));
}

}  // namespace
}  // namespace sd::protocol

namespace sd::protocol {
namespace {

TEST(Writer, OverlongNonCompactStringIsCutNotWrapped) {
  writer w;
  w.write_string(std::string(40000, 'x'), false);
  auto b = std::move(w).finish().flatten().value();
  ASSERT_EQ(b.size(), 2u + 0x7fff);
  EXPECT_EQ(load_be<std::int16_t>(b.data()), 0x7fff);
  writer c;
  c.write_string(std::string(40000, 'x'), true);
  EXPECT_EQ(c.size(), 3u + 40000u);  // compact strings carry any length
}

}  // namespace
}  // namespace sd::protocol
