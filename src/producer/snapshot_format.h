#pragma once
// Producer-state snapshot file: the ONE definition of its format (docs/STORAGE_FORMAT.md describes it).
//
// Name: <partition dir>/<20-digit offset>.snapshot, e.g. 00000000000000001234.snapshot. The offset is the
// snapshot's "covered end": the state reflects exactly the batches with offsets below it.
//
// Layout, big-endian:
//   0   u32 magic            0x53445053 ("SDPS")
//   4   u16 version          2 (version 1 files, written before transactions, are still read)
//   6   u16 flags            0
//   8   i64 covered_end      same as the file name's offset
//  16   u32 entry_count
//  20   entries, sorted by producer id, each:
//         i64 producer_id    >= 0
//         i16 epoch
//         i64 last_update_ms broker wall clock of the producer's last append
//         u8  batch_count    0..5 (version 1: 1..5)
//         i64 txn_first_offset  version 2 only: first offset of the transaction open here, -1 for none
//         batch_count x { i32 first_seq, i32 last_seq, i64 base_offset, i64 last_offset, i64 timestamp }
//       version 2 only:
//         u32 aborted_count
//         aborted_count x { i64 producer_id, i64 first_offset, i64 last_offset }  in last_offset order
//   end u32 crc32c           CRC-32C of every byte before it
//
// Written whole to "<name>.tmp", fdatasync'ed, renamed, directory fsync'ed: a file with the final name is
// complete. A file whose magic, version, sizes or CRC do not check out is ignored (and removed): the state is
// then rebuilt from an older snapshot or from the log, which is always correct, only slower.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sd::producer::snapshot_format {

constexpr std::uint32_t magic = 0x53445053;
constexpr std::uint16_t version = 2;
constexpr std::uint16_t version_without_transactions = 1;
constexpr std::string_view extension = ".snapshot";

constexpr std::size_t header_size = 20;
constexpr std::size_t entry_fixed_size = 8 + 2 + 8 + 1;
constexpr std::size_t txn_field_size = 8;  // version 2
constexpr std::size_t batch_size = 4 + 4 + 8 + 8 + 8;
constexpr std::size_t aborted_size = 8 + 8 + 8;
constexpr std::size_t crc_size = 4;

namespace field {
constexpr std::size_t magic = 0;
constexpr std::size_t version = 4;
constexpr std::size_t flags = 6;
constexpr std::size_t covered_end = 8;
constexpr std::size_t entry_count = 16;
}  // namespace field

/// Snapshots kept per partition: the newest ones; a newer one whose covered end is past the log end after a
/// crash is discarded at start-up and the next older one is used.
constexpr std::size_t kept = 2;

}  // namespace sd::producer::snapshot_format
