#pragma once
// Transaction markers as they are stored and fetched: a control batch (attributes: transactional | control)
// of the producer id and epoch whose transaction it ends, base sequence -1, holding ONE record whose key is
// (i16 version 0, i16 type: 0 ABORT, 1 COMMIT) and whose value is (i16 version 0, i32 coordinator epoch).
// Clients skip control batches and use the type to drop aborted records (KIP-98). Only the broker writes
// them; Produce refuses control batches from clients.

#include <cstdint>
#include <optional>

#include "base/bytes.h"
#include "producer/producer_state.h"

namespace sd::producer {

/// A whole, CRC-sealed control batch at base offset 0 (the log assigns the real one).
sd::bytes encode_marker(std::int64_t producer_id, std::int16_t producer_epoch, marker_kind kind,
                        std::int32_t coordinator_epoch, std::int64_t timestamp_ms);

/// The marker type of a whole control batch; nullopt when it is not a well-formed marker.
std::optional<marker_kind> decode_marker(byte_span whole_batch);

}  // namespace sd::producer
