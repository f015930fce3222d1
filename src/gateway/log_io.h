#pragma once
// log_io: the HTTP gateway's way into the broker's partitions, without the Kafka protocol in between. Every
// call is awaited from the HTTP event loop and hops to the partition's owner storage loop for the log work
// (the storage threading contract), so the HTTP thread never touches a log and never blocks.
//
// Appends follow the Produce handler's rules: batches are sealed RecordBatch v2 built here (so their CRC is
// right by construction), appended in order on the owner shard, published and long-poll waiters woken in the
// same step; acks=all completes only once the group-commit fdatasync covers the last appended offset.
// Reads copy whole batches out of the segment files (bounded by max_bytes, at least one batch) and decode
// them on the calling thread; records below `from` in the first batch are dropped.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "broker/broker_core.h"
#include "broker/kafka_error.h"
#include "net/asio.h"
#include "net/event.h"
#include "producer/producer_state.h"
#include "protocol/record_batch.h"

namespace sd::gateway {

/// One sealed batch for one partition, and what became of it.
struct append_job {
  broker::partition_ptr partition;
  std::vector<sd::bytes> batches;  // in order; each one sealed RecordBatch v2
  // Results, one per batch (filled by append_all):
  std::vector<std::int64_t> base_offsets;  // -1 when that batch was not appended
  broker::kafka_error error = broker::kafka_error::none;
  std::string message;
};

/// Appends every job's batches (jobs on different shards run in parallel). acks: 1 answers once written,
/// -1 once durable (0 is treated as 1: an HTTP client always gets an answer). A batch that fails stops its
/// job: later batches of the same partition are not appended (ordering), and `error` says why.
net::awaitable<void> append_all(broker::broker_core& core, std::vector<append_job>& jobs, int acks);

struct read_outcome {
  broker::kafka_error error = broker::kafka_error::none;
  std::vector<protocol::record_view> records;  // offset >= from, views into `batches`
  std::vector<protocol::decoded_batch> batches;
  sd::bytes raw;                               // the copied batch bytes the views may point into
  std::int64_t next_offset = 0;                // where the next read starts
  std::int64_t high_watermark = 0;
  std::int64_t log_start_offset = 0;
  std::size_t bytes = 0;                       // batch bytes read
  std::vector<producer::aborted_txn> aborted;  // aborted transactions overlapping the batches read
};

/// Reads records of `p` from offset `from`, at most max_bytes of batches (at least one whole batch) and at most
/// max_records records. offset_out_of_range (with the offsets filled) when from is outside [start, end].
/// HTTP consumers read committed data only, as a read_committed Kafka consumer: up to the partition's last
/// stable offset (partition_state::visible_end), without aborted transactions' records or control batches.
net::awaitable<read_outcome> read_records(broker::broker_core& core, broker::partition_ptr p, std::int64_t from,
                                          std::size_t max_bytes, std::size_t max_records);

/// Where a consumer starts, resolved on the owner shard.
struct start_point {
  enum class kind { earliest, latest, offset, timestamp } k = kind::earliest;
  std::int64_t value = 0;
};
/// Parses `earliest`, `latest`, a non-negative offset or `@<epoch ms>`; nullopt when it is none of them.
std::optional<start_point> parse_start_point(std::string_view s);

/// The offset a start point names in `p` (timestamps: the first batch at or after it, else the log end;
/// offsets are clamped into [log start, log end]). -1 when the partition is gone.
net::awaitable<std::int64_t> resolve(broker::broker_core& core, broker::partition_ptr p, start_point sp);

/// Waits until any of `parts` has a high watermark other than the one in `seen` (same order), `deadline`
/// passes, or `wake` is set (an event on the caller's executor that another coroutine may set to end the wait,
/// e.g. on new credit or a close; one-shot: pass a fresh one each time). Returns false only when the deadline
/// passed with nothing happening.
net::awaitable<bool> wait_for_appends(const std::vector<broker::partition_ptr>& parts,
                                      const std::vector<std::int64_t>& seen,
                                      net::asio::steady_timer::time_point deadline,
                                      std::shared_ptr<net::async_event> wake);

/// "UNKNOWN_TOPIC_OR_PARTITION" -> "unknown_topic_or_partition": the stable error codes of the HTTP API.
std::string error_code_name(broker::kafka_error e);

}  // namespace sd::gateway
