#pragma once
// verify_ledger: the bookkeeping of `streamdown verify` (verify_command.cc), with no Kafka in it so it is
// unit-tested on its own.
//
// Records a writer produces carry, besides their key, two headers: verify.writer (the writer's id) and
// verify.seq (the record's sequence number within its key, from 0). A writer's ledger says, per key, which
// sequences the cluster acknowledged and which it refused or timed out (possibly written). A consume run
// reads partitions in offset order and checks each record: its offset above the previous one of the
// partition in this run (else an offset regression), its (writer, key, seq) not seen before in the run (else a
// duplicate), its seq above the last one of that writer and key at a lower offset (else reordered). Records
// at an offset the run already checked (redelivered after a rebalance) are skipped. A group run also records
// the offsets it committed, and checks that the group's committed offsets never went below what an earlier
// run recorded (a backward commit).
// Memory: sequences and offsets are range sets (runs of consecutive numbers), so a billion records in order
// cost a few entries per key and partition, not one per record.
//
// Files in the ledger directory (text, one fact per line, written whole to a temporary file and renamed):
//   produce-<writer>.ledger   topic, writer, then "key <key> acked <ranges> failed <ranges>"
//   consume-<run>.state       topic, group, the run's counters, "partition <p> offsets <ranges>",
//                             "seen <writer> <key> <ranges>", "commit <p> <offset>", "example <text>"
// <ranges> is "-" (empty) or "a-b,c,d-e". Keys, writers and values are printable ASCII without spaces, tabs,
// newlines, ',' or '='.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sd::client::verify {

/// A set of non-negative integers kept as disjoint inclusive ranges.
class range_set {
 public:
  /// Adds v; false when it was already there.
  bool insert(std::int64_t v);
  void insert_range(std::int64_t first, std::int64_t last);
  bool contains(std::int64_t v) const;
  std::uint64_t count() const;
  std::size_t runs() const { return _runs.size(); }
  bool empty() const { return _runs.empty(); }
  /// The members of this set that are not in `other`.
  range_set minus(const range_set& other) const;
  void merge(const range_set& other);
  /// The smallest members, at most `n` of them.
  std::vector<std::int64_t> first(std::size_t n) const;

  std::string to_text() const;
  static std::optional<range_set> parse(const std::string& text);

  bool operator==(const range_set&) const = default;

 private:
  std::map<std::int64_t, std::int64_t> _runs;  // first -> last (inclusive)
};

struct key_ledger {
  range_set acked;
  range_set failed;  // refused or timed out: possibly written
};

/// What one `verify produce` run sent and had acknowledged.
struct writer_ledger {
  std::string topic;
  std::string writer;
  std::map<std::string, key_ledger> keys;

  std::string to_text() const;
  static std::optional<writer_ledger> parse(const std::string& text, std::string* error = nullptr);
};

/// One consumed record's verify identity; nullopt fields when the record has no verify headers.
struct record_identity {
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::string key;
  std::optional<std::string> writer;
  std::optional<std::int64_t> seq;
};

struct violation_counts {
  std::uint64_t duplicates = 0;
  std::uint64_t reordered = 0;
  std::uint64_t offset_regressions = 0;
  std::uint64_t backward_commits = 0;
  std::uint64_t total() const { return duplicates + reordered + offset_regressions + backward_commits; }
};

/// One `verify consume` run's results.
class consume_run {
 public:
  static constexpr std::size_t max_examples = 20;

  consume_run(std::string topic, std::string group) : _topic(std::move(topic)), _group(std::move(group)) {}

  /// A partition was (re)assigned: its next record starts a new ascending sequence of offsets.
  void partition_assigned(std::int32_t p) { _last_offset.erase(p); }
  /// Checks one record (in the order read).
  void observe(const record_identity& r);
  /// The group's committed offset for p as found at the start of the run, against `recorded` (the highest an
  /// earlier run committed): below it is a backward commit.
  void check_commit_start(std::int32_t p, std::int64_t found, std::int64_t recorded);
  /// This run committed `offset` for p (the next offset to read).
  void committed(std::int32_t p, std::int64_t offset);

  const std::string& topic() const { return _topic; }
  const std::string& group() const { return _group; }
  const violation_counts& violations() const { return _v; }
  std::uint64_t records_checked() const { return _checked; }
  std::uint64_t records_without_headers() const { return _foreign; }
  std::uint64_t records_redelivered() const { return _redelivered; }
  const std::map<std::pair<std::string, std::string>, range_set>& seen() const { return _seen; }
  const std::map<std::int32_t, std::int64_t>& commits() const { return _commits; }
  const std::vector<std::string>& examples() const { return _examples; }

  std::string to_text() const;
  static std::optional<consume_run> parse(const std::string& text, std::string* error = nullptr);

 private:
  void example(std::string text);

  std::string _topic, _group;
  std::map<std::int32_t, range_set> _offsets;              // checked offsets per partition
  std::map<std::int32_t, std::int64_t> _last_offset;       // per partition, since its last assignment
  struct key_progress {
    std::int64_t last_seq = -1;
    std::int64_t last_offset = -1;
  };
  std::map<std::pair<std::string, std::string>, range_set> _seen;  // (writer, key) -> sequences
  std::map<std::pair<std::string, std::string>, key_progress> _progress;
  std::map<std::int32_t, std::int64_t> _commits;  // highest committed per partition
  violation_counts _v;
  std::uint64_t _checked = 0, _foreign = 0, _redelivered = 0;
  std::vector<std::string> _examples;
};

/// What `verify report` prints, over every ledger and consume run of one topic.
struct report {
  std::string topic;
  std::size_t writers = 0, consume_runs = 0;
  std::uint64_t acked = 0, failed = 0, failed_found = 0;
  std::uint64_t records_checked = 0;
  std::uint64_t lost = 0;
  violation_counts violations;
  std::vector<std::string> examples;  // lost records first, then the runs' examples
  bool ok() const { return lost == 0 && violations.total() == 0 && consume_runs > 0; }
  std::string to_text() const;
  std::string to_json() const;
};

/// Lost = acknowledged by a writer and seen by no consume run.
report build_report(const std::string& topic, const std::vector<writer_ledger>& writers,
                    const std::vector<consume_run>& runs);

/// The highest offset any run in `runs` committed for (group, partition).
std::map<std::int32_t, std::int64_t> recorded_commits(const std::vector<consume_run>& runs, const std::string& group);

}  // namespace sd::client::verify
