#pragma once
// Producer-state snapshots (format: producer/snapshot_format.h): encoding, decoding, and the files in a
// partition directory. Nothing here knows the idempotence rules; it stores producer_entry values.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/ids.h"
#include "base/result.h"
#include "io/filesystem.h"
#include "producer/producer_state.h"

namespace sd::producer {

struct snapshot {
  offset covered_end;  // the state reflects exactly the batches below this offset
  std::vector<producer_entry> entries;
  std::vector<aborted_txn> aborted;  // the partition's aborted transactions (producer_state.h)
};

/// Encodes a snapshot (format version 2); at most max_batches batches per entry are kept.
bytes encode_snapshot(const snapshot& s);
/// Decodes and checks a whole file. errc::corrupt_snapshot for any damage.
result<snapshot> decode_snapshot(byte_span data);

/// "<20 digits>.snapshot".
std::string snapshot_file_name(offset covered_end);
/// The covered end of a snapshot file name; nullopt for any other name.
std::optional<offset> parse_snapshot_file_name(std::string_view name);

/// Covered ends of the snapshot files in dir, newest (largest) first.
result<std::vector<offset>> list_snapshots(io::filesystem& fs, const std::string& dir);

/// Durably writes <dir>/<covered_end>.snapshot (tmp file, fdatasync, rename, directory fsync), then removes
/// all but the newest snapshot_format::kept snapshot files.
status write_snapshot(io::filesystem& fs, const std::string& dir, const snapshot& s);

/// Reads and decodes one snapshot file (errc::corrupt_snapshot when damaged or misnamed).
result<snapshot> read_snapshot(io::filesystem& fs, const std::string& dir, offset covered_end);

}  // namespace sd::producer
