#pragma once
// The records of the offsets log (format: docs in README.md, "Offsets log"): what one durable change to the
// coordinator's state looks like, and their key/value encoding. Every record is an upsert keyed by its key;
// a null value removes the key. Replaying the log in order rebuilds the state.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "group/types.h"

namespace sd::group {

struct persisted_member {
  std::string member_id;
  std::optional<std::string> instance_id;
  std::string client_id;
  std::string client_host;
  std::int32_t session_timeout_ms = 0;
  std::int32_t rebalance_timeout_ms = 0;
  std::vector<protocol_entry> protocols;
  sd::bytes assignment;
  bool operator==(const persisted_member&) const = default;
};

/// A group's membership as of its last completed sync (Stable) or of becoming Empty.
struct group_metadata {
  std::string protocol_type;
  std::optional<std::string> protocol;
  std::int32_t generation = 0;
  std::string leader;
  std::int64_t state_timestamp_ms = 0;  // wall clock of the last state change (Empty since ...)
  std::vector<persisted_member> members;
  bool operator==(const group_metadata&) const = default;
};

struct offset_record {
  std::string group;
  topic_partition tp;
  std::optional<committed_offset> value;  // nullopt: deleted
  bool operator==(const offset_record&) const = default;
};

struct group_record {
  std::string group;
  std::optional<group_metadata> value;  // nullopt: group deleted
  bool operator==(const group_record&) const = default;
};

/// A record another module keeps in a log of this format (the transaction coordinator's state): an upsert of
/// `value` under `key`, bytes the owner encodes; nullopt removes the key. The group manager ignores them.
struct opaque_record {
  std::string key;
  std::optional<sd::bytes> value;
  bool operator==(const opaque_record&) const = default;
};

using store_record = std::variant<offset_record, group_record, opaque_record>;

/// Key and value bytes of one record (value nullopt for a removal).
struct encoded_record {
  sd::bytes key;
  std::optional<sd::bytes> value;
};

encoded_record encode_record(const store_record& r);
/// corrupt data -> errc::storage_error (the caller reports where).
result<store_record> decode_record(byte_span key, std::optional<byte_span> value);

/// A RecordBatch v2 (uncompressed, CRC sealed, base offset 0) holding `records`.
sd::bytes encode_batch(const std::vector<encoded_record>& records, std::int64_t timestamp_ms);
/// Calls fn(key, value, offset) for each record of one framed batch (offset: the batch's BaseOffset plus the
/// record's OffsetDelta; the log cleaner leaves gaps between them); false if the records are malformed.
bool for_each_record(byte_span whole_batch,
                     const std::function<bool(byte_span key, std::optional<byte_span> value, std::int64_t offset)>& fn);

}  // namespace sd::group
