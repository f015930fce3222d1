#pragma once
// line_batch: what the line-oriented sources (stdin, file) share.
//   - split_lines: cuts bytes into records at '\n', or at max_line_bytes when a line is longer;
//   - line_decoder: one line -> one spool::record (format lines: the bytes as the value, null key;
//     format json: record_json::parse_record_text; a bad line is counted in rejected_total and logged at
//     most once a second);
//   - batch_appender: appends one batch and waits for the spool's answer, retrying the same batch while the
//     spool is full (spool.when.full = block) until it is appended or the source stops. Never drops a batch.
//
// Threading: a line source owns one reader thread that calls batch_appender::append; exactly one batch is in
// flight at a time. The spool's callbacks (append done, space freed) only set a flag in a shared waiter and
// notify it: they never block and never call append.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "relay/source.h"
#include "spool/spool.h"

namespace sd::relay::line_batch {

/// One record's bytes inside the data given to split_lines.
struct line_piece {
  std::size_t begin = 0;
  std::size_t size = 0;
};

struct split_result {
  std::vector<line_piece> lines;
  std::size_t consumed = 0;  // bytes covered by `lines`, newlines included; the rest waits for more data
  std::size_t bytes = 0;     // sum over the pieces of (size + line_overhead)
};

/// Splits `data` into lines. A line ends at '\n' (not part of the record). A line that has no '\n' within its
/// first max_line_bytes + 1 bytes is cut: a record of exactly max_line_bytes, and the rest continues as the
/// next piece (so a line of exactly max_line_bytes followed by '\n' is one record). A trailing piece without
/// '\n' is not a line (consumed stops before it) unless `at_eof`, where it is one last record. Stops early
/// once `max_lines` pieces or `max_bytes` are taken, each piece counting its size plus `line_overhead` (what
/// the spool adds per record: line_overhead_for), at least one piece when one is complete. Requires
/// max_line_bytes >= 1.
split_result split_lines(std::string_view data, std::size_t max_line_bytes, std::size_t max_lines,
                         std::size_t max_bytes, bool at_eof, std::size_t line_overhead = 0);

/// Bytes a record takes in the spool (its frame), for batch caps.
std::size_t record_cost(const spool::record& r);
/// The spool bytes of a record to `topic` beyond its value's bytes (a line's overhead for split_lines).
std::size_t line_overhead_for(const std::string& topic);

/// Turns lines into spool records per the source's format and topic.
class line_decoder {
 public:
  line_decoder(const source_config& cfg, source_stats& stats);
  /// nullopt: the line is not a record (format json: empty/blank, or unreadable: counted and logged).
  std::optional<spool::record> decode(std::string_view line);

 private:
  bool _json;
  std::string _topic;
  std::string _source_name;
  source_stats& _stats;
};

/// Batch caps: at most this many records and about this many bytes in one spool append. The byte cap also
/// stays under a quarter of the spool's max_bytes so a batch can always fit an emptied spool.
struct batch_caps {
  std::size_t max_records = 1000;
  std::size_t max_bytes = 1u << 20;
};
batch_caps caps_for(const spool::spool& s);

class batch_appender {
 public:
  enum class outcome { appended, stopped };

  batch_appender(spool::spool& s, source_stats& stats, std::string source_name);
  ~batch_appender();
  batch_appender(const batch_appender&) = delete;
  batch_appender& operator=(const batch_appender&) = delete;

  /// Appends `batch` (non-empty) as one spool append and waits for its callback. On errc::full: counts one
  /// backpressure episode, waits for notify_on_space (or a periodic has_space check, in case the notification
  /// raced with the refusal) and retries the same batch. Other errors (I/O, a record too large for the spool)
  /// are logged and counted in errors_total and retried after a longer pause: the source stalls rather than
  /// dropping. Returns `stopped` only when stop() was called while waiting to retry (the batch is NOT in the
  /// spool); an append already handed to the spool is always waited for. On `appended` the stats are updated
  /// (appended_total, bytes_total) and the batch is left moved-from.
  outcome append(std::vector<spool::record>& batch);

  /// Wakes a waiting append() so it returns `stopped`. Thread-safe; sticky.
  void stop();
  bool stopping() const;

  /// Called on the appending thread about every 250 ms while it waits for space (e.g. to refresh lag).
  void set_wait_hook(std::function<void()> hook) { _wait_hook = std::move(hook); }

 private:
  struct waiter;
  spool::spool& _spool;
  source_stats& _stats;
  std::string _source_name;
  std::function<void()> _wait_hook;
  std::shared_ptr<waiter> _w;  // shared with the spool's callbacks, which may outlive this object
};

}  // namespace sd::relay::line_batch
