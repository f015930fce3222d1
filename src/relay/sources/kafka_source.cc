// The `kafka` source: a consumer-group member that copies `kafka_topics` from another Kafka cluster into the spool,
// bound for `topic` upstream, and commits a consumed offset only once the spool holds its record.
//
// Contract (relay/source.h):
//   - One consumer thread owns the librdkafka KafkaConsumer; every consumer call (consume, commit, pause, assign,
//     close) is made on it. Spool callbacks only hand their outcome back through `mailbox` (mutex + condvar).
//   - The thread alternates: take what consume() returns (up to batch_max_records / batch_max_bytes), append it
//     as one spool batch, wait for the append callback, then commit next-offset-per-partition. Exactly one batch
//     is in flight, so per-partition order is the consume order, and a rebalance callback (which only runs inside
//     consume()/close()) never finds a batch in flight: its revocation first commits, synchronously, everything
//     the spool acknowledged for the revoked partitions.
//   - An offset is committed only when every record below it is in the spool (or was discarded by drop_newest,
//     which the spool reports as handled). A batch that is not appended is never committed: its records come
//     again from the committed offset after a restart or to the next owner of the partition.
//   - errc::full (spool.when.full = block): pause every assigned partition, keep calling consume() so the group
//     does not evict the member (max.poll.interval.ms), retry the same batch when notify_on_space fires (or every
//     retry_interval), and resume once it is appended. Other append errors pause and retry the same way; a single
//     record larger than the spool can hold stalls the source (logged, counted) rather than being skipped.
//   - stop(): the in-flight batch finishes, everything acknowledged is committed synchronously, the consumer
//     leaves the group (close()).
//   - stats().lag: sum over assigned partitions of (high watermark - appended/committed position), refreshed every
//     lag_interval from the cached watermarks (queried from the cluster while paused, when the cache is stale).

#include <librdkafka/rdkafkacpp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>

#include "base/log_limiter.h"
#include "relay/sources/sources.h"
#include "spool/errc.h"
#include "spool/format.h"

namespace sd::relay {
namespace {

using steady = std::chrono::steady_clock;
using topic_partition = std::pair<std::string, std::int32_t>;

constexpr std::size_t batch_max_records = 1000;
constexpr std::size_t batch_max_bytes = 1u << 20;
constexpr auto retry_interval = std::chrono::seconds(1);
constexpr auto stalled_retry_interval = std::chrono::seconds(30);
constexpr auto lag_interval = std::chrono::seconds(3);
constexpr auto commit_retry_interval = std::chrono::seconds(1);
constexpr int poll_ms = 100;

constexpr const char* h_source_topic = "streamdown.source.topic";
constexpr const char* h_source_partition = "streamdown.source.partition";
constexpr const char* h_source_offset = "streamdown.source.offset";

/// What spool callbacks hand to the consumer thread. Shared-owned: a callback may run after the source is gone.
struct mailbox {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<result<std::uint64_t>> done;  // outcome of the in-flight append
  bool space = false;                          // notify_on_space fired since the last look
  bool space_requested = false;                // a notify_on_space registration is outstanding
};

/// One consumed message, converted, with where it came from.
struct taken {
  topic_partition tp;
  std::int64_t offset = 0;
  std::uint64_t bytes = 0;  // key + value
  std::uint64_t cost = 0;   // its spool frame (what counts against spool.max.bytes)
  spool::record rec;
};

/// Consumer-thread state of one assigned partition.
struct partition_state {
  std::int64_t appended = -1;    // next offset after the last record the spool acknowledged; -1: none yet
  std::int64_t committed = -1;   // offset last sent in a commit (reset to -1 when an async commit fails)
  std::int64_t first_seen = -1;  // offset of the first message taken since assignment (the committed position)
  std::int64_t high = -1;        // last known high watermark
};

class kafka_source final : public source,
                           public RdKafka::RebalanceCb,
                           public RdKafka::EventCb,
                           public RdKafka::OffsetCommitCb {
 public:
  kafka_source(source_config cfg, source_context& ctx) : source(std::move(cfg)), _ctx(ctx) {}
  ~kafka_source() override { stop(); }

  void start() override;
  void stop() override;
  void describe(nlohmann::json& out) const override;

  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& partitions) override;
  void event_cb(RdKafka::Event& event) override;
  void offset_commit_cb(RdKafka::ErrorCode err, std::vector<RdKafka::TopicPartition*>& offsets) override;

 private:
  void run();
  void fill_batch();
  void take(RdKafka::Message& m, std::deque<taken>& into);
  void append_and_wait();
  void on_appended(std::uint64_t first_seq);
  void on_append_failed(std::error_code ec);
  void request_space_notice();
  bool take_space_notice();
  void set_paused(bool paused);
  void commit(bool sync, const std::vector<topic_partition>* only = nullptr);
  void drop_partitions(const std::vector<topic_partition>& gone);
  void update_lag(bool force_query);
  void publish_snapshot();
  void update_in_flight();

  source_context& _ctx;
  std::unique_ptr<RdKafka::KafkaConsumer> _consumer;
  std::shared_ptr<mailbox> _mb = std::make_shared<mailbox>();
  std::thread _thread;
  std::atomic<bool> _stop{false};
  log_limiter _log_limit{std::chrono::seconds(5)};

  // Consumer-thread state (also touched by rebalance/commit callbacks, which run on the consumer thread).
  std::map<topic_partition, partition_state> _parts;
  std::deque<taken> _batch;  // the batch being appended, or waiting to be appended again
  std::deque<taken> _next;   // taken while the batch waited (rare: partitions are paused then); goes first next
  bool _blocked = false;     // the batch's last append failed; partitions are paused until it is appended
  bool _stalled = false;     // a single record can never fit the spool
  bool _paused = false;
  steady::time_point _retry_at{};
  steady::time_point _next_lag{};
  steady::time_point _next_commit_retry{};
  std::string _last_error;

  // Snapshot for describe() (other threads).
  mutable std::mutex _snap_mu;
  nlohmann::json _snapshot = nlohmann::json::object();
};

void kafka_source::start() {
  std::map<std::string, std::string> values{{"auto.offset.reset", "earliest"},
                                            {"client.id", "streamdown-relay-" + _ctx.relay_id + "-" + _cfg.name}};
  for (const auto& [k, v] : _cfg.kafka_settings) {
    if ((k == "enable.auto.commit" || k == "enable.auto.offset.store") && v != "false")
      throw std::runtime_error("source " + _cfg.name + ": kafka." + k + " must stay false: the source commits an " +
                               "offset only after the spool holds its record");
    if (k == "bootstrap.servers" || k == "group.id")
      throw std::runtime_error("source " + _cfg.name + ": set " + k + " on the source, not as kafka." + k);
    values[k] = v;
  }
  values["bootstrap.servers"] = _cfg.bootstrap_servers;
  values["group.id"] = _cfg.group_id;
  values["enable.auto.commit"] = "false";
  values["enable.auto.offset.store"] = "false";

  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string err;
  for (const auto& [k, v] : values)
    if (conf->set(k, v, err) != RdKafka::Conf::CONF_OK)
      throw std::runtime_error("source " + _cfg.name + ": kafka." + k + ": " + err);
  if (conf->set("rebalance_cb", static_cast<RdKafka::RebalanceCb*>(this), err) != RdKafka::Conf::CONF_OK ||
      conf->set("event_cb", static_cast<RdKafka::EventCb*>(this), err) != RdKafka::Conf::CONF_OK ||
      conf->set("offset_commit_cb", static_cast<RdKafka::OffsetCommitCb*>(this), err) != RdKafka::Conf::CONF_OK)
    throw std::runtime_error("source " + _cfg.name + ": " + err);
  if (RdKafka::version() < 0x020300ff && values.count("partition.assignment.strategy") != 0 &&
      values["partition.assignment.strategy"].find("cooperative-sticky") != std::string::npos)
    spdlog::warn("relay kafka source {}: librdkafka {} aborts on shutdown when a cooperative-sticky member never "
                 "received an assignment (librdkafka #4312, fixed in 2.3.0)", _cfg.name, RdKafka::version_str());
  _consumer.reset(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!_consumer) throw std::runtime_error("source " + _cfg.name + ": cannot create the Kafka consumer: " + err);
  if (auto e = _consumer->subscribe(_cfg.kafka_topics); e != RdKafka::ERR_NO_ERROR) {
    _consumer->close();
    _consumer.reset();
    throw std::runtime_error("source " + _cfg.name + ": cannot subscribe: " + RdKafka::err2str(e));
  }
  publish_snapshot();
  _thread = std::thread([this] { run(); });
}

void kafka_source::stop() {
  _stop.store(true);
  if (_thread.joinable()) _thread.join();
  _consumer.reset();
}

void kafka_source::run() {
  while (!_stop.load()) {
    const auto now = steady::now();
    const bool space = take_space_notice();
    const bool retry_due = _blocked && (space || now >= _retry_at);
    if (_blocked && _batch.empty() && retry_due) {  // a rebalance took the whole waiting batch away
      _blocked = false;
      set_paused(false);
    }
    if (!_blocked && _batch.empty()) fill_batch();
    if (!_batch.empty() && (!_blocked || retry_due)) {
      append_and_wait();
    } else if (_blocked) {
      // Paused: consume() delivers nothing for our partitions, but serves rebalances and keeps the membership.
      std::unique_ptr<RdKafka::Message> m(_consumer->consume(poll_ms));
      if (m) take(*m, _next);
    }
    if (steady::now() >= _next_commit_retry) {
      commit(false);  // re-sends what an async commit failed to store
      _next_commit_retry = steady::now() + commit_retry_interval;
    }
    if (steady::now() >= _next_lag) {
      update_lag(_paused);
      _next_lag = steady::now() + lag_interval;
    }
  }
  // stop(): nothing is in flight here (append_and_wait returns only after its callback). What is not appended
  // is not committed and comes again after a restart.
  commit(true);
  _consumer->close();  // revokes (rebalance_cb commits again, synchronously) and leaves the group
  _batch.clear();
  _next.clear();
  _parts.clear();
  update_in_flight();
  _stats.connections.store(0, std::memory_order_relaxed);
  publish_snapshot();
}

void kafka_source::fill_batch() {
  // A batch stays under a quarter of the spool, so an emptied spool always takes it whole (the spool refuses a
  // batch it could never hold as record_too_large, which on_append_failed answers by halving).
  const std::uint64_t spool_max = _ctx.spool.get_stats().max_bytes;
  const std::uint64_t max_bytes = spool_max > 0 ? std::clamp<std::uint64_t>(spool_max / 4, 1, batch_max_bytes)
                                                : batch_max_bytes;
  std::uint64_t bytes = 0;
  while (!_next.empty() && _batch.size() < batch_max_records && bytes < max_bytes) {
    bytes += _next.front().cost;
    _batch.push_back(std::move(_next.front()));
    _next.pop_front();
  }
  int timeout = _batch.empty() ? poll_ms : 0;
  while (_batch.size() < batch_max_records && bytes < max_bytes && !_stop.load()) {
    std::unique_ptr<RdKafka::Message> m(_consumer->consume(timeout));
    if (!m || m->err() == RdKafka::ERR__TIMED_OUT) break;
    const auto before = _batch.size();
    take(*m, _batch);
    if (_batch.size() == before) break;  // an error or a message of a partition no longer ours
    bytes += _batch.back().cost;
    timeout = 0;  // only what librdkafka already fetched joins this batch
  }
  update_in_flight();
}

void kafka_source::take(RdKafka::Message& m, std::deque<taken>& into) {
  switch (m.err()) {
    case RdKafka::ERR_NO_ERROR: break;
    case RdKafka::ERR__TIMED_OUT:
    case RdKafka::ERR__PARTITION_EOF: return;
    default:
      _stats.errors_total.fetch_add(1, std::memory_order_relaxed);
      _last_error = m.errstr();
      if (auto skipped = _log_limit.admit())
        spdlog::warn("relay kafka source {}: consumer error: {} ({} more not logged)", _cfg.name, m.errstr(), *skipped);
      return;
  }
  topic_partition tp{m.topic_name(), m.partition()};
  auto pit = _parts.find(tp);
  if (pit == _parts.end()) return;  // not (or no longer) ours: its next owner reads it from the committed offset
  if (pit->second.first_seen < 0) pit->second.first_seen = m.offset();
  taken t;
  t.tp = std::move(tp);
  t.offset = m.offset();
  auto& r = t.rec;
  r.topic = _cfg.topic;
  const auto ts = m.timestamp();
  r.timestamp_ms = ts.type != RdKafka::MessageTimestamp::MSG_TIMESTAMP_NOT_AVAILABLE && ts.timestamp > 0 ? ts.timestamp : 0;
  if (m.key_pointer() != nullptr) r.key.emplace(static_cast<const char*>(m.key_pointer()), m.key_len());
  if (m.payload() != nullptr) r.value.emplace(static_cast<const char*>(m.payload()), m.len());
  if (const auto* hs = m.headers()) {
    for (const auto& h : hs->get_all())  // a null header value becomes empty: spool headers have no null
      r.headers.emplace_back(h.key(), h.value() ? std::string(static_cast<const char*>(h.value()), h.value_size())
                                                : std::string());
  }
  r.headers.emplace_back(h_source_topic, t.tp.first);
  r.headers.emplace_back(h_source_partition, std::to_string(t.tp.second));
  r.headers.emplace_back(h_source_offset, std::to_string(t.offset));
  t.bytes = (r.key ? r.key->size() : 0) + (r.value ? r.value->size() : 0);
  t.cost = spool::format::frame_bytes(r);
  _stats.received_total.fetch_add(1, std::memory_order_relaxed);
  into.push_back(std::move(t));
}

void kafka_source::append_and_wait() {
  // The batch is copied: under errc::full the same records are appended again later.
  std::vector<spool::record> records;
  records.reserve(_batch.size());
  for (const auto& t : _batch) records.push_back(t.rec);
  {
    std::lock_guard lk(_mb->mu);
    _mb->done.reset();
  }
  _ctx.spool.append(std::move(records), [mb = _mb](result<std::uint64_t> r) {
    std::lock_guard lk(mb->mu);
    mb->done.emplace(std::move(r));
    mb->cv.notify_all();
  });
  // No consumer call until the callback: a rebalance must not be acknowledged while records are in flight.
  std::optional<result<std::uint64_t>> outcome;
  {
    std::unique_lock lk(_mb->mu);
    _mb->cv.wait(lk, [&] { return _mb->done.has_value(); });
    outcome.swap(_mb->done);
  }
  if (*outcome) on_appended(outcome->value());
  else on_append_failed(outcome->error());
}

void kafka_source::on_appended(std::uint64_t first_seq) {
  std::uint64_t bytes = 0;
  for (const auto& t : _batch) {
    auto it = _parts.find(t.tp);
    if (it != _parts.end()) it->second.appended = std::max(it->second.appended, t.offset + 1);
    bytes += t.bytes;
  }
  if (first_seq != 0) {  // 0: drop_newest discarded the batch; handled (the spool records the gap), not appended
    _stats.appended_total.fetch_add(_batch.size(), std::memory_order_relaxed);
    _stats.bytes_total.fetch_add(bytes, std::memory_order_relaxed);
  }
  _batch.clear();
  update_in_flight();
  if (_blocked) {
    _blocked = false;
    _stalled = false;
    set_paused(false);
  }
  commit(false);
  publish_snapshot();
}

void kafka_source::on_append_failed(std::error_code ec) {
  const auto now = steady::now();
  if (ec == spool::errc::record_too_large && _batch.size() > 1) {
    // Halve the batch and try again at once; the second half goes first next time.
    const auto half = static_cast<std::ptrdiff_t>(_batch.size() / 2);
    for (auto it = _batch.end(); it != _batch.begin() + half;) _next.push_front(std::move(*--it));
    _batch.erase(_batch.begin() + half, _batch.end());
    return;
  }
  if (ec == spool::errc::full) {
    if (!_blocked) _stats.backpressure_total.fetch_add(1, std::memory_order_relaxed);
    _retry_at = now + retry_interval;
    request_space_notice();
  } else if (ec == spool::errc::record_too_large) {
    if (!_stalled) {
      _stats.errors_total.fetch_add(1, std::memory_order_relaxed);
      spdlog::error("relay kafka source {}: the record at {}/{} offset {} is larger than the spool can hold; the "
                    "source stops here (raise spool.max.bytes and restart)", _cfg.name, _batch.front().tp.first,
                    _batch.front().tp.second, _batch.front().offset);
    }
    _stalled = true;
    _last_error = ec.message();
    _retry_at = now + stalled_retry_interval;
  } else {
    _stats.errors_total.fetch_add(1, std::memory_order_relaxed);
    _last_error = ec.message();
    if (auto skipped = _log_limit.admit())
      spdlog::error("relay kafka source {}: spool append failed: {} ({} more not logged)", _cfg.name, ec.message(),
                    *skipped);
    _retry_at = now + retry_interval;
  }
  if (!_blocked) _next_lag = now;  // the backlog matters most while paused: show it now
  _blocked = true;
  set_paused(true);
}

void kafka_source::request_space_notice() {
  {
    std::lock_guard lk(_mb->mu);
    if (_mb->space_requested) return;
    _mb->space_requested = true;
  }
  _ctx.spool.notify_on_space([mb = _mb] {
    std::lock_guard lk(mb->mu);
    mb->space = true;
    mb->space_requested = false;
    mb->cv.notify_all();
  });
}

bool kafka_source::take_space_notice() {
  std::lock_guard lk(_mb->mu);
  return std::exchange(_mb->space, false);
}

void kafka_source::set_paused(bool paused) {
  if (_paused == paused) return;
  std::vector<RdKafka::TopicPartition*> assignment;
  _consumer->assignment(assignment);
  // Pausing discards what librdkafka prefetched for these partitions; after resume it fetches again from the
  // position after the last message consume() handed out, so nothing is skipped or repeated.
  if (!assignment.empty()) {
    if (paused) _consumer->pause(assignment);
    else _consumer->resume(assignment);
  }
  RdKafka::TopicPartition::destroy(assignment);
  _paused = paused;
  publish_snapshot();
}

void kafka_source::commit(bool sync, const std::vector<topic_partition>* only) {
  std::vector<RdKafka::TopicPartition*> list;
  for (auto& [tp, part] : _parts) {
    if (only && std::find(only->begin(), only->end(), tp) == only->end()) continue;
    if (part.appended < 0 || (!sync && part.appended == part.committed)) continue;
    list.push_back(RdKafka::TopicPartition::create(tp.first, tp.second, part.appended));
    part.committed = part.appended;
  }
  if (list.empty()) return;
  // Async: a later failure comes to offset_commit_cb. Either way a partition whose commit failed gets
  // committed = -1, so the periodic commit sends it again.
  const auto e = sync ? _consumer->commitSync(list) : _consumer->commitAsync(list);
  bool failed = e != RdKafka::ERR_NO_ERROR;
  for (auto* tp : list) {
    const bool tp_failed = e != RdKafka::ERR_NO_ERROR || (sync && tp->err() != RdKafka::ERR_NO_ERROR);
    failed = failed || tp_failed;
    if (auto it = _parts.find({tp->topic(), tp->partition()}); tp_failed && it != _parts.end()) it->second.committed = -1;
  }
  if (failed) {
    _stats.errors_total.fetch_add(1, std::memory_order_relaxed);
    _last_error = "commit failed: " + RdKafka::err2str(e);
    if (auto skipped = _log_limit.admit())
      spdlog::warn("relay kafka source {}: {} commit failed: {} ({} more not logged)", _cfg.name,
                   sync ? "synchronous" : "asynchronous", RdKafka::err2str(e),
                   *skipped);
  }
  RdKafka::TopicPartition::destroy(list);
}

void kafka_source::offset_commit_cb(RdKafka::ErrorCode err, std::vector<RdKafka::TopicPartition*>& offsets) {
  // Runs on the consumer thread (inside consume/close). A failed async commit is sent again later.
  if (err == RdKafka::ERR__NO_OFFSET) return;
  for (auto* tp : offsets) {
    if (err == RdKafka::ERR_NO_ERROR && tp->err() == RdKafka::ERR_NO_ERROR) continue;
    if (auto it = _parts.find({tp->topic(), tp->partition()}); it != _parts.end() && it->second.committed == tp->offset())
      it->second.committed = -1;
  }
  if (err != RdKafka::ERR_NO_ERROR) {
    _stats.errors_total.fetch_add(1, std::memory_order_relaxed);
    _last_error = "commit failed: " + RdKafka::err2str(err);
  }
}

void kafka_source::drop_partitions(const std::vector<topic_partition>& gone) {
  auto is_gone = [&](const taken& t) { return std::find(gone.begin(), gone.end(), t.tp) != gone.end(); };
  std::erase_if(_batch, is_gone);  // never appended: the next owner reads them from the committed offset
  std::erase_if(_next, is_gone);
  for (const auto& tp : gone) _parts.erase(tp);
  update_in_flight();
}

void kafka_source::rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                                std::vector<RdKafka::TopicPartition*>& partitions) {
  // Only called from consume()/close() on the consumer thread, never while an append is in flight.
  const bool cooperative = consumer->rebalance_protocol() == "COOPERATIVE";
  if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
    for (auto* tp : partitions) _parts[{tp->topic(), tp->partition()}];
    if (cooperative) consumer->incremental_assign(partitions);
    else consumer->assign(partitions);
    if (_paused && !partitions.empty()) consumer->pause(partitions);
  } else {
    std::vector<topic_partition> revoked;
    for (auto* tp : partitions) revoked.emplace_back(tp->topic(), tp->partition());
    // Acknowledge the revocation only after what the spool holds is committed (not possible once lost).
    if (err == RdKafka::ERR__REVOKE_PARTITIONS && !consumer->assignment_lost()) commit(true, &revoked);
    drop_partitions(revoked);
    if (cooperative) consumer->incremental_unassign(partitions);
    else consumer->unassign();
  }
  _stats.connections.store(_parts.empty() ? 0 : 1, std::memory_order_relaxed);
  publish_snapshot();
}

void kafka_source::event_cb(RdKafka::Event& event) {
  switch (event.type()) {
    case RdKafka::Event::EVENT_ERROR:
      _stats.errors_total.fetch_add(1, std::memory_order_relaxed);
      if (auto skipped = _log_limit.admit())
        spdlog::warn("relay kafka source {}: {} ({} more not logged)", _cfg.name, event.str(), *skipped);
      return;
    case RdKafka::Event::EVENT_LOG:
      if (event.severity() <= RdKafka::Event::EVENT_SEVERITY_WARNING) {
        if (auto skipped = _log_limit.admit())
          spdlog::warn("relay kafka source {}: {} {} ({} more not logged)", _cfg.name, event.fac(), event.str(),
                       *skipped);
      } else {
        spdlog::debug("relay kafka source {}: {} {}", _cfg.name, event.fac(), event.str());
      }
      return;
    default: return;
  }
}

void kafka_source::update_lag(bool force_query) {
  std::int64_t lag = 0;
  for (auto& [tp, part] : _parts) {
    std::int64_t low = -1, high = -1;
    auto e = _consumer->get_watermark_offsets(tp.first, tp.second, &low, &high);
    if (e != RdKafka::ERR_NO_ERROR || high < 0 || force_query)
      e = _consumer->query_watermark_offsets(tp.first, tp.second, &low, &high, 1000);
    if (e == RdKafka::ERR_NO_ERROR && high >= 0) part.high = high;
    std::int64_t pos = part.appended >= 0 ? part.appended : part.first_seen;
    if (pos < 0 && part.high >= 0) {  // nothing taken yet: the consumer's fetch position, if known
      std::vector<RdKafka::TopicPartition*> one{RdKafka::TopicPartition::create(tp.first, tp.second)};
      if (_consumer->position(one) == RdKafka::ERR_NO_ERROR && one[0]->offset() >= 0) pos = one[0]->offset();
      RdKafka::TopicPartition::destroy(one);
    }
    if (part.high >= 0 && pos >= 0 && part.high > pos) lag += part.high - pos;
  }
  _stats.lag.store(lag, std::memory_order_relaxed);
  publish_snapshot();
}

void kafka_source::update_in_flight() {
  _stats.in_flight.store(static_cast<std::int64_t>(_batch.size() + _next.size()), std::memory_order_relaxed);
}

void kafka_source::publish_snapshot() {
  nlohmann::json parts = nlohmann::json::array();
  for (const auto& [tp, part] : _parts) {
    nlohmann::json p{{"topic", tp.first}, {"partition", tp.second}};
    p["position"] = part.appended >= 0 ? nlohmann::json(part.appended) : nlohmann::json(nullptr);
    p["committed"] = part.committed >= 0 ? nlohmann::json(part.committed) : nlohmann::json(nullptr);
    p["high_watermark"] = part.high >= 0 ? nlohmann::json(part.high) : nlohmann::json(nullptr);
    parts.push_back(std::move(p));
  }
  nlohmann::json s{{"group", _cfg.group_id},
                   {"bootstrap_servers", _cfg.bootstrap_servers},
                   {"topics", _cfg.kafka_topics},
                   {"assigned", std::move(parts)},
                   {"paused", _paused},
                   {"stalled", _stalled}};
  if (!_last_error.empty()) s["last_error"] = _last_error;
  std::lock_guard lk(_snap_mu);
  _snapshot = std::move(s);
}

void kafka_source::describe(nlohmann::json& out) const {
  std::lock_guard lk(_snap_mu);
  for (const auto& [k, v] : _snapshot.items()) out[k] = v;
}

}  // namespace

std::unique_ptr<source> make_kafka_source(source_config cfg, source_context& ctx) {
  if (cfg.bootstrap_servers.empty()) throw std::runtime_error("source " + cfg.name + ": bootstrap.servers is required");
  if (cfg.kafka_topics.empty()) throw std::runtime_error("source " + cfg.name + ": topics is required");
  if (cfg.group_id.empty()) throw std::runtime_error("source " + cfg.name + ": group.id is required");
  if (cfg.topic.empty()) throw std::runtime_error("source " + cfg.name + ": topic (the upstream topic) is required");
  return std::make_unique<kafka_source>(std::move(cfg), ctx);
}

}  // namespace sd::relay
