#pragma once
// RecordBatch v2: building batches from records and reading records back out of batches.
//
// The broker never calls this on the hot path (batches are stored and served as they arrive); tests,
// tools, the relay and group/offset stores do. Layout of the batch header: base/record_batch_header.h.
// Records (after the 61-byte header, compressed as one block when the codec is not none):
//   length varint | attributes i8 | timestampDelta varlong | offsetDelta varint |
//   keyLength varint (-1 null) | key | valueLength varint (-1 null) | value |
//   headerCount varint | { keyLength varint | key | valueLength varint (-1 null) | value }*
// Compression: gzip (zlib, gzip wrapper), snappy (raw block when writing; raw or xerial-framed when reading,
// since Java clients frame it), lz4 (LZ4 frame format), zstd.
//
// Reading never trusts the input: framing, magic and CRC are checked first, every length is bounded by the
// remaining bytes, decompressed output is capped, and any inconsistency is errc::corrupt_batch (or
// decompression_failed), never a crash.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/record_batch_header.h"
#include "base/result.h"
#include "protocol/errc.h"

namespace sd::protocol {

struct record_header {
  std::string key;
  std::optional<sd::bytes> value;
  bool operator==(const record_header&) const = default;
};

struct record {
  std::optional<sd::bytes> key;
  std::optional<sd::bytes> value;
  std::vector<record_header> headers;
  std::int64_t timestamp = 0;  // ms since epoch
  bool operator==(const record&) const = default;
};

struct batch_options {
  batch::compression codec = batch::compression::none;
  int compression_level = 0;  // 0: the codec's default
  std::int64_t base_offset = 0;
  std::int32_t leader_epoch = -1;
  std::int64_t producer_id = -1;
  std::int16_t producer_epoch = -1;
  std::int32_t base_sequence = -1;
  bool transactional = false;
  bool control = false;  // a control batch (transaction markers; only the broker writes them)
  bool log_append_time = false;
};

/// Accumulates records and produces one sealed RecordBatch v2 (CRC set). Offsets deltas are the record
/// indexes; BaseTimestamp is the first record's timestamp, MaxTimestamp the largest.
class batch_builder {
 public:
  explicit batch_builder(batch_options opts = {}) : _opts(opts) {}

  void add(const record& r);
  std::size_t count() const noexcept { return static_cast<std::size_t>(_count); }
  /// Uncompressed size of the records added so far (excluding the 61-byte header).
  std::size_t records_size() const noexcept { return _records.size(); }
  /// Fails with errc::malformed for an empty batch, compression_failed if the codec fails.
  result<sd::bytes> build() const;

 private:
  batch_options _opts;
  sd::bytes _records;  // uncompressed record encodings
  std::int32_t _count = 0;
  std::int64_t _base_ts = 0;
  std::int64_t _max_ts = 0;
};

/// Convenience: one batch from a list of records.
result<sd::bytes> build_batch(std::span<const record> records, const batch_options& opts = {});

struct header_view {
  std::string_view key;
  std::optional<sd::byte_span> value;
};

/// A record inside a decoded_batch; views point into the batch input or the decoded_batch's own buffer.
struct record_view {
  std::int64_t offset = 0;
  std::int64_t timestamp = 0;
  std::int8_t attributes = 0;
  std::optional<sd::byte_span> key;
  std::optional<sd::byte_span> value;
  std::vector<header_view> headers;
  /// The record's whole encoding (length varint included) inside the batch's uncompressed records; with the
  /// batch's BaseOffset and BaseTimestamp unchanged it can be copied into another batch as is.
  sd::byte_span encoded;

  record to_record() const;
};

struct decoded_batch {
  batch::header header;
  std::vector<record_view> records;
  /// Decompressed records (empty when the batch is not compressed). Owned here so the views stay valid
  /// for as long as this object lives (moves keep the heap buffer).
  sd::bytes decompressed;
};

constexpr std::size_t default_max_batch_bytes = 64u << 20;

/// Checks and decodes one whole batch at the start of `data` (exactly batch.total_size() bytes are used).
/// Decompressed records may not exceed `max_uncompressed`.
result<decoded_batch> read_batch(sd::byte_span data, std::size_t max_uncompressed = default_max_batch_bytes);

/// Decodes every complete batch in a records blob (e.g. a Fetch partition's records). A truncated batch at
/// the end is ignored (brokers may return a partial last batch); any other defect is an error.
result<std::vector<decoded_batch>> read_batches(sd::byte_span data,
                                                std::size_t max_uncompressed = default_max_batch_bytes);

/// A copy of `original` (a batch header as stored) that holds only `kept` records (record_view::encoded spans
/// of that batch), compressed with the same codec: BaseOffset, LastOffsetDelta, BaseTimestamp, MaxTimestamp,
/// producer id, epoch, base sequence and the transactional/control/timestamp-type attributes are kept, so
/// every kept record keeps its offset and timestamp and the producer's sequence state stays valid (the log
/// cleaner's rewrite, as Kafka's). With no record kept the result is an empty, uncompressed batch carrying the
/// same header fields (Kafka keeps such a batch for a producer's last sequence).
result<sd::bytes> rebuild_batch(const batch::header& original, std::span<const sd::byte_span> kept);

/// Codec primitives (exposed for tests and tools).
result<sd::bytes> compress(batch::compression codec, sd::byte_span in, int level = 0);
result<sd::bytes> decompress(batch::compression codec, sd::byte_span in, std::size_t max_out);

}  // namespace sd::protocol
