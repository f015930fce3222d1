#pragma once
// The transaction log's records: one upsert per transactional id (group::opaque_record, key = the id) whose
// value is the whole txn_metadata, encoded here. A null value forgets the id. Format in README.md.

#include "base/bytes.h"
#include "base/result.h"
#include "txn/types.h"

namespace sd::txn {

sd::bytes encode_metadata(const txn_metadata& m);
/// errc::storage_error for anything malformed.
result<txn_metadata> decode_metadata(const std::string& id, byte_span value);

}  // namespace sd::txn
