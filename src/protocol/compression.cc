// Compression codecs for RecordBatch v2 payloads. Decompression is bounded by max_out and treats any
// library error, trailing garbage or truncation as decompression_failed.

#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <memory>

#include "protocol/record_batch.h"

namespace sd::protocol {
namespace {

result<sd::bytes> gzip_compress(sd::byte_span in, int level) {
  z_stream zs{};
  if (deflateInit2(&zs, level == 0 ? Z_DEFAULT_COMPRESSION : level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return errc::compression_failed;
  }
  sd::bytes out(deflateBound(&zs, static_cast<uLong>(in.size())) + 32);
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  std::size_t n = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return errc::compression_failed;
  out.resize(n);
  return out;
}

result<sd::bytes> gzip_decompress(sd::byte_span in, std::size_t max_out) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return errc::decompression_failed;
  sd::bytes out;
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (out.size() - zs.total_out == 0) {
      if (out.size() >= max_out) break;
      out.resize(std::min(max_out, std::max<std::size_t>(4096, out.size() * 2)));
    }
    zs.next_out = out.data() + zs.total_out;
    zs.avail_out = static_cast<uInt>(out.size() - zs.total_out);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) break;  // input ended inside the stream
  }
  std::size_t n = zs.total_out;
  bool trailing = zs.avail_in != 0;
  inflateEnd(&zs);
  if (rc != Z_STREAM_END || trailing) return errc::decompression_failed;
  out.resize(n);
  return out;
}

result<sd::bytes> snappy_compress(sd::byte_span in) {
  sd::bytes out(snappy::MaxCompressedLength(in.size()));
  std::size_t n = 0;
  snappy::RawCompress(reinterpret_cast<const char*>(in.data()), in.size(), reinterpret_cast<char*>(out.data()), &n);
  out.resize(n);
  return out;
}

status snappy_block(sd::byte_span in, std::size_t max_out, sd::bytes& out) {
  std::size_t n = 0;
  const char* p = reinterpret_cast<const char*>(in.data());
  if (!snappy::GetUncompressedLength(p, in.size(), &n) || n > max_out - out.size()) {
    return errc::decompression_failed;
  }
  std::size_t at = out.size();
  out.resize(at + n);
  if (!snappy::RawUncompress(p, in.size(), reinterpret_cast<char*>(out.data() + at))) {
    return errc::decompression_failed;
  }
  return {};
}

// Java clients wrap snappy in xerial framing: magic "\x82SNAPPY\0", version i32, compat i32, then
// blocks of (i32 length, raw snappy block).
constexpr std::uint8_t xerial_magic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};

result<sd::bytes> snappy_decompress(sd::byte_span in, std::size_t max_out) {
  sd::bytes out;
  if (in.size() >= 16 && std::equal(xerial_magic, xerial_magic + 8, in.begin())) {
    sd::byte_span rest = in.subspan(16);
    while (!rest.empty()) {
      if (rest.size() < 4) return errc::decompression_failed;
      std::uint32_t len = load_be<std::uint32_t>(rest.data());
      if (len > rest.size() - 4) return errc::decompression_failed;
      SD_TRY(snappy_block(rest.subspan(4, len), max_out, out));
      rest = rest.subspan(4 + len);
    }
    return out;
  }
  SD_TRY(snappy_block(in, max_out, out));
  return out;
}

result<sd::bytes> lz4_compress(sd::byte_span in, int level) {
  LZ4F_preferences_t prefs{};
  prefs.compressionLevel = level;
  prefs.frameInfo.contentSize = in.size();
  sd::bytes out(LZ4F_compressFrameBound(in.size(), &prefs));
  std::size_t n = LZ4F_compressFrame(out.data(), out.size(), in.data(), in.size(), &prefs);
  if (LZ4F_isError(n)) return errc::compression_failed;
  out.resize(n);
  return out;
}

result<sd::bytes> lz4_decompress(sd::byte_span in, std::size_t max_out) {
  LZ4F_dctx* raw = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&raw, LZ4F_VERSION))) return errc::decompression_failed;
  std::unique_ptr<LZ4F_dctx, decltype(&LZ4F_freeDecompressionContext)> ctx(raw, &LZ4F_freeDecompressionContext);
  sd::bytes out;
  std::size_t used_out = 0;
  std::size_t pos = 0;
  while (true) {
    if (used_out == out.size()) {
      if (out.size() >= max_out) return errc::decompression_failed;
      out.resize(std::min(max_out, std::max<std::size_t>(4096, out.size() * 2)));
    }
    std::size_t src = in.size() - pos;
    std::size_t dst = out.size() - used_out;
    std::size_t hint = LZ4F_decompress(ctx.get(), out.data() + used_out, &dst, in.data() + pos, &src, nullptr);
    if (LZ4F_isError(hint)) return errc::decompression_failed;
    pos += src;
    used_out += dst;
    if (hint == 0) break;  // frame complete
    // Input exhausted while the output still had room: the frame is truncated. Also guards against
    // a call that makes no progress.
    if (pos == in.size() && used_out < out.size()) return errc::decompression_failed;
    if (src == 0 && dst == 0 && used_out < out.size()) return errc::decompression_failed;
  }
  if (pos != in.size()) return errc::decompression_failed;  // trailing bytes after the frame
  out.resize(used_out);
  return out;
}

result<sd::bytes> zstd_compress(sd::byte_span in, int level) {
  sd::bytes out(ZSTD_compressBound(in.size()));
  std::size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), level == 0 ? 3 : level);
  if (ZSTD_isError(n)) return errc::compression_failed;
  out.resize(n);
  return out;
}

result<sd::bytes> zstd_decompress(sd::byte_span in, std::size_t max_out) {
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> ctx(ZSTD_createDCtx(), &ZSTD_freeDCtx);
  if (!ctx) return errc::decompression_failed;
  sd::bytes out;
  ZSTD_inBuffer ib{in.data(), in.size(), 0};
  std::size_t used = 0;
  std::size_t rc = 1;
  while (true) {
    if (used == out.size()) {
      if (out.size() >= max_out) return errc::decompression_failed;
      out.resize(std::min(max_out, std::max<std::size_t>(4096, out.size() * 2)));
    }
    ZSTD_outBuffer ob{out.data(), out.size(), used};
    const std::size_t in_before = ib.pos;
    rc = ZSTD_decompressStream(ctx.get(), &ob, &ib);
    if (ZSTD_isError(rc)) return errc::decompression_failed;
    if (ib.pos == in_before && ob.pos == used && ob.pos < ob.size) return errc::decompression_failed;
    used = ob.pos;
    if (rc == 0 && ib.pos == ib.size) break;            // frame(s) complete, input consumed
    if (ib.pos == ib.size && ob.pos < ob.size) break;   // input ended: rc != 0 means truncated
  }
  if (rc != 0) return errc::decompression_failed;
  out.resize(used);
  return out;
}

}  // namespace

result<sd::bytes> compress(batch::compression codec, sd::byte_span in, int level) {
  switch (codec) {
    case batch::compression::none: return sd::bytes(in.begin(), in.end());
    case batch::compression::gzip: return gzip_compress(in, level);
    case batch::compression::snappy: return snappy_compress(in);
    case batch::compression::lz4: return lz4_compress(in, level);
    case batch::compression::zstd: return zstd_compress(in, level);
  }
  return errc::unsupported_codec;
}

result<sd::bytes> decompress(batch::compression codec, sd::byte_span in, std::size_t max_out) {
  switch (codec) {
    case batch::compression::none:
      if (in.size() > max_out) return errc::decompression_failed;
      return sd::bytes(in.begin(), in.end());
    case batch::compression::gzip: return gzip_decompress(in, max_out);
    case batch::compression::snappy: return snappy_decompress(in, max_out);
    case batch::compression::lz4: return lz4_decompress(in, max_out);
    case batch::compression::zstd: return zstd_decompress(in, max_out);
  }
  return errc::unsupported_codec;
}

}  // namespace sd::protocol
