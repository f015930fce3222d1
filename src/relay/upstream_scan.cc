#include "relay/upstream_scan.h"

#include <librdkafka/rdkafkacpp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <memory>

namespace sd::relay {
namespace {

using clock = std::chrono::steady_clock;
constexpr auto partition_deadline = std::chrono::seconds(60);

struct window_result {
  std::uint64_t max_seq = 0;
  std::int64_t max_offset = -1;
  bool saw_at_or_below_ledger = false;
};

class tail_reader {
 public:
  tail_reader(const scan_settings& s, std::uint64_t highest_written, scan_result& out)
      : _s(s), _highest_written(highest_written), _out(out) {}

  bool open(std::string& error) {
    std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    std::string err;
    auto set = [&](const std::string& k, const std::string& v) {
      if (conf->set(k, v, err) != RdKafka::Conf::CONF_OK) {
        error = "upstream." + k + ": " + err;
        return false;
      }
      return true;
    };
    if (!set("bootstrap.servers", _s.bootstrap_servers)) return false;
    for (const auto& [k, v] : _s.client_settings) {
      // Producer-only settings mean nothing to this reader; skip them rather than let librdkafka warn.
      if (k == "linger.ms" || k == "batch.size" || k == "compression.type" || k == "compression.codec" ||
          k == "acks" || k == "batch.num.messages" || k.starts_with("queue.buffering"))
        continue;
      if (!set(k, v)) return false;
    }
    if (!set("group.id", "streamdown-relay-resume-" + _s.relay_id) || !set("enable.auto.commit", "false") ||
        !set("enable.partition.eof", "true") || !set("auto.offset.reset", "earliest"))
      return false;
    _consumer.reset(RdKafka::KafkaConsumer::create(conf.get(), err));
    if (!_consumer) {
      error = "cannot create the upstream reader: " + err;
      return false;
    }
    return true;
  }

  ~tail_reader() {
    if (_consumer) _consumer->close();
  }

  bool scan_partition(const topic_partition& tp, std::optional<std::int64_t> hint, std::string& error) {
    std::int64_t low = 0, high = 0;
    auto err = _consumer->query_watermark_offsets(tp.first, tp.second, &low, &high, 10000);
    if (err != RdKafka::ERR_NO_ERROR) {
      error = "watermarks of " + tp.first + "/" + std::to_string(tp.second) + ": " + RdKafka::err2str(err);
      return false;
    }
    window_result total;
    if (high > low) {
      if (hint && *hint >= low && *hint < high) {
        if (!scan(tp, *hint, high, total, error)) return false;
      } else {
        std::int64_t end = high;
        std::int64_t width = 1024;
        std::uint64_t scanned = 0;
        while (true) {
          const std::int64_t start = std::max(low, end - width);
          if (!scan(tp, start, end, total, error)) return false;
          scanned += static_cast<std::uint64_t>(end - start);
          if (total.saw_at_or_below_ledger || start == low) break;
          if (scanned >= _s.max_records_per_partition) {
            spdlog::warn("relay resume: read {} records of {}/{} back from its end without finding a record of relay "
                         "'{}' at or below the ledger (seq {}); assuming none older is pending",
                         scanned, tp.first, tp.second, _s.relay_id, _s.ledger_seq);
            break;
          }
          end = start;
          width *= 4;
        }
      }
    }
    _out.max_seq[tp] = total.max_seq;
    if (total.max_offset >= 0) _out.max_offset[tp] = total.max_offset;
    return true;
  }

 private:
  // Reads [start, end) of one partition, folding our records into acc.
  bool scan(const topic_partition& tp, std::int64_t start, std::int64_t end, window_result& acc, std::string& error) {
    std::unique_ptr<RdKafka::TopicPartition> part(RdKafka::TopicPartition::create(tp.first, tp.second, start));
    std::vector<RdKafka::TopicPartition*> parts{part.get()};
    if (auto err = _consumer->assign(parts); err != RdKafka::ERR_NO_ERROR) {
      error = "assign " + tp.first + ": " + RdKafka::err2str(err);
      return false;
    }
    const auto deadline = clock::now() + partition_deadline;
    bool done = false;
    while (!done) {
      if (clock::now() > deadline) {
        error = "timed out reading the tail of " + tp.first + "/" + std::to_string(tp.second);
        break;
      }
      std::unique_ptr<RdKafka::Message> msg(_consumer->consume(500));
      switch (msg->err()) {
        case RdKafka::ERR__TIMED_OUT:
          continue;
        case RdKafka::ERR__PARTITION_EOF:
          done = true;
          continue;
        case RdKafka::ERR_NO_ERROR:
          break;
        default:
          error = "reading " + tp.first + "/" + std::to_string(tp.second) + ": " + msg->errstr();
          (void)_consumer->unassign();
          return false;
      }
      if (msg->offset() >= end) {
        done = true;
        continue;
      }
      ++_out.records_read;
      fold(*msg, acc);
      if (msg->offset() >= end - 1) done = true;
    }
    (void)_consumer->unassign();
    return done;
  }

  void fold(RdKafka::Message& msg, window_result& acc) {
    auto* headers = msg.headers();
    if (headers == nullptr) return;
    auto id = headers->get_last(relay_id_header);
    if (id.err() != RdKafka::ERR_NO_ERROR || id.value_size() != _s.relay_id.size() ||
        std::string_view(static_cast<const char*>(id.value()), id.value_size()) != _s.relay_id)
      return;
    auto seq_header = headers->get_last(spool_seq_header);
    if (seq_header.err() != RdKafka::ERR_NO_ERROR) return;
    auto seq = parse_seq_header(seq_header.value(), seq_header.value_size());
    if (!seq) return;
    if (*seq > _highest_written) ++_out.foreign_seq_records;
    if (*seq <= _s.ledger_seq) acc.saw_at_or_below_ledger = true;
    if (*seq > acc.max_seq) {
      acc.max_seq = *seq;
      acc.max_offset = msg.offset();
    }
  }

  const scan_settings& _s;
  std::uint64_t _highest_written;
  scan_result& _out;
  std::unique_ptr<RdKafka::KafkaConsumer> _consumer;
};

}  // namespace

std::optional<std::uint64_t> parse_seq_header(const void* data, std::size_t size) {
  if (data == nullptr || size == 0 || size > 20) return std::nullopt;
  const char* p = static_cast<const char*>(data);
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(p, p + size, v);
  if (ec != std::errc() || end != p + size) return std::nullopt;
  return v;
}

std::optional<scan_result> scan_upstream_tails(const scan_settings& settings,
                                               const std::map<topic_partition, std::optional<std::int64_t>>& hints,
                                               std::uint64_t highest_written_seq, std::string& error) {
  scan_result out;
  if (hints.empty()) return out;
  tail_reader reader(settings, highest_written_seq, out);
  if (!reader.open(error)) return std::nullopt;
  for (const auto& [tp, hint] : hints) {
    if (!reader.scan_partition(tp, hint, error)) return std::nullopt;
  }
  return out;
}

}  // namespace sd::relay
