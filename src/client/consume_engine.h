#pragma once
// The `consume` loop: one thread owns the librdkafka consumer and the dead-letter/retry producer; with
// --exec, a pool of workers runs the command for records handed to it.
//
// Guarantees (with a group):
// - A partition's committed offset only ever covers records that finished: the command succeeded, or the
//   record was written to its retry/dead-letter topic and that write was acknowledged (offset_tracker).
// - Records with the same key in a partition are processed one at a time in offset order, also across
//   retries; different keys run in parallel on up to `parallel` workers (key_scheduler).
// - At most `max_in_flight` records are received and unfinished: at the bound every assigned partition is
//   paused, and resumed once the count falls to half of it.
// - A failed record is retried in place after backoff_policy delays until `max_attempts` attempts at this
//   stage; then it moves to the next retry topic (`<topic>.retry.<delay>`, processed no earlier than its
//   append plus the delay: the topic carries streamdown.delivery.delay.ms, so the broker holds it back; on a
//   broker without that key the engine holds it until its timestamp plus the delay) or, after the last
//   stage, to the dead-letter topic. Both carry the record's key,
//   value and headers plus streamdown.source.{topic,partition,offset}, streamdown.error, streamdown.attempts.
// - On revocation the finished offsets of the revoked partitions are committed; their unfinished records are
//   dropped (they are delivered again to whoever gets the partition: at-least-once).
// - --exit-at-end: exits once every assigned partition reached its end, nothing is in flight, every
//   dead-letter/retry write is acknowledged and the final commit succeeded.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "client/kafka_setup.h"
#include "client/settings.h"

namespace sd::client {

enum class output_format { value, key_value, json };

struct consume_options {
  connection_options conn;
  std::vector<std::string> topics;
  std::string group;
  bool from_beginning = false;
  bool exit_at_end = false;
  std::string offset_spec;                // without a group: beginning, end, N or @TIMESTAMP_MS
  std::vector<std::int32_t> partitions;   // without a group: which partitions (default all)
  std::uint64_t count = 0;                // stop after this many records finished (0: no limit)
  output_format format = output_format::value;
  std::string key_separator = "\t";
  std::optional<std::string> exec;
  int max_attempts = 3;
  backoff_policy backoff;
  std::string dlq_topic;                  // default <topic>.dlq
  std::vector<std::string> retry_delays;  // as typed ("5s"); topic <topic>.retry.<text>
  std::size_t max_in_flight = 1000;
  int parallel = 4;
  std::string transactional_output;       // --transactional-output (transactional_pipe.h)
  std::string transactional_id;           // default streamdown-<group>-<output>
  std::size_t transaction_records = 500;  // records per transaction at most
};

/// Runs until the end condition, a signal (SIGINT/SIGTERM: finish running commands, commit, exit 0) or a
/// fatal error (tool_error). Returns the process exit code.
int run_consume(const consume_options& o);

}  // namespace sd::client
