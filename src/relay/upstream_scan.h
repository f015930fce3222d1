#pragma once
// upstream_scan: the read half of the forwarder's exactly-once resume. For each upstream partition it finds the
// highest spool sequence number of this relay's records there (header streamdown.relay.id == relay id, value
// of streamdown.spool.seq), reading with a plain librdkafka consumer (assigned partitions, no group commits).
//
// Where it starts reading a partition:
//  - at a hint offset (the upstream offset of one of our records seen acknowledged earlier): every record of
//    ours written after it is at a higher offset, so [hint, high watermark) holds the maximum;
//  - without a usable hint, backwards from the high watermark in windows growing x4 from 1024 records, until a
//    window holds one of our records with seq <= ledger_seq (everything of ours after the ledger is then in
//    the scanned range) or the partition's start is reached.
// A scan that cannot finish (upstream unreachable, timeout) fails as a whole: the caller retries later.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace sd::relay {

using topic_partition = std::pair<std::string, std::int32_t>;

struct scan_settings {
  std::string bootstrap_servers;
  std::map<std::string, std::string> client_settings;  // upstream.* (TLS, SASL, ...)
  std::string relay_id;
  std::uint64_t ledger_seq = 0;              // the spool's forwarded_seq when the resume began
  std::uint64_t max_records_per_partition = 20'000'000;  // give up widening past this (logged)
};

struct scan_result {
  std::map<topic_partition, std::uint64_t> max_seq;  // 0: no record of ours found
  std::map<topic_partition, std::int64_t> max_offset;  // upstream offset of that record (new hints)
  std::uint64_t records_read = 0;
  std::uint64_t foreign_seq_records = 0;  // ours by relay id but with a seq above what this spool ever wrote
};

/// Scans every partition in `hints` (value: hint offset or nullopt). nullopt with `error` set on failure.
/// `highest_written_seq` detects a second relay using the same relay id (records of "ours" beyond it).
std::optional<scan_result> scan_upstream_tails(const scan_settings& settings,
                                               const std::map<topic_partition, std::optional<std::int64_t>>& hints,
                                               std::uint64_t highest_written_seq, std::string& error);

/// Reads streamdown.spool.seq from a header value ("123"); nullopt if malformed.
std::optional<std::uint64_t> parse_seq_header(const void* data, std::size_t size);

inline constexpr const char* relay_id_header = "streamdown.relay.id";
inline constexpr const char* spool_seq_header = "streamdown.spool.seq";

}  // namespace sd::relay
