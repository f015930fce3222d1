#pragma once
// The relay spool's on-disk format: the one header that defines it (described in docs/STORAGE_FORMAT.md,
// section "Relay spool"). All integers are big-endian. A spool directory holds:
//
//   LOCK                          flock'ed (io::filesystem::lock_exclusive) by the one open spool; no content
//   ledger                        two CRC'd slots (below): relay id, forwarded_seq, gap list, drop counters
//   <20-digit first seq>.spool    segment files, e.g. 00000000000000000001.spool, named by the seq their
//   first
//                                 record has (or would have: a fresh segment is named by the next seq)
//
// Segment file: a 20-byte header, then framed records back to back, seq strictly increasing (dense unless a
// record was lost to corruption):
//
//   header  [0,4) magic "SDSP"  [4,6) version 1  [6,8) flags 0  [8,16) first_seq  [16,20) crc32c of [0,16)
//   frame   [0,4) body_len  [4,8) crc32c of the body  [8, 8 + body_len) body
//   body    u64 seq, i64 timestamp_ms, i32 partition,
//           u16 topic_len, topic bytes,
//           i32 key_len (-1: null key), key bytes, i32 value_len (-1: null value), value bytes,
//           u32 header_count, then per header: u32 name_len, name, u32 value_len, value.
//
// Ledger file: slot 0 at byte 0 and slot 1 at byte ledger_slot_bytes. A write goes to slot (generation % 2)
// and is fdatasync'ed; a reader takes the valid slot with the highest generation. A torn write therefore
// leaves the other slot, one generation older, intact: the ledger is crash-atomic without a rename.
//
//   slot    [0,4) magic "SDLG"  [4,6) version 1  [6,8) 0  [8,12) body_len  [12,16) crc32c of the body  body
//   body    u64 generation, u64 forwarded_seq, u64 gaps_total, u64 dropped_oldest_total,
//           u64 dropped_newest_total, u16 relay_id_len, relay_id, u32 gap_count,
//           then per gap: u64 first_seq, u64 last_seq, u64 records, u64 bytes, i64 at_ms, u8 reason
//           (1 drop_oldest, 2 drop_newest, 3 corrupt).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "spool/spool.h"

namespace sd::spool::format {

inline constexpr std::uint32_t segment_magic = 0x53445350;  // "SDSP"
inline constexpr std::uint32_t ledger_magic = 0x53444C47;   // "SDLG"
inline constexpr std::uint16_t version = 1;

inline constexpr std::size_t segment_header_bytes = 20;
inline constexpr std::size_t frame_header_bytes = 8;  // body_len + crc
/// The smallest body: seq, timestamp, partition, topic_len, key_len, value_len, header_count.
inline constexpr std::size_t min_body_bytes = 8 + 8 + 4 + 2 + 4 + 4 + 4;
/// No body is larger (a scan treats a larger length as damage). Appends are bounded tighter by segment_bytes.
inline constexpr std::uint32_t max_body_bytes = 256u << 20;

inline constexpr std::uint64_t ledger_slot_bytes = 32768;
inline constexpr std::size_t ledger_slot_header_bytes = 16;
inline constexpr std::size_t max_ledger_gaps = 512;  // oldest entries are pruned beyond this
inline constexpr std::size_t max_relay_id_bytes = 1024;
inline constexpr std::size_t gap_entry_bytes = 41;

inline constexpr const char* lock_name = "LOCK";
inline constexpr const char* ledger_name = "ledger";
inline constexpr const char* segment_suffix = ".spool";

/// "00000000000000000001.spool" for first_seq 1.
std::string segment_name(std::uint64_t first_seq);
/// The first seq a segment file name encodes, or nullopt when the name is not a segment's.
std::optional<std::uint64_t> parse_segment_name(std::string_view name);

bytes encode_segment_header(std::uint64_t first_seq);
/// The first_seq of a valid header (magic, version and CRC checked), or nullopt.
std::optional<std::uint64_t> decode_segment_header(byte_span header);

/// Bytes the framed record takes on disk (frame header + body).
std::size_t frame_bytes(const record& r);
/// Appends the frame of r (with r.seq) to out.
void encode_frame(const record& r, bytes& out);

/// The frame's body length when its first 8 bytes look plausible (min_body_bytes <= len <= max_body_bytes).
std::optional<std::uint32_t> frame_body_len(byte_span frame_header);
/// Checks the CRC and decodes a body (frame[8, 8 + body_len)). nullopt when the CRC or the layout is wrong.
std::optional<record> decode_frame(byte_span frame);
/// The seq of a frame whose header and body are at hand, without the CRC check (a cheap plausibility filter).
std::uint64_t peek_seq(byte_span frame);

enum class gap_reason : std::uint8_t { drop_oldest = 1, drop_newest = 2, corrupt = 3 };
const char* reason_name(gap_reason r);
std::optional<gap_reason> reason_from_name(std::string_view name);

/// What a ledger slot holds.
struct ledger_state {
  std::uint64_t generation = 0;  // 0: never written
  std::uint64_t forwarded_seq = 0;
  std::uint64_t gaps_total = 0;  // gap entries ever recorded (entries pruned from `gaps` included)
  std::uint64_t dropped_oldest_total = 0;
  std::uint64_t dropped_newest_total = 0;
  std::string relay_id;
  std::vector<gap> gaps;  // oldest first, at most max_ledger_gaps
};

/// The slot image (header + body) of s. Its size never exceeds ledger_slot_bytes given the bounds above.
bytes encode_ledger_slot(const ledger_state& s);
/// A valid slot's state, or nullopt (bad magic, version, length or CRC).
std::optional<ledger_state> decode_ledger_slot(byte_span slot);

}  // namespace sd::spool::format
